using OpsConsole.Core.Events;

namespace OpsConsole.Console.Jobs;

/// <summary>
/// Runs the outbox relay whenever a commit signals new events, and every few seconds regardless
/// (events written by another console replica, or left over from before a restart).
/// </summary>
public sealed class OutboxRelayService(OutboxRelay relay, OutboxSignal signal, ILogger<OutboxRelayService> logger) : BackgroundService
{
    private static readonly TimeSpan Sweep = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await relay.RelayPendingAsync(stoppingToken);
                await signal.WaitAsync(Sweep, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
            catch (Exception ex)
            {
                logger.LogError(ex, "The outbox relay failed; retrying in {Delay}", Sweep);
                await Task.Delay(Sweep, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
