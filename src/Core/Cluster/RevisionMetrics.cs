namespace OpsConsole.Core.Cluster;

/// <summary>
/// Traffic that reached one revision through the service's ingress over a window ending at
/// <see cref="To"/>. Rates and latencies are null when there were no requests (nothing measured is
/// not the same as zero). A 5xx answer counts as an error, every other status as a success;
/// latency is measured at the ingress (what a caller sees), in milliseconds.
/// </summary>
public sealed record RevisionMetrics(
    ServiceEnvironment Target,
    string Revision,
    DateTimeOffset From,
    DateTimeOffset To,
    long Requests,
    long Errors5xx,
    double? LatencyP50Ms,
    double? LatencyP90Ms,
    double? LatencyP99Ms)
{
    public TimeSpan Window => To - From;

    /// <summary>
    /// How many of <see cref="Requests"/> took longer than each of <see cref="Metrics.MetricBounds.LatencyBoundsMs"/>
    /// (same order), counted exactly per request; null when the cluster does not count them (Kubernetes
    /// with Prometheus reports percentiles only).
    /// </summary>
    public IReadOnlyList<long>? SlowerThan { get; init; }

    /// <summary>Share of requests answered without a 5xx, 0..1.</summary>
    public double? SuccessRate => Requests == 0 ? null : 1.0 - (double)Errors5xx / Requests;

    /// <summary>Share of requests answered with a 5xx, 0..1.</summary>
    public double? ErrorRate => Requests == 0 ? null : (double)Errors5xx / Requests;

    public double RequestsPerSecond => Window <= TimeSpan.Zero ? 0 : Requests / Window.TotalSeconds;
}
