using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Jobs;

/// <summary>
/// Runs the rollout reconciler loop: a pass when the earliest rollout is due (a timed pause ending,
/// an analysis to measure), every 5 s when none is in flight, to keep the stable revisions running.
/// Starting or acting on a rollout wakes it at once.
/// </summary>
public sealed class RolloutReconcilerService(RolloutReconciler reconciler) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => reconciler.RunAsync(stoppingToken);
}
