using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Jobs;

/// <summary>
/// Runs the rollout reconciler twice a second: the pace of the built-in analysis (1 s windows) and
/// of the live views. A pass that finds nothing to change writes nothing.
/// </summary>
public sealed class RolloutReconcilerService(RolloutReconciler reconciler, ILogger<RolloutReconcilerService> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        do
        {
            try { await reconciler.ReconcileOnceAsync(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
            catch (Exception ex) { logger.LogError(ex, "The rollout reconciler pass failed; the next pass retries"); }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
