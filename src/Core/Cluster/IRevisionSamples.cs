namespace OpsConsole.Core.Cluster;

/// <summary>One request the ingress forwarded to a revision: when it ended, how long it took, whether it was a 5xx.</summary>
public readonly record struct RequestSample(DateTimeOffset At, double LatencyMs, bool Error);

/// <summary>
/// Per-request samples of a revision's traffic, for statistical comparisons (the canary judge).
/// Optional beside <see cref="IClusterAdapter"/>: a cluster whose metrics are only aggregates does
/// not offer it. Bounded: only the most recent requests of each revision are kept.
/// </summary>
public interface IRevisionSamples
{
    /// <summary>The kept requests of the revision that ended after <paramref name="since"/>, oldest first.</summary>
    IReadOnlyList<RequestSample> SamplesSince(ServiceEnvironment target, string revision, DateTimeOffset since);

    /// <summary>
    /// Calls <paramref name="observer"/> as each request of the revision ends, until disposed (the
    /// judge's per-request decisions). A cluster that only keeps samples to read returns a subscription
    /// that never calls: the judge then decides on its reconciler passes.
    /// </summary>
    IDisposable ObserveRequests(ServiceEnvironment target, string revision, Action<RequestSample> observer);
}
