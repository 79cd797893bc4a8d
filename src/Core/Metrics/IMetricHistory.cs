using OpsConsole.Core.Cluster;

namespace OpsConsole.Core.Metrics;

/// <summary>
/// One point of a service/environment's ingress series: traffic summed over its revisions (or one
/// revision when <see cref="Revision"/> is set) over the step that starts at <see cref="At"/>.
/// Ratios and latencies are null when the step saw no requests (nothing measured is not zero).
/// </summary>
public sealed record MetricSeriesPoint(
    DateTimeOffset At,
    string? Revision,
    long Requests,
    long Errors5xx,
    double RequestsPerSecond,
    double? ErrorRatio,
    double? LatencyP50Ms,
    double? LatencyP90Ms,
    double? LatencyP99Ms);

/// <summary>Request totals over a window, the raw material of SLIs: all requests, 5xx answers, answers slower than a threshold.</summary>
public readonly record struct SliTotals(long Requests, long Errors5xx, long SlowerThanThreshold)
{
    public double? ErrorRatio => Requests == 0 ? null : (double)Errors5xx / Requests;

    public double? SlowRatio => Requests == 0 ? null : (double)SlowerThanThreshold / Requests;
}

/// <summary>
/// The kept ingress metrics of every service/environment (10 s steps for a day, 5 min steps for 30
/// days). SLOs, burn-rate alerts, dashboards, drills, game days and the error-budget gate read it.
/// </summary>
public interface IMetricHistory
{
    /// <summary>The series between <paramref name="from"/> and <paramref name="to"/>, one point per <paramref name="step"/> (at least the stored resolution), revisions summed.</summary>
    Task<IReadOnlyList<MetricSeriesPoint>> RangeAsync(ServiceEnvironment target, DateTimeOffset from, DateTimeOffset to, TimeSpan step, CancellationToken ct = default);

    /// <summary>
    /// Totals over the window; with <paramref name="latencyThresholdMs"/> also how many requests were
    /// slower than it (the threshold is one of <see cref="MetricBounds.LatencyBoundsMs"/>).
    /// </summary>
    Task<SliTotals> TotalsAsync(ServiceEnvironment target, DateTimeOffset from, DateTimeOffset to, double? latencyThresholdMs = null, CancellationToken ct = default);
}

public static class MetricBounds
{
    /// <summary>
    /// The latency thresholds the history counts requests under, as Prometheus histogram buckets do;
    /// a latency SLO's threshold is one of them so its SLI is exact rather than interpolated.
    /// </summary>
    public static readonly IReadOnlyList<double> LatencyBoundsMs = [5, 10, 25, 50, 75, 100, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000, 2500, 5000, 10000];
}
