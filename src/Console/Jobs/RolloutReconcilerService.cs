using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Jobs;

/// <summary>
/// Runs the rollout reconciler twice a second while rollouts are in flight (the pace of the built-in
/// 1 s analysis windows and of the live views), and every 5 s when none is, to keep the stable
/// revisions running. Starting or acting on a rollout wakes it at once.
/// </summary>
public sealed class RolloutReconcilerService(RolloutReconciler reconciler, RolloutUpdates updates, ILogger<RolloutReconcilerService> logger) : BackgroundService
{
    public static readonly TimeSpan ActivePeriod = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan IdlePeriod = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var inFlight = 0;
            var started = DateTime.UtcNow;
            try { inFlight = await reconciler.ReconcileOnceAsync(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception ex) { logger.LogError(ex, "The rollout reconciler pass failed; the next pass retries"); }
            var rest = (inFlight > 0 ? ActivePeriod : IdlePeriod) - (DateTime.UtcNow - started);
            if (rest <= TimeSpan.Zero) continue;
            try { await updates.WaitForWakeAsync(rest, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}
