using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Cluster.Local;

/// <summary>
/// The embedded cluster: every instance of a revision is a real OS process of the demo workload
/// (<c>dotnet OpsConsole.Workload.dll</c>) on a free loopback port, supervised by this adapter
/// (health checks on <c>/healthz</c>, restart with a growing delay when it exits, kill on removal);
/// every service in an environment gets its own in-process YARP ingress on a loopback port that
/// splits traffic by weight and header and measures it per revision.
///
/// Lifecycle: constructing it takes the data folder's cluster lock (one cluster per folder) and
/// kills what a previous console left running (pid files); disposing it stops every instance and
/// ingress. If the console dies without disposing, instances exit on their own when they notice
/// (they watch the console's pid), and the next start reaps any that did not.
/// </summary>
public sealed partial class LocalClusterAdapter : IClusterAdapter, IRevisionSamples, IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan SupervisorTick = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Supervision (probes, restart delays, startup timeouts) always runs on the real clock: it deals
    /// with real processes, so a fake TimeProvider must not freeze it. The TimeProvider given to the
    /// constructor only stamps revisions and traffic (metric windows).
    /// </summary>
    private static readonly TimeProvider Clock = TimeProvider.System;

    /// <summary>Variables of the console's environment that instances inherit; nothing else leaks (no OPS_* secrets).</summary>
    private static readonly string[] InheritedVariables =
        ["PATH", "HOME", "USER", "LANG", "TMPDIR", "TMP", "TEMP", "DOTNET_ROOT", "DOTNET_ROOT_X64", "SYSTEMROOT", "WINDIR"];

    private readonly LocalClusterOptions _options;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly RequestObservers _requestObservers = new();
    private readonly string _clusterDirectory;
    private readonly PidFiles _pids;
    private readonly FileStream _folderLock;
    private readonly Lock _gate = new();
    private readonly Dictionary<ServiceEnvironment, ServiceRuntime> _services = [];
    private readonly SemaphoreSlim _ingressStart = new(1, 1);
    private readonly HttpMessageInvoker _forwardClient;
    private readonly HttpClient _probeClient;
    private readonly CancellationTokenSource _stopping = new();
    private readonly IngressPortMemory _ingressPorts;
    private readonly Task _supervisor;
    private readonly IWorkloadSecrets _secrets;
    private string? _workloadPath;
    private bool _disposed;

    /// <param name="time">Stamps revisions and the ingress's traffic record (metric windows); supervision uses the real clock.</param>
    /// <param name="secrets">Resolves secret references in a revision's config just before its processes start (none: passed through).</param>
    public LocalClusterAdapter(LocalClusterOptions options, ILogger<LocalClusterAdapter>? logger = null, TimeProvider? time = null, IWorkloadSecrets? secrets = null)
    {
        _secrets = secrets ?? new NoWorkloadSecrets();
        _options = options;
        _log = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _clusterDirectory = Path.Combine(Path.GetFullPath(options.DataDirectory), "cluster");
        Directory.CreateDirectory(_clusterDirectory);
        try
        {
            _folderLock = new FileStream(Path.Combine(_clusterDirectory, "cluster.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException(
                $"Another console runs the local cluster from the data folder {options.DataDirectory}; give each console its own data folder.", e);
        }

        _pids = new PidFiles(Path.Combine(_clusterDirectory, "pids"));
        ReapedOrphans = _pids.ReapOrphans(m => _log.LogWarning("Local cluster: {Message}", m));
        _ingressPorts = new IngressPortMemory(Path.Combine(_clusterDirectory, "ingress-ports.json"), _log);

        _forwardClient = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ActivityHeadersPropagator = null,
        });
        _probeClient = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = options.ProbeTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ActivityHeadersPropagator = null,
        })
        { Timeout = Timeout.InfiniteTimeSpan };

        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        _supervisor = Task.Run(SuperviseAsync);
    }

    public string Kind => "local";

    /// <summary>How many instances a previous console had left running and this one killed at start.</summary>
    public int ReapedOrphans { get; }

    /// <summary>The folder with one pid file per running instance.</summary>
    public string PidDirectory => _pids.Directory;

    // ---------------------------------------------------------------- IClusterAdapter: writes

    public async Task<Revision> DeployRevisionAsync(ServiceEnvironment target, RevisionSpec spec, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        // A second line behind the API: whatever built the spec, no loader or runtime variable reaches a process.
        WorkloadConfig.Validate(spec.Config);
        _workloadPath ??= WorkloadLocator.FindWorkload(_options.WorkloadPath);
        // Secret references become values here, for the processes' environment only; the rule still applies to what they resolve to.
        var environment = await _secrets.ResolveAsync(target, spec.Config, ct);
        WorkloadConfig.Validate(environment);
        var service = await EnsureServiceAsync(target, ct);
        var stopped = new List<(WorkloadInstance, Process)>();
        Revision result;
        lock (_gate)
        {
            ThrowIfDisposed();
            if (!service.Revisions.TryGetValue(spec.Name, out var revision))
            {
                revision = new RevisionRuntime(target, spec, _time.GetUtcNow(), _options.MetricsRetention) { Environment = environment };
                revision.Traffic.Observers = _requestObservers;
                service.Revisions.Add(spec.Name, revision);
                _log.LogInformation("Local cluster: deploying {Target} revision {Revision} with {Instances} instance(s)", target, spec.Name, spec.Instances);
                RebuildRoutesLocked(service);
            }
            ScaleLocked(service, revision, spec.Instances, stopped);
            result = SnapshotLocked(revision);
        }
        await AwaitStoppedAsync(stopped);
        return result;
    }

    public async Task<Revision> ScaleRevisionAsync(ServiceEnvironment target, string revision, int instances, CancellationToken ct = default)
    {
        if (instances is < 0 or > RevisionSpec.MaxInstances)
            throw new InvalidInputException("instances", $"The instance count must be between 0 and {RevisionSpec.MaxInstances}; {instances} was given.");
        var stopped = new List<(WorkloadInstance, Process)>();
        Revision result;
        lock (_gate)
        {
            ThrowIfDisposed();
            var (service, runtime) = FindRevisionLocked(target, revision);
            ScaleLocked(service, runtime, instances, stopped);
            result = SnapshotLocked(runtime);
        }
        await AwaitStoppedAsync(stopped);
        return result;
    }

    public Task<TrafficRouting> SetWeightsAsync(ServiceEnvironment target, TrafficSplit split, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(split);
        lock (_gate)
        {
            ThrowIfDisposed();
            var service = FindServiceLocked(target);
            foreach (var revision in split.Weights.Keys)
                RequireDeployedLocked(service, revision, "weights");
            if (!split.Equals(service.Weights))
            {
                service.Weights = split;
                RebuildRoutesLocked(service);
                _log.LogInformation("Local cluster: {Target} weights {Weights}", target, split);
            }
            return Task.FromResult(RoutingLocked(service));
        }
    }

    public Task<TrafficRouting> SetHeaderRoutesAsync(ServiceEnvironment target, IReadOnlyList<HeaderRoute> routes, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(routes);
        lock (_gate)
        {
            ThrowIfDisposed();
            var service = FindServiceLocked(target);
            foreach (var route in routes)
                RequireDeployedLocked(service, route.Revision, "headerRoutes");
            if (routes.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count() != routes.Count)
                throw new InvalidInputException("headerRoutes", "Header route names must be unique.");
            if (!routes.SequenceEqual(service.HeaderRoutes))
            {
                service.HeaderRoutes = [.. routes];
                RebuildRoutesLocked(service);
                _log.LogInformation("Local cluster: {Target} header routes {Routes}", target,
                    string.Join(", ", routes.Select(r => $"{r.Header}: {r.Value} -> {r.Revision}")));
            }
            return Task.FromResult(RoutingLocked(service));
        }
    }

    public async Task<bool> RemoveRevisionAsync(ServiceEnvironment target, string revision, CancellationToken ct = default)
    {
        var stopped = new List<(WorkloadInstance, Process)>();
        lock (_gate)
        {
            ThrowIfDisposed();
            if (!_services.TryGetValue(target, out var service) || !service.Revisions.TryGetValue(revision, out var runtime))
                return false;
            if (service.Weights?.WeightOf(revision) > 0)
                throw new ConflictException($"Revision {revision} of {target} still has {service.Weights.WeightOf(revision)}% of the traffic; move it to another revision first.");
            if (service.HeaderRoutes.FirstOrDefault(r => r.Revision == revision) is { } route)
                throw new ConflictException($"Revision {revision} of {target} is still the target of the header route '{route.Name}'; remove the route first.");
            foreach (var instance in runtime.Instances)
                StopLocked(instance, stopped);
            runtime.Instances.Clear();
            service.Revisions.Remove(revision);
            RebuildRoutesLocked(service);
            _log.LogInformation("Local cluster: removed {Target} revision {Revision}", target, revision);
        }
        await AwaitStoppedAsync(stopped);
        return true;
    }

    // ---------------------------------------------------------------- IClusterAdapter: reads

    public Task<IReadOnlyList<InstanceHealth>> GetInstanceHealthAsync(ServiceEnvironment target, string revision, CancellationToken ct = default)
    {
        lock (_gate)
        {
            IReadOnlyList<InstanceHealth> result = _services.TryGetValue(target, out var service) && service.Revisions.TryGetValue(revision, out var runtime)
                ? runtime.Instances.Select(i => i.ToHealth()).ToList()
                : [];
            return Task.FromResult(result);
        }
    }

    public Task<RevisionMetrics> GetRevisionMetricsAsync(ServiceEnvironment target, string revision, TimeSpan window, CancellationToken ct = default)
    {
        RevisionTraffic? traffic;
        lock (_gate)
            traffic = _services.TryGetValue(target, out var service) && service.Revisions.TryGetValue(revision, out var runtime) ? runtime.Traffic : null;
        var now = _time.GetUtcNow();
        return Task.FromResult(traffic?.Read(now, window) ?? new RevisionMetrics(target, revision, now - window, now, 0, 0, null, null, null));
    }

    public IDisposable ObserveRequests(ServiceEnvironment target, string revision, Action<RequestSample> observer) =>
        _requestObservers.Add(target, revision, observer);

    public IReadOnlyList<RequestSample> SamplesSince(ServiceEnvironment target, string revision, DateTimeOffset since)
    {
        RevisionTraffic? traffic;
        lock (_gate)
            traffic = _services.TryGetValue(target, out var service) && service.Revisions.TryGetValue(revision, out var runtime) ? runtime.Traffic : null;
        return traffic?.Samples.Since(since) ?? [];
    }

    public Task<ServiceState?> GetServiceAsync(ServiceEnvironment target, CancellationToken ct = default)
    {
        lock (_gate)
            return Task.FromResult(_services.TryGetValue(target, out var service) ? StateLocked(service) : null);
    }

    public Task<IReadOnlyList<ServiceState>> ListServicesAsync(CancellationToken ct = default)
    {
        lock (_gate)
        {
            IReadOnlyList<ServiceState> result = _services.Values
                .OrderBy(s => s.Target.Service, StringComparer.Ordinal).ThenBy(s => s.Target.Environment, StringComparer.Ordinal)
                .Select(StateLocked).ToList();
            return Task.FromResult(result);
        }
    }

    /// <summary>
    /// The loopback addresses of every ingress this cluster runs: the console's outbound checks may
    /// call them (an HTTP analysis against a service through its ingress), though loopback is otherwise blocked.
    /// </summary>
    public IReadOnlyList<Uri> IngressEndpoints
    {
        get
        {
            lock (_gate) return _services.Values.Select(s => s.Ingress?.Endpoint).OfType<Uri>().ToList();
        }
    }

    /// <summary>Total requests and 5xx answers the ingress counted for a revision since it was deployed.</summary>
    public (long Requests, long Errors5xx) GetTotals(ServiceEnvironment target, string revision)
    {
        lock (_gate)
            return _services.TryGetValue(target, out var service) && service.Revisions.TryGetValue(revision, out var runtime)
                ? (runtime.Traffic.TotalRequests, runtime.Traffic.TotalErrors)
                : (0, 0);
    }

    // ---------------------------------------------------------------- services and ingresses

    private async Task<ServiceRuntime> EnsureServiceAsync(ServiceEnvironment target, CancellationToken ct)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_services.TryGetValue(target, out var existing)) return existing;
        }
        await _ingressStart.WaitAsync(ct);
        try
        {
            lock (_gate)
            {
                ThrowIfDisposed();
                if (_services.TryGetValue(target, out var existing)) return existing;
            }
            var service = new ServiceRuntime(target);
            int? preferred;
            lock (_gate) preferred = _ingressPorts.PortOf(target);
            var ingress = await LocalIngress.StartAsync(target, preferred, () => service.Routes, _forwardClient,
                _options.IngressRequestTimeout, _time, ct);
            bool disposedMeanwhile;
            lock (_gate)
            {
                disposedMeanwhile = _disposed;
                if (!disposedMeanwhile)
                {
                    service.Ingress = ingress;
                    _services.Add(target, service);
                    if (preferred != ingress.Port) _ingressPorts.Remember(target, ingress.Port);
                }
            }
            if (disposedMeanwhile)
            {
                await ingress.DisposeAsync();
                throw new ObjectDisposedException(nameof(LocalClusterAdapter));
            }
            _log.LogInformation("Local cluster: ingress for {Target} listens on {Endpoint}", target, ingress.Endpoint);
            return service;
        }
        finally
        {
            _ingressStart.Release();
        }
    }

    // ---------------------------------------------------------------- snapshots and routes

    private void RebuildRoutesLocked(ServiceRuntime service)
    {
        var targets = service.Revisions.Values.ToDictionary(r => r.Name, r => new RouteTarget(r.Name,
            r.Instances.Where(i => i.Running && i.State == InstanceState.Healthy).Select(i => i.Address!).ToArray(), r.Traffic), StringComparer.Ordinal);
        var weights = service.Weights?.Weights.Where(w => targets.ContainsKey(w.Key)).Select(w => (targets[w.Key], w.Value)).ToList() ?? [];
        var headerRoutes = service.HeaderRoutes.Where(r => targets.ContainsKey(r.Revision)).Select(r => (r, targets[r.Revision])).ToList();
        service.Routes = new RouteTable(weights, headerRoutes, targets);
    }

    private ServiceRuntime FindServiceLocked(ServiceEnvironment target) =>
        _services.TryGetValue(target, out var service) ? service : throw new NotFoundException($"Service {target} (nothing is deployed there)");

    private (ServiceRuntime, RevisionRuntime) FindRevisionLocked(ServiceEnvironment target, string revision)
    {
        var service = FindServiceLocked(target);
        return service.Revisions.TryGetValue(revision, out var runtime) ? (service, runtime) : throw new NotFoundException($"Revision {revision} of {target}");
    }

    private static void RequireDeployedLocked(ServiceRuntime service, string revision, string field)
    {
        if (!service.Revisions.ContainsKey(revision))
            throw new InvalidInputException(field, $"Revision '{revision}' is not deployed in {service.Target}; deployed: " +
                (service.Revisions.Count == 0 ? "none" : string.Join(", ", service.Revisions.Keys)) + ".");
    }

    private static Revision SnapshotLocked(RevisionRuntime revision) =>
        new(revision.Target, revision.Name, revision.Spec.Version, revision.Spec.Config, revision.Desired,
            revision.Instances.Select(i => i.ToHealth()).ToList(), revision.CreatedAt);

    private static TrafficRouting RoutingLocked(ServiceRuntime service) => new(service.Weights, service.HeaderRoutes.ToList());

    private static ServiceState StateLocked(ServiceRuntime service) =>
        new(service.Target, service.Revisions.Values.OrderBy(r => r.CreatedAt).Select(SnapshotLocked).ToList(), RoutingLocked(service), service.Ingress?.Endpoint);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private IEnumerable<WorkloadInstance> AllInstancesLocked() =>
        _services.Values.SelectMany(s => s.Revisions.Values).SelectMany(r => r.Instances).ToList();
}
