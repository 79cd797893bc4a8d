using OpsConsole.Core.Replicas;
using OpsConsole.Core.Alerting;

namespace OpsConsole.Console.Jobs;

/// <summary>
/// Runs the alert dispatcher once a second. Its timers (group_wait, group_interval, repeat_interval)
/// are stored with each aggregation group, so after a restart the next pass picks up where it was.
/// </summary>
public sealed class AlertDispatcherService(IServiceScopeFactory scopes, IRolloutLeases leases, ILogger<AlertDispatcherService> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Store-wide work runs once across replicas: on the one holding the cluster lease.
                if (await leases.HoldsClusterAsync(stoppingToken))
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<AlertDispatcher>().FlushDueAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogWarning(e, "Alert dispatch pass failed; retrying");
            }
            try { await Task.Delay(Interval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}
