using OpsConsole.Core.Domain;


namespace OpsConsole.Core.Cluster.InMemory;

/// <summary>
/// A fake cluster: it records desired state in memory and runs nothing. For the rollout engine's unit
/// tests and the reconciler benchmark, where real processes would measure the machine instead of the
/// engine. Revisions are ready at once unless <see cref="NeverReady"/> names them; it reports no traffic.
/// The canary judge gets the same steady series of fake request samples for every revision (so a
/// judged step passes) unless <see cref="Samples"/> says otherwise.
/// </summary>
public sealed class InMemoryClusterAdapter(TimeProvider clock) : IClusterAdapter, IRevisionSamples, IFaultInjector
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(ServiceEnvironment, string), ActiveFault> _faults = new();

    /// <summary>Fake traffic per target and revision over a window; null for none (the default).</summary>
    public Func<ServiceEnvironment, string, TimeSpan, RevisionMetrics?>? Metrics { get; set; }

    /// <summary>Records the fault (kill and crash are one-shot: recorded as calls only); the target need not have revisions.</summary>
    public Task<ActiveFault> InjectAsync(ServiceEnvironment target, string id, FaultSpec fault, CancellationToken ct = default)
    {
        fault.Validate("fault");
        var active = new ActiveFault(id, target, fault, clock.GetUtcNow());
        Record($"fault {id} {fault.Kind} {fault.Magnitude.ToString(System.Globalization.CultureInfo.InvariantCulture)} on {target}");
        if (fault.Kind is not (FaultKind.KillInstance or FaultKind.Crash)) _faults[(target, id)] = active;
        return Task.FromResult(active);
    }

    public Task<bool> LiftAsync(ServiceEnvironment target, string id, CancellationToken ct = default)
    {
        var lifted = _faults.TryRemove((target, id), out _);
        if (lifted) Record($"lift {id} on {target}");
        return Task.FromResult(lifted);
    }

    public IReadOnlyList<ActiveFault> ListFaults(ServiceEnvironment? target = null) =>
        _faults.Values.Where(f => target is null || f.Target == target.Value).OrderBy(f => f.Since).ToList();

    /// <summary>Fake request samples per target and revision since a moment; null for the steady series.</summary>
    public Func<ServiceEnvironment, string, DateTimeOffset, IReadOnlyList<RequestSample>>? Samples { get; set; }

    /// <summary>Requests observed per target and revision (tests play requests through <see cref="ObservedRequests"/>).</summary>
    public RequestObservers ObservedRequests { get; } = new();

    public IDisposable ObserveRequests(ServiceEnvironment target, string revision, Action<RequestSample> observer) => ObservedRequests.Add(target, revision, observer);

    public IReadOnlyList<RequestSample> SamplesSince(ServiceEnvironment target, string revision, DateTimeOffset since)
    {
        if (Samples is { } samples) return samples(target, revision, since);
        const int count = 200;
        var span = clock.GetUtcNow() - since;
        return [.. Enumerable.Range(0, count).Select(i => new RequestSample(since + span * i / count, 10 + i * 7 % 11 * 0.1, false))];
    }

    /// <summary>
    /// Fake traffic: what <see cref="GetRevisionMetricsAsync"/> reports for a target, revision and window
    /// ending now; null (the default) reports no traffic.
    /// </summary>
    public Func<ServiceEnvironment, string, DateTimeOffset, TimeSpan, RevisionMetrics>? Traffic { get; set; }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<ServiceEnvironment, Service> _services = new();
    public HashSet<string> NeverReady { get; } = [];
    /// <summary>Every call that changed something, in order ("weights 1.0.0=80%, 1.1.0=20%"); off when <see cref="RecordCalls"/> is false.</summary>
    public List<string> Calls { get; } = [];
    public bool RecordCalls { get; init; } = true;

    private sealed class Service
    {
        public Dictionary<string, (RevisionSpec Spec, int Instances)> Revisions { get; } = [];
        public TrafficSplit? Weights { get; set; }
        public List<HeaderRoute> Routes { get; set; } = [];
    }

    public string Kind => "in-memory";

    private void Record(string call)
    {
        if (RecordCalls) lock (Calls) Calls.Add(call);
    }

    private Service Of(ServiceEnvironment t) => _services.GetOrAdd(t, _ => new Service());

    public Task<Revision> DeployRevisionAsync(ServiceEnvironment target, RevisionSpec spec, CancellationToken ct = default)
    {
        var s = Of(target);
        if (!s.Revisions.TryGetValue(spec.Name, out var existing) || existing.Instances != spec.Instances)
        {
            Record($"deploy {spec.Name} x{spec.Instances}");
            s.Revisions[spec.Name] = (spec, spec.Instances);
        }
        return Task.FromResult(Observe(target, spec.Name));
    }

    public Task<Revision> ScaleRevisionAsync(ServiceEnvironment target, string revision, int instances, CancellationToken ct = default)
    {
        var s = Of(target);
        if (!s.Revisions.TryGetValue(revision, out var r)) throw new NotFoundException($"Revision {revision}");
        if (r.Instances != instances) Record($"scale {revision} x{instances}");
        s.Revisions[revision] = (r.Spec, instances);
        return Task.FromResult(Observe(target, revision));
    }

    public Task<TrafficRouting> SetWeightsAsync(ServiceEnvironment target, TrafficSplit split, CancellationToken ct = default)
    {
        var s = Of(target);
        foreach (var name in split.Weights.Keys)
            if (!s.Revisions.ContainsKey(name)) throw new NotFoundException($"Revision {name}");
        if (!split.Equals(s.Weights)) Record($"weights {split}");
        s.Weights = split;
        return Task.FromResult(new TrafficRouting(s.Weights, s.Routes));
    }

    public Task<TrafficRouting> SetHeaderRoutesAsync(ServiceEnvironment target, IReadOnlyList<HeaderRoute> routes, CancellationToken ct = default)
    {
        var s = Of(target);
        if (routes.Count != s.Routes.Count || routes.Zip(s.Routes).Any(p => p.First.Revision != p.Second.Revision))
            Record("routes " + string.Join(",", routes.Select(r => r.Revision)));
        s.Routes = [.. routes];
        return Task.FromResult(new TrafficRouting(s.Weights, s.Routes));
    }

    public Task<IReadOnlyList<InstanceHealth>> GetInstanceHealthAsync(ServiceEnvironment target, string revision, CancellationToken ct = default) =>
        Task.FromResult(_services.TryGetValue(target, out var s) && s.Revisions.ContainsKey(revision) ? Observe(target, revision).Instances : (IReadOnlyList<InstanceHealth>)[]);

    public Task<RevisionMetrics> GetRevisionMetricsAsync(ServiceEnvironment target, string revision, TimeSpan window, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        if (Traffic is { } traffic) return Task.FromResult(traffic(target, revision, now, window));
        if (Metrics?.Invoke(target, revision, window) is { } scripted) return Task.FromResult(scripted);
        return Task.FromResult(new RevisionMetrics(target, revision, now - window, now, 0, 0, null, null, null)
        { SlowerThan = new long[OpsConsole.Core.Metrics.MetricBounds.LatencyBoundsMs.Count] });
    }

    public Task<bool> RemoveRevisionAsync(ServiceEnvironment target, string revision, CancellationToken ct = default)
    {
        var s = Of(target);
        if (s.Weights?.WeightOf(revision) > 0) throw new ConflictException($"{revision} still has traffic");
        var removed = s.Revisions.Remove(revision);
        if (removed) Record($"remove {revision}");
        return Task.FromResult(removed);
    }

    public Task<ServiceState?> GetServiceAsync(ServiceEnvironment target, CancellationToken ct = default) =>
        Task.FromResult(_services.ContainsKey(target) ? State(target) : null);

    public Task<IReadOnlyList<ServiceState>> ListServicesAsync(CancellationToken ct = default) =>
        Task.FromResult((IReadOnlyList<ServiceState>)_services.Keys.Select(State).ToList());

    public TrafficSplit? WeightsOf(ServiceEnvironment t) => Of(t).Weights;
    public IReadOnlyList<HeaderRoute> RoutesOf(ServiceEnvironment t) => Of(t).Routes;
    public int? InstancesOf(ServiceEnvironment t, string revision) => Of(t).Revisions.TryGetValue(revision, out var r) ? r.Instances : null;

    private ServiceState State(ServiceEnvironment t)
    {
        var s = _services[t];
        return new ServiceState(t, s.Revisions.Keys.Select(k => Observe(t, k)).ToList(), new TrafficRouting(s.Weights, s.Routes), null);
    }

    private Revision Observe(ServiceEnvironment t, string name)
    {
        var (spec, instances) = _services[t].Revisions[name];
        var state = NeverReady.Contains(name) ? InstanceState.CrashLoopBackOff : InstanceState.Healthy;
        var list = Enumerable.Range(0, instances).Select(i => new InstanceHealth($"{t.Service}-{t.Environment}-{name}-{i}", name, state, null, null, 0, clock.GetUtcNow(),
            state == InstanceState.Healthy ? null : "exited with code 1")).ToList();
        return new Revision(t, name, spec.Version, spec.Config, instances, list, clock.GetUtcNow());
    }
}
