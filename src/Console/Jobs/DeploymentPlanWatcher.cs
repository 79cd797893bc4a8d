using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Events;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Jobs;

/// <summary>
/// Watches rollouts that belong to a deployment plan: when one ends, the plan requests its contract
/// changes (Healthy) or fails. Woken by the reconciler's in-process notices (no polling); checks
/// every plan in flight once at start, for rollouts that ended while the console was down.
/// </summary>
public sealed class DeploymentPlanWatcher(RolloutUpdates updates, IServiceScopeFactory scopes, ILogger<DeploymentPlanWatcher> logger) : BackgroundService
{
    private readonly Channel<Guid> _changed = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = updates.Subscribe(c => _changed.Writer.TryWrite(c.RolloutId));
        try
        {
            await using (var scope = scopes.CreateAsyncScope())
            {
                var inFlight = await scope.ServiceProvider.GetRequiredService<OpsDbContext>().DeploymentPlans.AsNoTracking()
                    .Where(p => p.Status == DeploymentPlanStatus.RollingOut && p.RolloutId != null).Select(p => p.RolloutId!.Value).ToListAsync(stoppingToken);
                foreach (var id in inFlight) _changed.Writer.TryWrite(id);
            }
            await foreach (var rolloutId in _changed.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<DeploymentPlanner>().AfterRolloutAsync(rolloutId, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Deployment plan of rollout {RolloutId}: could not move on", rolloutId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }
}
