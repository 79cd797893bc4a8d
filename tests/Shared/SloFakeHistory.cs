using OpsConsole.Core.Cluster;
using OpsConsole.Core.Metrics;

namespace OpsConsole.Tests.Shared;

/// <summary>
/// A metric history for SLO tests: traffic recorded per service/environment as minutes with a
/// number of requests, 5xx answers and answers slower than each latency bound. Linked into the
/// Core and Console test projects.
/// </summary>
public sealed class SloFakeHistory : IMetricHistory
{
    private sealed record Minute(ServiceEnvironment Target, DateTimeOffset At, long Requests, long Errors, IReadOnlyDictionary<double, long> Slow);

    private readonly List<Minute> minutes = [];

    /// <summary>
    /// Steady traffic from <paramref name="from"/> for <paramref name="duration"/>: per minute,
    /// <paramref name="perMinute"/> requests of which a share fail, and a share take
    /// <paramref name="slowLatencyMs"/> (the rest answer within a millisecond).
    /// </summary>
    public void Add(ServiceEnvironment target, DateTimeOffset from, TimeSpan duration, long perMinute, double errorShare, double slowShare = 0, double slowLatencyMs = 1000)
    {
        lock (minutes)
        {
            for (var t = from; t < from + duration; t += TimeSpan.FromMinutes(1))
            {
                var slow = MetricBounds.LatencyBoundsMs.ToDictionary(b => b, b => b < slowLatencyMs ? (long)Math.Round(perMinute * slowShare) : 0);
                minutes.Add(new Minute(target, t, perMinute, (long)Math.Round(perMinute * errorShare), slow));
            }
        }
    }

    public void Clear()
    {
        lock (minutes) minutes.Clear();
    }

    private List<Minute> Between(ServiceEnvironment target, DateTimeOffset from, DateTimeOffset to)
    {
        lock (minutes) return minutes.Where(m => m.Target == target && m.At >= from && m.At < to).ToList();
    }

    public Task<IReadOnlyList<MetricSeriesPoint>> RangeAsync(ServiceEnvironment target, DateTimeOffset from, DateTimeOffset to, TimeSpan step, CancellationToken ct = default)
    {
        var points = new List<MetricSeriesPoint>();
        for (var t = from; t < to; t += step)
        {
            var ms = Between(target, t, t + step);
            if (ms.Count == 0) continue;
            long requests = ms.Sum(m => m.Requests), errors = ms.Sum(m => m.Errors);
            points.Add(new MetricSeriesPoint(t, null, requests, errors, requests / step.TotalSeconds, requests == 0 ? null : (double)errors / requests, null, null, null));
        }
        return Task.FromResult<IReadOnlyList<MetricSeriesPoint>>(points);
    }

    public Task<SliTotals> TotalsAsync(ServiceEnvironment target, DateTimeOffset from, DateTimeOffset to, double? latencyThresholdMs = null, CancellationToken ct = default)
    {
        var ms = Between(target, from, to);
        var slow = latencyThresholdMs is { } b ? ms.Sum(m => m.Slow[b]) : 0;
        return Task.FromResult(new SliTotals(ms.Sum(m => m.Requests), ms.Sum(m => m.Errors), slow));
    }
}
