using OpsConsole.Core.Replicas;
using OpsConsole.Core.Slo;

namespace OpsConsole.Console.Jobs;

/// <summary>
/// Evaluates the SLOs' multi-window burn-rate rules every 30 seconds and raises or resolves their
/// alerts in the console's alert pipeline. Nothing is kept between passes: the alert store says what fires.
/// </summary>
public sealed class SloBurnService(IServiceScopeFactory scopes, IRolloutLeases leases, TimeProvider clock, ILogger<SloBurnService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await Task.Delay(SloBurnEvaluator.Interval, clock, stoppingToken); }
            catch (OperationCanceledException) { return; }
            try
            {
                // Store-wide work runs once across replicas: on the one holding the cluster lease.
                if (!await leases.HoldsClusterAsync(stoppingToken)) continue;
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<SloBurnEvaluator>().EvaluateAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogWarning(e, "SLO burn-rate evaluation failed; trying again at the next interval");
            }
        }
    }
}
