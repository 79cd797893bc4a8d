using OpsConsole.Core.Replicas;
using System.Threading.Channels;
using Hangfire;
using OpsConsole.Core.Drills;
using OpsConsole.Core.Events;

namespace OpsConsole.Console.Jobs;

/// <summary>A drill's scheduled run (recurring job <c>drill-{id}</c>): runs it as the system actor.</summary>
public sealed class DrillJob(IServiceScopeFactory scopes)
{
    public static string IdFor(Guid drillId) => $"drill-{drillId}";

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(60)]
    [JobDisplayName("Rollback drill {0}")]
    public async Task RunAsync(Guid drillId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DrillDesk>().RunScheduledAsync(drillId, ct);
    }
}

/// <summary>One Hangfire recurring job per enabled drill, on its cron in UTC; removed when the drill is disabled or deleted.</summary>
public sealed class HangfireDrillScheduler(IRecurringJobManager recurring) : IDrillScheduler
{
    public void Schedule(Drill drill) =>
        recurring.AddOrUpdate<DrillJob>(DrillJob.IdFor(drill.Id), j => j.RunAsync(drill.Id, CancellationToken.None), drill.Cron,
            new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });

    public void Unschedule(Guid drillId) => recurring.RemoveIfExists(DrillJob.IdFor(drillId));
}

/// <summary>
/// Follows running drill runs: looks every second and whenever a rollout changes, so a run is scored
/// as soon as its rollout has rolled back, and a run past its timeout has its rollout aborted. At start
/// it puts every enabled drill on the schedule again.
/// </summary>
public sealed class DrillFollower(IServiceScopeFactory scopes, RolloutUpdates rollouts, IRolloutLeases leases, ILogger<DrillFollower> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private readonly Channel<bool> _work = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using (var scope = scopes.CreateAsyncScope())
                await scope.ServiceProvider.GetRequiredService<DrillDesk>().SyncScheduleAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Drills: could not put the drills on the schedule");
        }
        using var changes = rollouts.Subscribe(_ => _work.Writer.TryWrite(true));
        using var timer = new PeriodicTimer(Period);
        var tick = Task.Run(async () =>
        {
            try { while (await timer.WaitForNextTickAsync(stoppingToken)) _work.Writer.TryWrite(true); }
            catch (OperationCanceledException) { }
        }, stoppingToken);
        try
        {
            await foreach (var _ in _work.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    // Store-wide work runs once across replicas: on the one holding the cluster lease.
                    if (!await leases.HoldsClusterAsync(stoppingToken)) continue;
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<DrillDesk>().FollowAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Drills: could not follow the running drills");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        await tick;
    }
}
