namespace OpsConsole.Core.Cluster;

/// <summary>
/// The boundary between the rollout engine and whatever runs the services. The engine only talks to
/// this; the local adapter (<see cref="Local.LocalClusterAdapter"/>: OS processes behind an in-process
/// YARP ingress) implements it for the embedded default, a Kubernetes adapter implements it later as
/// Deployment per revision + Service + Gateway API HTTPRoute (weights and header matches).
///
/// Rules every implementation keeps:
/// <list type="bullet">
/// <item>Writes are idempotent and declarative: they state what should be, and doing the same thing
/// twice changes nothing (deploying a running revision again is a no-op; setting the weights in force
/// again is a no-op). A reconciler may therefore repeat its last step after a restart.</item>
/// <item>Every call returns what the cluster observes after it, never what was assumed: a freshly
/// deployed revision reports its instances as <see cref="InstanceState.Starting"/> until they pass
/// their health checks. Callers poll (or re-read) to see progress.</item>
/// <item>Reads of something that does not exist return null or empty; writes to a revision or
/// service that does not exist throw <see cref="Domain.NotFoundException"/> or
/// <see cref="Domain.InvalidInputException"/>; a write that would black-hole traffic (removing a
/// revision that still has weight) throws <see cref="Domain.ConflictException"/>.</item>
/// </list>
/// </summary>
public interface IClusterAdapter
{
    /// <summary>Which cluster this is, e.g. <c>local</c> or <c>kubernetes</c> (shown in the UI).</summary>
    string Kind { get; }

    /// <summary>
    /// Makes the revision <see cref="RevisionSpec.Name"/> exist with <see cref="RevisionSpec.Instances"/>
    /// instances, each running <see cref="RevisionSpec.Version"/> with <see cref="RevisionSpec.Config"/>
    /// as environment variables. A new revision gets no traffic until weights or a header route name it.
    /// Returns at once with the observed revision; it does not wait for instances to become healthy.
    /// </summary>
    Task<Revision> DeployRevisionAsync(ServiceEnvironment target, RevisionSpec spec, CancellationToken ct = default);

    /// <summary>Sets the instance count of a deployed revision (0 keeps the revision with no instances).</summary>
    Task<Revision> ScaleRevisionAsync(ServiceEnvironment target, string revision, int instances, CancellationToken ct = default);

    /// <summary>Sets the weights across revisions; they take effect at once for new requests.</summary>
    Task<TrafficRouting> SetWeightsAsync(ServiceEnvironment target, TrafficSplit split, CancellationToken ct = default);

    /// <summary>Replaces the header routes (empty list: none). Header routes win over weights.</summary>
    Task<TrafficRouting> SetHeaderRoutesAsync(ServiceEnvironment target, IReadOnlyList<HeaderRoute> routes, CancellationToken ct = default);

    /// <summary>The health of each instance of a revision; empty when the revision does not exist.</summary>
    Task<IReadOnlyList<InstanceHealth>> GetInstanceHealthAsync(ServiceEnvironment target, string revision, CancellationToken ct = default);

    /// <summary>
    /// Traffic that reached the revision over the last <paramref name="window"/> (request count, 5xx
    /// count, latency percentiles). Zero requests when the revision got no traffic or does not exist.
    /// Cheap enough to call every second per running analysis.
    /// </summary>
    Task<RevisionMetrics> GetRevisionMetricsAsync(ServiceEnvironment target, string revision, TimeSpan window, CancellationToken ct = default);

    /// <summary>
    /// Stops every instance of the revision and forgets it. True when it existed, false when it was
    /// already gone. Throws <see cref="Domain.ConflictException"/> while a weight or header route still
    /// names it: move its traffic first.
    /// </summary>
    Task<bool> RemoveRevisionAsync(ServiceEnvironment target, string revision, CancellationToken ct = default);

    /// <summary>What runs for one service in one environment; null when nothing was ever deployed there.</summary>
    Task<ServiceState?> GetServiceAsync(ServiceEnvironment target, CancellationToken ct = default);

    /// <summary>What runs, for every service and environment the cluster knows.</summary>
    Task<IReadOnlyList<ServiceState>> ListServicesAsync(CancellationToken ct = default);
}

/// <summary>Conveniences over <see cref="IClusterAdapter"/> built only from its methods.</summary>
public static class ClusterAdapterExtensions
{
    /// <summary>Routes <c>X-Preview: true</c> to <paramref name="revision"/> (null removes the preview route), keeping other header routes.</summary>
    public static async Task<TrafficRouting> SetPreviewAsync(this IClusterAdapter cluster, ServiceEnvironment target, string? revision, CancellationToken ct = default)
    {
        var current = (await cluster.GetServiceAsync(target, ct))?.Routing.HeaderRoutes ?? [];
        var routes = current.Where(r => r.Name != "preview").ToList();
        if (revision is not null) routes.Add(HeaderRoute.Preview(revision));
        return await cluster.SetHeaderRoutesAsync(target, routes, ct);
    }

    /// <summary>The revision as observed, or null when it does not exist.</summary>
    public static async Task<Revision?> GetRevisionAsync(this IClusterAdapter cluster, ServiceEnvironment target, string revision, CancellationToken ct = default) =>
        (await cluster.GetServiceAsync(target, ct))?.FindRevision(revision);
}
