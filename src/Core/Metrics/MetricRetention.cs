using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Metrics;

/// <summary>What one retention pass did.</summary>
public readonly record struct RetentionResult(int FinePointsRolledUp, int CoarsePointsWritten, int CoarsePointsDeleted);

/// <summary>
/// Downsampling and retention: 10 s points older than a day become 5 min points (whole 5 min steps
/// only, written and the 10 s points deleted in one transaction, so a step is never counted twice
/// nor lost), and 5 min points older than 30 days are deleted. Runs every few minutes; a pass after
/// a long stop works through the backlog an hour of points at a time.
/// </summary>
public sealed class MetricRetention(IDbContextFactory<OpsDbContext> dbFactory, TimeProvider clock)
{
    private static readonly TimeSpan Chunk = TimeSpan.FromHours(1);

    public async Task<RetentionResult> RunAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // Only 5 min steps that lie wholly before the fine retention's edge.
        var rollUpBefore = MetricStore.Floor(now - MetricPoint.FineRetention, MetricPoint.CoarseStep);
        var fine = (int)MetricPoint.FineStep.TotalSeconds;
        var coarse = (int)MetricPoint.CoarseStep.TotalSeconds;
        int rolled = 0, written = 0;
        while (true)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var oldest = await db.MetricPoints.Where(p => p.StepSeconds == fine && p.BucketStart < rollUpBefore)
                .OrderBy(p => p.BucketStart).Select(p => (DateTime?)p.BucketStart).FirstOrDefaultAsync(ct);
            if (oldest is null) break;
            var start = MetricStore.Floor(oldest.Value, MetricPoint.CoarseStep);
            var end = start + Chunk < rollUpBefore ? start + Chunk : rollUpBefore;

            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var points = await db.MetricPoints.Where(p => p.StepSeconds == fine && p.BucketStart >= start && p.BucketStart < end).ToListAsync(ct);
            var existing = await db.MetricPoints.Where(p => p.StepSeconds == coarse && p.BucketStart >= start && p.BucketStart < end).ToListAsync(ct);
            foreach (var p in points.Concat(existing)) MetricStore.Load(db, p);
            foreach (var g in points.GroupBy(p => (p.Service, p.Environment, p.Revision, At: MetricStore.Floor(p.BucketStart, MetricPoint.CoarseStep))))
            {
                var already = existing.FirstOrDefault(e => e.Service == g.Key.Service && e.Environment == g.Key.Environment && e.Revision == g.Key.Revision && e.BucketStart == g.Key.At);
                var merged = RollUp(already is null ? g : g.Append(already), g.Key.Service, g.Key.Environment, g.Key.Revision, g.Key.At);
                if (already is not null) db.MetricPoints.Remove(already);
                MetricStore.Add(db, merged);
                written++;
            }
            await db.SaveChangesAsync(ct);
            rolled += await db.MetricPoints.Where(p => p.StepSeconds == fine && p.BucketStart >= start && p.BucketStart < end).ExecuteDeleteAsync(ct);
            await tx.CommitAsync(ct);
        }

        await using var sweep = await dbFactory.CreateDbContextAsync(ct);
        var deleteBefore = now - MetricPoint.CoarseRetention;
        var deleted = await sweep.MetricPoints.Where(p => p.StepSeconds == coarse && p.BucketStart < deleteBefore).ExecuteDeleteAsync(ct);
        return new RetentionResult(rolled, written, deleted);
    }

    /// <summary>One 5 min point from finer (or an earlier partial 5 min) points: counts summed, percentiles request-weighted.</summary>
    internal static MetricPoint RollUp(IEnumerable<MetricPoint> parts, string service, string environment, string revision, DateTime at)
    {
        var list = parts.ToList();
        var requests = list.Sum(p => p.Requests);
        long[]? slower = list.All(p => p.SlowerThan is not null) ? new long[MetricBounds.LatencyBoundsMs.Count] : null;
        if (slower is not null)
            foreach (var p in list)
                for (var i = 0; i < slower.Length; i++) slower[i] += p.SlowerThan![i];
        return new MetricPoint
        {
            Service = service,
            Environment = environment,
            Revision = revision,
            StepSeconds = (int)MetricPoint.CoarseStep.TotalSeconds,
            BucketStart = at,
            Requests = requests,
            Errors5xx = list.Sum(p => p.Errors5xx),
            LatencyP50Ms = Weighted(list, p => p.LatencyP50Ms),
            LatencyP90Ms = Weighted(list, p => p.LatencyP90Ms),
            LatencyP99Ms = Weighted(list, p => p.LatencyP99Ms),
            SlowerThan = slower,
        };
    }

    private static double? Weighted(List<MetricPoint> points, Func<MetricPoint, double?> latency)
    {
        double sum = 0;
        long weight = 0;
        foreach (var p in points)
        {
            if (p.Requests <= 0 || latency(p) is not { } ms) continue;
            sum += ms * p.Requests;
            weight += p.Requests;
        }
        return weight == 0 ? null : sum / weight;
    }
}
