using OpsConsole.Core.Replicas;
using OpsConsole.Core.Metrics;

namespace OpsConsole.Console.Jobs;

/// <summary>
/// Drives the metric history: a sampler tick a moment after every whole 10 s (so each tick stores the
/// step that just ended) and, beside it, the roll-up and retention pass every 5 minutes.
/// </summary>
public sealed class MetricSamplerService(MetricSampler sampler, MetricRetention retention, IRolloutLeases leases, TimeProvider clock, ILogger<MetricSamplerService> logger) : BackgroundService
{
    /// <summary>How long after a step's end its tick runs: late enough for the step's last requests to be counted, early enough to double-count little.</summary>
    public static readonly TimeSpan TickOffset = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan RetentionInterval = TimeSpan.FromMinutes(5);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(SampleLoopAsync(stoppingToken), RetentionLoopAsync(stoppingToken));

    private async Task SampleLoopAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(UntilNextTick(clock.GetUtcNow()), clock, ct);
                using var timer = new PeriodicTimer(MetricPoint.FineStep, clock);
                do
                {
                    // One sample per step across replicas (the store keeps one point per step), taken where the
                    // local cluster's processes and ingress live: on the replica holding the cluster lease.
                    try { if (await leases.HoldsClusterAsync(ct)) await sampler.SampleAsync(ct); }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        logger.LogWarning(e, "The metric sampler could not store a tick; the step stays unmeasured");
                    }
                }
                // A timer that drifted away from the step boundary (a slow tick, a suspended host) is started again aligned.
                while (await timer.WaitForNextTickAsync(ct) && Offset(clock.GetUtcNow()) < TimeSpan.FromSeconds(2));
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task RetentionLoopAsync(CancellationToken ct)
    {
        try
        {
            using var timer = new PeriodicTimer(RetentionInterval, clock);
            do
            {
                try
                {
                    if (!await leases.HoldsClusterAsync(ct)) continue;
                    var result = await retention.RunAsync(ct);
                    if (result.FinePointsRolledUp > 0 || result.CoarsePointsDeleted > 0)
                        logger.LogInformation("Metric history: {Rolled} 10 s points rolled into {Written} 5 min points, {Deleted} points past 30 days deleted",
                            result.FinePointsRolledUp, result.CoarsePointsWritten, result.CoarsePointsDeleted);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "The metric roll-up failed; it is tried again in {Minutes} minutes", RetentionInterval.TotalMinutes);
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) { }
    }

    private static TimeSpan Offset(DateTimeOffset now) => TimeSpan.FromTicks(now.UtcTicks % MetricPoint.FineStep.Ticks);

    /// <summary>The wait until <see cref="TickOffset"/> past the next whole 10 s.</summary>
    public static TimeSpan UntilNextTick(DateTimeOffset now) => MetricPoint.FineStep - Offset(now) + TickOffset;
}
