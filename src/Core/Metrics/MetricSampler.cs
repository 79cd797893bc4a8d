using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Metrics;

/// <summary>
/// Keeps the ingress metrics: every 10 s, reads each revision of every service/environment the
/// cluster runs over the last 10 s and stores the whole tick in one save (one transaction, one
/// batched insert), then tells live dashboards. Driven by a timer in the console; <see cref="SampleAsync"/>
/// is one tick.
/// </summary>
public sealed class MetricSampler(IClusterAdapter cluster, IDbContextFactory<OpsDbContext> dbFactory, MetricUpdates updates, TimeProvider clock,
    ILogger<MetricSampler>? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<MetricSampler>.Instance;

    /// <summary>
    /// Stores the 10 s step that ended at the last whole 10 s before now (a tick a moment after the
    /// boundary stores the step just finished). Returns the rows written; 0 when the step was already
    /// stored (another replica, or a tick repeated within the step).
    /// </summary>
    public async Task<int> SampleAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var bucket = MetricStore.Floor(now.UtcDateTime, MetricPoint.FineStep) - MetricPoint.FineStep;
        var services = await cluster.ListServicesAsync(ct);
        var points = new List<MetricPoint>();
        var targets = new HashSet<ServiceEnvironment>();
        foreach (var service in services)
            foreach (var revision in service.Revisions)
            {
                RevisionMetrics m;
                try { m = await cluster.GetRevisionMetricsAsync(service.Target, revision.Name, MetricPoint.FineStep, ct); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogWarning(e, "Could not read the metrics of {Target} {Revision}; the step stays unmeasured", service.Target, revision.Name);
                    continue;
                }
                targets.Add(service.Target);
                points.Add(new MetricPoint
                {
                    Service = service.Target.Service,
                    Environment = service.Target.Environment,
                    Revision = revision.Name,
                    StepSeconds = (int)MetricPoint.FineStep.TotalSeconds,
                    BucketStart = bucket,
                    Requests = m.Requests,
                    Errors5xx = m.Errors5xx,
                    LatencyP50Ms = m.LatencyP50Ms,
                    LatencyP90Ms = m.LatencyP90Ms,
                    LatencyP99Ms = m.LatencyP99Ms,
                    SlowerThan = m.SlowerThan is { Count: var n } s && n == MetricBounds.LatencyBoundsMs.Count ? [.. s] : null,
                });
            }
        if (points.Count == 0) return 0;

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        foreach (var p in points) MetricStore.Add(db, p);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e)
        {
            if (!await StoredAlreadyAsync(bucket, ct)) throw;
            _logger.LogDebug(e, "The metrics step at {Bucket:o} is stored already", bucket);
            return 0;
        }
        updates.Publish(new MetricTick(new DateTimeOffset(bucket, TimeSpan.Zero), targets));
        return points.Count;
    }

    private async Task<bool> StoredAlreadyAsync(DateTime bucket, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var step = (int)MetricPoint.FineStep.TotalSeconds;
        return await db.MetricPoints.AnyAsync(p => p.StepSeconds == step && p.BucketStart == bucket, ct);
    }
}
