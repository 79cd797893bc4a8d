using OpsConsole.Core.Cluster;

namespace OpsConsole.Core.Replicas;

/// <summary>Thrown instead of a cluster write by a replica whose leases may have been taken while it was paused.</summary>
public sealed class LeaseLapsedException(string replica)
    : Exception($"Replica {replica} has not renewed its leases within the lease time; it writes nothing to the cluster until it holds them again.");

/// <summary>
/// The cluster as a replica's rollout engine sees it: writes only while the replica's leases are
/// fresh. A replica that was paused past its lease time (and whose rollouts another replica may now
/// drive) cannot set a stale weight on waking; the store's generation check likewise refuses its
/// stale tick. Reads pass through.
/// </summary>
public sealed class FencedCluster(IClusterAdapter inner, IRolloutLeases leases) : IClusterAdapter, IRevisionSamples
{
    public string Kind => inner.Kind;

    private void Check()
    {
        if (!leases.Fresh) throw new LeaseLapsedException(leases.Replica);
    }

    public Task<Revision> DeployRevisionAsync(ServiceEnvironment target, RevisionSpec spec, CancellationToken ct = default)
    {
        Check();
        return inner.DeployRevisionAsync(target, spec, ct);
    }

    public Task<Revision> ScaleRevisionAsync(ServiceEnvironment target, string revision, int instances, CancellationToken ct = default)
    {
        Check();
        return inner.ScaleRevisionAsync(target, revision, instances, ct);
    }

    public Task<TrafficRouting> SetWeightsAsync(ServiceEnvironment target, TrafficSplit split, CancellationToken ct = default)
    {
        Check();
        return inner.SetWeightsAsync(target, split, ct);
    }

    public Task<TrafficRouting> SetHeaderRoutesAsync(ServiceEnvironment target, IReadOnlyList<HeaderRoute> routes, CancellationToken ct = default)
    {
        Check();
        return inner.SetHeaderRoutesAsync(target, routes, ct);
    }

    public Task<bool> RemoveRevisionAsync(ServiceEnvironment target, string revision, CancellationToken ct = default)
    {
        Check();
        return inner.RemoveRevisionAsync(target, revision, ct);
    }

    public Task<IReadOnlyList<InstanceHealth>> GetInstanceHealthAsync(ServiceEnvironment target, string revision, CancellationToken ct = default) => inner.GetInstanceHealthAsync(target, revision, ct);
    public Task<RevisionMetrics> GetRevisionMetricsAsync(ServiceEnvironment target, string revision, TimeSpan window, CancellationToken ct = default) => inner.GetRevisionMetricsAsync(target, revision, window, ct);
    public Task<ServiceState?> GetServiceAsync(ServiceEnvironment target, CancellationToken ct = default) => inner.GetServiceAsync(target, ct);
    public Task<IReadOnlyList<ServiceState>> ListServicesAsync(CancellationToken ct = default) => inner.ListServicesAsync(ct);

    public IDisposable ObserveRequests(ServiceEnvironment target, string revision, Action<RequestSample> observer) =>
        inner is IRevisionSamples samples ? samples.ObserveRequests(target, revision, observer) : NoObservation.Instance;

    public IReadOnlyList<RequestSample> SamplesSince(ServiceEnvironment target, string revision, DateTimeOffset since) =>
        inner is IRevisionSamples samples ? samples.SamplesSince(target, revision, since) : [];
}
