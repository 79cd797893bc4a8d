using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Metrics;

/// <summary>
/// Reads the stored ingress series (<see cref="MetricPoint"/>). A range is cut into steps aligned to
/// the Unix epoch (so a live chart's earlier points do not move as time passes); a step never goes
/// below what is stored there (10 s, or 5 min where the range reaches rolled-up points).
/// <para>
/// Counts add up exactly. Percentiles cannot be merged from percentiles: over several stored steps
/// or revisions a point's p50/p90/p99 are the request-weighted mean of theirs. That is close while
/// latency is steady and understates a short spike's tail (a 10 s step at 900 ms among twenty-nine at
/// 100 ms reads about 127 ms at 5 min); latency SLOs use the exact slower-than counts instead.
/// </para>
/// </summary>
public sealed class MetricHistory(IDbContextFactory<OpsDbContext> dbFactory) : IMetricHistory
{
    public async Task<IReadOnlyList<MetricSeriesPoint>> RangeAsync(ServiceEnvironment target, DateTimeOffset from, DateTimeOffset to, TimeSpan step, CancellationToken ct = default)
    {
        var rows = await RowsAsync(target, from, to, ct);
        return Merge(rows, EffectiveStep(step, rows), perRevision: false);
    }

    /// <summary>The same series per revision (each point's <see cref="MetricSeriesPoint.Revision"/> set), ordered by revision, then time.</summary>
    public async Task<IReadOnlyList<MetricSeriesPoint>> RangeByRevisionAsync(ServiceEnvironment target, DateTimeOffset from, DateTimeOffset to, TimeSpan step, CancellationToken ct = default)
    {
        var rows = await RowsAsync(target, from, to, ct);
        return Merge(rows, EffectiveStep(step, rows), perRevision: true);
    }

    /// <summary>Both series and the step they use, from one read.</summary>
    public async Task<MetricSeries> SeriesAsync(ServiceEnvironment target, DateTimeOffset from, DateTimeOffset to, TimeSpan step, CancellationToken ct = default)
    {
        var rows = await RowsAsync(target, from, to, ct);
        var effective = EffectiveStep(step, rows);
        return new MetricSeries(effective, Merge(rows, effective, perRevision: false), Merge(rows, effective, perRevision: true));
    }

    public async Task<SliTotals> TotalsAsync(ServiceEnvironment target, DateTimeOffset from, DateTimeOffset to, double? latencyThresholdMs = null, CancellationToken ct = default)
    {
        var column = latencyThresholdMs is { } t ? MetricPoint.SlowerThanColumn(MetricStore.BoundIndex(t)) : null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var points = db.MetricPoints.AsNoTracking().Of(target, from.UtcDateTime, to.UtcDateTime);
        // Fine and rolled-up points never cover the same time (a roll-up replaces the 10 s points of
        // whole 5 min steps in one transaction), so every point in the window counts once.
        var sums = await points.GroupBy(_ => 1).Select(g => new
        {
            Requests = g.Sum(p => p.Requests),
            Errors = g.Sum(p => p.Errors5xx),
        }).FirstOrDefaultAsync(ct);
        long slow = 0;
        if (column is not null)
            slow = await points.SumAsync(p => EF.Property<long?>(p, column), ct) ?? 0;
        return new SliTotals(sums?.Requests ?? 0, sums?.Errors ?? 0, slow);
    }

    private async Task<List<Row>> RowsAsync(ServiceEnvironment target, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.MetricPoints.AsNoTracking().Of(target, from.UtcDateTime, to.UtcDateTime)
            .Select(p => new Row(p.Revision, p.StepSeconds, p.BucketStart, p.Requests, p.Errors5xx, p.LatencyP50Ms, p.LatencyP90Ms, p.LatencyP99Ms))
            .ToListAsync(ct);
    }

    /// <summary>
    /// The step a range is shown at: the one asked for, rounded up to a multiple of the coarsest
    /// resolution stored in the range (10 s, or 5 min where rolled-up points are).
    /// </summary>
    public static TimeSpan EffectiveStep(TimeSpan asked, IReadOnlyCollection<Row> rows)
    {
        var unit = rows.Any(r => r.StepSeconds >= (int)MetricPoint.CoarseStep.TotalSeconds) ? MetricPoint.CoarseStep : MetricPoint.FineStep;
        var units = Math.Max(1, (long)Math.Ceiling(asked.Ticks / (double)unit.Ticks - 1e-9));
        return TimeSpan.FromTicks(unit.Ticks * units);
    }

    internal static IReadOnlyList<MetricSeriesPoint> Merge(IEnumerable<Row> rows, TimeSpan step, bool perRevision)
    {
        var result = new List<MetricSeriesPoint>();
        var groups = rows.GroupBy(r => (Revision: perRevision ? r.Revision : null, At: MetricStore.Floor(r.BucketStart, step)))
            .OrderBy(g => g.Key.Revision, StringComparer.Ordinal).ThenBy(g => g.Key.At);
        foreach (var g in groups)
        {
            long requests = 0, errors = 0;
            foreach (var r in g)
            {
                requests += r.Requests;
                errors += r.Errors5xx;
            }
            // The seconds measured in this step: each stored step once, however many revisions it has.
            var covered = g.Select(r => (r.BucketStart, r.StepSeconds)).Distinct().Sum(s => s.StepSeconds);
            result.Add(new MetricSeriesPoint(
                new DateTimeOffset(g.Key.At, TimeSpan.Zero), g.Key.Revision, requests, errors,
                covered == 0 ? 0 : (double)requests / covered,
                requests == 0 ? null : (double)errors / requests,
                Weighted(g, r => r.LatencyP50Ms), Weighted(g, r => r.LatencyP90Ms), Weighted(g, r => r.LatencyP99Ms)));
        }
        return result;
    }

    private static double? Weighted(IEnumerable<Row> rows, Func<Row, double?> latency)
    {
        double sum = 0;
        long weight = 0;
        foreach (var r in rows)
        {
            if (r.Requests <= 0 || latency(r) is not { } ms) continue;
            sum += ms * r.Requests;
            weight += r.Requests;
        }
        return weight == 0 ? null : sum / weight;
    }

    /// <summary>A stored point as the reads need it.</summary>
    public sealed record Row(string Revision, int StepSeconds, DateTime BucketStart, long Requests, long Errors5xx, double? LatencyP50Ms, double? LatencyP90Ms, double? LatencyP99Ms);
}

/// <summary>A range read at <see cref="Step"/>: revisions summed, and per revision.</summary>
public sealed record MetricSeries(TimeSpan Step, IReadOnlyList<MetricSeriesPoint> Overall, IReadOnlyList<MetricSeriesPoint> ByRevision);
