using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Metrics;

/// <summary>Moves <see cref="MetricPoint.SlowerThan"/> in and out of its per-bound columns.</summary>
internal static class MetricStore
{
    public static void Add(OpsDbContext db, MetricPoint point)
    {
        var entry = db.MetricPoints.Add(point);
        for (var i = 0; i < MetricBounds.LatencyBoundsMs.Count; i++)
            entry.Property<long?>(MetricPoint.SlowerThanColumn(i)).CurrentValue = point.SlowerThan?[i];
    }

    /// <summary>Fills <see cref="MetricPoint.SlowerThan"/> of a tracked point from its columns.</summary>
    public static void Load(OpsDbContext db, MetricPoint point)
    {
        var entry = db.Entry(point);
        var counts = new long[MetricBounds.LatencyBoundsMs.Count];
        for (var i = 0; i < counts.Length; i++)
        {
            var value = entry.Property<long?>(MetricPoint.SlowerThanColumn(i)).CurrentValue;
            if (value is null)
            {
                point.SlowerThan = null;
                return;
            }
            counts[i] = value.Value;
        }
        point.SlowerThan = counts;
    }

    /// <summary>The index of <paramref name="thresholdMs"/> in <see cref="MetricBounds.LatencyBoundsMs"/>, or an input error naming the bounds.</summary>
    public static int BoundIndex(double thresholdMs)
    {
        for (var i = 0; i < MetricBounds.LatencyBoundsMs.Count; i++)
            if (Math.Abs(MetricBounds.LatencyBoundsMs[i] - thresholdMs) < 1e-9) return i;
        throw new Domain.InvalidInputException("latencyMs",
            $"A latency threshold of {thresholdMs} ms is not counted; use one of {string.Join(", ", MetricBounds.LatencyBoundsMs)} ms.");
    }

    public static IQueryable<MetricPoint> Of(this IQueryable<MetricPoint> points, Cluster.ServiceEnvironment target, DateTime from, DateTime to) =>
        points.Where(p => p.Service == target.Service && p.Environment == target.Environment && p.BucketStart >= from && p.BucketStart < to);

    public static DateTime Floor(DateTime utc, TimeSpan step) => new(utc.Ticks - utc.Ticks % step.Ticks, DateTimeKind.Utc);
}
