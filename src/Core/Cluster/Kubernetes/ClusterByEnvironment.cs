namespace OpsConsole.Core.Cluster.Kubernetes;

/// <summary>
/// One cluster boundary over two clusters: the environments the Kubernetes adapter serves go to it,
/// every other environment to the embedded (local) cluster. This is how each environment picks its
/// cluster (OPS_KUBERNETES_ENVIRONMENTS).
/// </summary>
public sealed class ClusterByEnvironment(IClusterAdapter embedded, KubernetesClusterAdapter kubernetes) : IClusterAdapter, IRevisionSamples, IFaultInjector, IFaultSupport
{
    /// <summary>Faults go to the embedded cluster when it injects them; a Kubernetes environment does not take faults from the console.</summary>
    public bool SupportsFaults(ServiceEnvironment target) => For(target) is IFaultInjector;

    public Task<ActiveFault> InjectAsync(ServiceEnvironment target, string id, FaultSpec fault, CancellationToken ct = default) =>
        Injector(target).InjectAsync(target, id, fault, ct);

    public Task<bool> LiftAsync(ServiceEnvironment target, string id, CancellationToken ct = default) =>
        For(target) is IFaultInjector injector ? injector.LiftAsync(target, id, ct) : Task.FromResult(false);

    public IReadOnlyList<ActiveFault> ListFaults(ServiceEnvironment? target = null) =>
        embedded is IFaultInjector injector ? injector.ListFaults(target) : [];

    private IFaultInjector Injector(ServiceEnvironment target) => For(target) as IFaultInjector
        ?? throw new Domain.InvalidInputException("faults", $"{target} runs on {kubernetes.Kind}, where the console does not inject faults; use a chaos tool of that cluster.");

    /// <summary>
    /// Per-request samples for the canary judge where the environment's cluster keeps them (the local
    /// one). A Kubernetes environment keeps none (its metrics come from Prometheus): the judge reports that as its error.
    /// </summary>
    public IDisposable ObserveRequests(ServiceEnvironment target, string revision, Action<RequestSample> observer) =>
        For(target) is IRevisionSamples samples ? samples.ObserveRequests(target, revision, observer) : NoObservation.Instance;

    public IReadOnlyList<RequestSample> SamplesSince(ServiceEnvironment target, string revision, DateTimeOffset since) =>
        For(target) is IRevisionSamples samples ? samples.SamplesSince(target, revision, since)
            : throw new InvalidOperationException($"The {kubernetes.Kind} cluster of {target.Environment} keeps no per-request samples, which the judge compares; use threshold analysis there.");

    public string Kind => $"{embedded.Kind}+{kubernetes.Kind}";

    public IClusterAdapter Embedded => embedded;
    public KubernetesClusterAdapter Kubernetes => kubernetes;

    /// <summary>The cluster that runs an environment.</summary>
    public IClusterAdapter For(string environment) => kubernetes.Serves(environment) ? kubernetes : embedded;

    private IClusterAdapter For(ServiceEnvironment target) => For(target.Environment);

    public Task<Revision> DeployRevisionAsync(ServiceEnvironment target, RevisionSpec spec, CancellationToken ct = default) => For(target).DeployRevisionAsync(target, spec, ct);
    public Task<Revision> ScaleRevisionAsync(ServiceEnvironment target, string revision, int instances, CancellationToken ct = default) => For(target).ScaleRevisionAsync(target, revision, instances, ct);
    public Task<TrafficRouting> SetWeightsAsync(ServiceEnvironment target, TrafficSplit split, CancellationToken ct = default) => For(target).SetWeightsAsync(target, split, ct);
    public Task<TrafficRouting> SetHeaderRoutesAsync(ServiceEnvironment target, IReadOnlyList<HeaderRoute> routes, CancellationToken ct = default) => For(target).SetHeaderRoutesAsync(target, routes, ct);
    public Task<IReadOnlyList<InstanceHealth>> GetInstanceHealthAsync(ServiceEnvironment target, string revision, CancellationToken ct = default) => For(target).GetInstanceHealthAsync(target, revision, ct);
    public Task<RevisionMetrics> GetRevisionMetricsAsync(ServiceEnvironment target, string revision, TimeSpan window, CancellationToken ct = default) => For(target).GetRevisionMetricsAsync(target, revision, window, ct);
    public Task<bool> RemoveRevisionAsync(ServiceEnvironment target, string revision, CancellationToken ct = default) => For(target).RemoveRevisionAsync(target, revision, ct);
    public Task<ServiceState?> GetServiceAsync(ServiceEnvironment target, CancellationToken ct = default) => For(target).GetServiceAsync(target, ct);

    public async Task<IReadOnlyList<ServiceState>> ListServicesAsync(CancellationToken ct = default)
    {
        var local = (await embedded.ListServicesAsync(ct)).Where(s => !kubernetes.Serves(s.Target.Environment));
        return [.. local, .. await kubernetes.ListServicesAsync(ct)];
    }
}
