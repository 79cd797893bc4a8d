using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpsConsole.Core.Domain;
using static OpsConsole.Core.Cluster.Kubernetes.KubernetesManifests;

namespace OpsConsole.Core.Cluster.Kubernetes;

/// <summary>
/// The cluster boundary on Kubernetes. A revision is a Deployment labelled with service, environment
/// and revision (created once: its identity never changes; replicas change by server-side apply),
/// with its config in a ConfigMap and the values of its secret references in a Secret, both created
/// with it. The stable, canary and preview Services select a revision's pods by label; one Gateway
/// API HTTPRoute per service carries the weights (backendRefs to the stable and canary Services) and
/// the header routes (header matches to the Service of the revision they name). Services and the
/// HTTPRoute are written by server-side apply with the field manager of the environment's options.
/// <para>
/// Writes happen only when the observed objects differ from what is asked, so a reconciler may
/// repeat a step. Moving the stable role to another revision (a promotion) goes through the
/// canary Service: first all weight to the canary Service selecting the new revision, then the
/// stable Service re-pointed, then the weight back to stable, so no request reaches a Service
/// selecting nothing. Health comes from the Deployment's status (ready replicas; the Progressing
/// condition's ProgressDeadlineExceeded marks the revision failing). This adapter reports no traffic
/// metrics: on Kubernetes analysis reads Prometheus.
/// </para>
/// </summary>
public sealed class KubernetesClusterAdapter : IClusterAdapter
{
    private const string WeightsAnnotation = "opsconsole/weights";
    private const string HeaderRoutesAnnotation = "opsconsole/header-routes";

    private readonly Dictionary<string, KubernetesEnvironmentOptions> _environments;
    private readonly Func<KubernetesEnvironmentOptions, IKubernetes> _clientFactory;
    private readonly Dictionary<string, IKubernetes> _clients = [];
    private readonly IWorkloadSecrets _secrets;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    /// <param name="clientFactory">Builds the API client of an environment (see <see cref="KubernetesConnections"/>); called once per environment.</param>
    public KubernetesClusterAdapter(IEnumerable<KubernetesEnvironmentOptions> environments, Func<KubernetesEnvironmentOptions, IKubernetes> clientFactory,
        IWorkloadSecrets? secrets = null, ILogger<KubernetesClusterAdapter>? logger = null, TimeProvider? time = null)
    {
        _environments = environments.ToDictionary(e => e.Environment, StringComparer.Ordinal);
        _clientFactory = clientFactory;
        _secrets = secrets ?? new NoWorkloadSecrets();
        _log = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    public string Kind => "kubernetes";

    public IReadOnlyCollection<string> Environments => _environments.Keys;

    public bool Serves(string environment) => _environments.ContainsKey(environment);

    public KubernetesEnvironmentOptions OptionsOf(string environment) =>
        _environments.TryGetValue(environment, out var o) ? o
            : throw new InvalidInputException("environment", $"Environment '{environment}' has no Kubernetes connection configured.");

    // ---------------------------------------------------------------- writes

    public async Task<Revision> DeployRevisionAsync(ServiceEnvironment target, RevisionSpec spec, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        WorkloadConfig.Validate(spec.Config);
        var (o, k) = Connect(target);
        var name = DeploymentName(target, spec.Name);
        var existing = await ReadDeploymentAsync(o, k, name, ct);
        if (existing is null)
        {
            var secretKeys = spec.Config.Where(c => c.Value.Contains("${secret:", StringComparison.Ordinal)).Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
            // Values of secret references exist only here, on their way into the Secret: never logged, never returned.
            var resolved = secretKeys.Count == 0 ? spec.Config : await _secrets.ResolveAsync(target, spec.Config, ct);
            var plain = spec.Config.Where(c => !secretKeys.Contains(c.Key)).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
            await CreateAsync(o, $"create ConfigMap {ConfigMapName(target, spec.Name)}", () =>
                k.CoreV1.CreateNamespacedConfigMapAsync(Typed<V1ConfigMap>(ConfigMap(o, target, spec.Name, plain)), o.NamespaceName, fieldManager: o.FieldManager, cancellationToken: ct));
            if (secretKeys.Count > 0)
                await CreateAsync(o, $"create Secret {SecretName(target, spec.Name)}", () =>
                    k.CoreV1.CreateNamespacedSecretAsync(Typed<V1Secret>(Secret(o, target, spec.Name,
                        secretKeys.ToDictionary(key => key, key => (string?)resolved[key], StringComparer.Ordinal))), o.NamespaceName, fieldManager: o.FieldManager, cancellationToken: ct));
            var created = await CreateAsync(o, $"create Deployment {name}", () =>
                k.AppsV1.CreateNamespacedDeploymentAsync(Typed<V1Deployment>(Deployment(o, target, spec, spec.Instances, secretKeys.Count > 0)), o.NamespaceName,
                    fieldManager: o.FieldManager, cancellationToken: ct));
            // Created by someone else meanwhile (409): observe theirs.
            existing = created ?? await ReadDeploymentAsync(o, k, name, ct) ?? throw new KubernetesApiException($"Deployment {name} vanished right after it was created.");
            _log.LogInformation("Kubernetes: deployed {Target} revision {Revision} ({Instances} replica(s)) in namespace {Namespace}", target, spec.Name, spec.Instances, o.NamespaceName);
        }
        if ((existing.Spec?.Replicas ?? 1) != spec.Instances)
            existing = await ApplyReplicasAsync(o, k, target, name, spec.Instances, ct);
        return Observe(target, existing);
    }

    public async Task<Revision> ScaleRevisionAsync(ServiceEnvironment target, string revision, int instances, CancellationToken ct = default)
    {
        if (instances is < 0 or > RevisionSpec.MaxInstances)
            throw new InvalidInputException("instances", $"The instance count must be between 0 and {RevisionSpec.MaxInstances}; {instances} was given.");
        var (o, k) = Connect(target);
        var name = DeploymentName(target, revision);
        var existing = await ReadDeploymentAsync(o, k, name, ct) ?? throw new NotFoundException($"Revision {revision} of {target}");
        if ((existing.Spec?.Replicas ?? 1) != instances)
            existing = await ApplyReplicasAsync(o, k, target, name, instances, ct);
        return Observe(target, existing);
    }

    public async Task<TrafficRouting> SetWeightsAsync(ServiceEnvironment target, TrafficSplit split, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(split);
        var (o, k) = Connect(target);
        var deployed = await ListRevisionNamesAsync(o, k, target, ct);
        foreach (var revision in split.Weights.Keys) RequireDeployed(target, deployed, revision, "weights");
        if (split.Weights.Count > 2)
            throw new InvalidInputException("weights", "On Kubernetes traffic is split between two revisions at most (the stable and the canary Service).");
        var current = await ReadRoutingAsync(o, k, target, ct);
        if (current.Weights?.Equals(split) == true && current.StableRevision is not null) return current.ToRouting();

        var newStable = current.StableRevision is { } s && split.WeightOf(s) > 0 ? s
            : split.Weights.OrderByDescending(w => w.Value).ThenBy(w => w.Key, StringComparer.Ordinal).First().Key;
        var other = split.Weights.Keys.FirstOrDefault(r => r != newStable);
        if (current.StableRevision is { } oldStable && oldStable != newStable)
        {
            // Promotion: the new stable takes all traffic through the canary Service before the stable Service moves to it.
            await ApplyServiceAsync(o, k, target, Role.Canary, newStable, current, ct);
            var through = current with { CanaryRevision = newStable };
            await ApplyRouteAsync(o, k, target, through, new TrafficSplit(new Dictionary<string, int> { [newStable] = 100 }), current.HeaderRoutes, ct);
            await ApplyServiceAsync(o, k, target, Role.Stable, newStable, through, ct);
            current = through with { StableRevision = newStable, Weights = TrafficSplit.AllTo(newStable) };
        }
        if (current.StableRevision is null) await ApplyServiceAsync(o, k, target, Role.Stable, newStable, current, ct);
        current = current with { StableRevision = newStable };
        if (other is not null && current.CanaryRevision != other)
        {
            await ApplyServiceAsync(o, k, target, Role.Canary, other, current, ct);
            current = current with { CanaryRevision = other };
        }
        await ApplyRouteAsync(o, k, target, current, split, current.HeaderRoutes, ct);
        _log.LogInformation("Kubernetes: {Target} weights {Weights}", target, split);
        return (current with { Weights = split }).ToRouting();
    }

    public async Task<TrafficRouting> SetHeaderRoutesAsync(ServiceEnvironment target, IReadOnlyList<HeaderRoute> routes, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var (o, k) = Connect(target);
        var deployed = await ListRevisionNamesAsync(o, k, target, ct);
        foreach (var route in routes) RequireDeployed(target, deployed, route.Revision, "headerRoutes");
        if (routes.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count() != routes.Count)
            throw new InvalidInputException("headerRoutes", "Header route names must be unique.");
        var current = await ReadRoutingAsync(o, k, target, ct);
        if (routes.SequenceEqual(current.HeaderRoutes)) return current.ToRouting();
        var previews = routes.Select(r => r.Revision).Where(r => r != current.StableRevision && r != current.CanaryRevision).Distinct(StringComparer.Ordinal).ToList();
        if (previews.Count > 1)
            throw new InvalidInputException("headerRoutes", "On Kubernetes header routes reach the stable, the canary or one preview revision.");
        if (previews.Count == 1 && current.PreviewRevision != previews[0])
        {
            await ApplyServiceAsync(o, k, target, Role.Preview, previews[0], current, ct);
            current = current with { PreviewRevision = previews[0] };
        }
        if (current.Weights is null && current.StableRevision is null)
            throw new ConflictException($"{target} has no weights yet: set the weights before header routes (the HTTPRoute needs a default backend).");
        await ApplyRouteAsync(o, k, target, current, current.Weights!, routes, ct);
        _log.LogInformation("Kubernetes: {Target} header routes {Routes}", target, string.Join(", ", routes.Select(r => $"{r.Header}: {r.Value} -> {r.Revision}")));
        return (current with { HeaderRoutes = [.. routes] }).ToRouting();
    }

    public async Task<bool> RemoveRevisionAsync(ServiceEnvironment target, string revision, CancellationToken ct = default)
    {
        var (o, k) = Connect(target);
        var name = DeploymentName(target, revision);
        if (await ReadDeploymentAsync(o, k, name, ct) is null) return false;
        var routing = await ReadRoutingAsync(o, k, target, ct);
        if (routing.Weights?.WeightOf(revision) > 0)
            throw new ConflictException($"Revision {revision} of {target} still has {routing.Weights.WeightOf(revision)}% of the traffic; move it to another revision first.");
        if (routing.HeaderRoutes.FirstOrDefault(r => r.Revision == revision) is { } route)
            throw new ConflictException($"Revision {revision} of {target} is still the target of the header route '{route.Name}'; remove the route first.");
        await DeleteAsync(o, $"delete Deployment {name}", () => k.AppsV1.DeleteNamespacedDeploymentAsync(name, o.NamespaceName, propagationPolicy: "Background", cancellationToken: ct));
        await DeleteAsync(o, $"delete ConfigMap {ConfigMapName(target, revision)}", () => k.CoreV1.DeleteNamespacedConfigMapAsync(ConfigMapName(target, revision), o.NamespaceName, cancellationToken: ct));
        await DeleteAsync(o, $"delete Secret {SecretName(target, revision)}", () => k.CoreV1.DeleteNamespacedSecretAsync(SecretName(target, revision), o.NamespaceName, cancellationToken: ct));
        _log.LogInformation("Kubernetes: removed {Target} revision {Revision}", target, revision);
        return true;
    }

    // ---------------------------------------------------------------- reads

    public async Task<IReadOnlyList<InstanceHealth>> GetInstanceHealthAsync(ServiceEnvironment target, string revision, CancellationToken ct = default)
    {
        var (o, k) = Connect(target);
        var d = await ReadDeploymentAsync(o, k, DeploymentName(target, revision), ct);
        return d is null ? [] : Observe(target, d).Instances;
    }

    /// <summary>None: on Kubernetes the ingress is the Gateway, whose metrics analysis reads from Prometheus.</summary>
    public Task<RevisionMetrics> GetRevisionMetricsAsync(ServiceEnvironment target, string revision, TimeSpan window, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        return Task.FromResult(new RevisionMetrics(target, revision, now - window, now, 0, 0, null, null, null));
    }

    public async Task<ServiceState?> GetServiceAsync(ServiceEnvironment target, CancellationToken ct = default)
    {
        var (o, k) = Connect(target);
        var deployments = await ListDeploymentsAsync(o, k, Selector(target), ct);
        var routing = await ReadRoutingAsync(o, k, target, ct);
        if (deployments.Count == 0 && routing.Weights is null) return null;
        var revisions = deployments.Select(d => Observe(target, d)).OrderBy(r => r.CreatedAt).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
        return new ServiceState(target, revisions, routing.ToRouting(), null);
    }

    public async Task<IReadOnlyList<ServiceState>> ListServicesAsync(CancellationToken ct = default)
    {
        var result = new List<ServiceState>();
        foreach (var o in _environments.Values.OrderBy(e => e.Environment, StringComparer.Ordinal))
        {
            var k = ClientOf(o);
            var deployments = await ListDeploymentsAsync(o, k, $"{ManagedByLabel}={ManagedBy},{EnvironmentLabel}={o.Environment}", ct);
            var services = deployments.Select(d => d.Metadata?.Labels?.TryGetValue(ServiceLabel, out var s) == true ? s : null).OfType<string>().Distinct().Order(StringComparer.Ordinal);
            foreach (var service in services)
                if (await GetServiceAsync(new ServiceEnvironment(service, o.Environment), ct) is { } state) result.Add(state);
        }
        return result;
    }

    // ---------------------------------------------------------------- observed state

    /// <summary>What the stable, canary and preview Services select and what the HTTPRoute says.</summary>
    private sealed record Observed(string? StableRevision, string? CanaryRevision, string? PreviewRevision, TrafficSplit? Weights, IReadOnlyList<HeaderRoute> HeaderRoutes)
    {
        public TrafficRouting ToRouting() => new(Weights, HeaderRoutes);
    }

    private async Task<Observed> ReadRoutingAsync(KubernetesEnvironmentOptions o, IKubernetes k, ServiceEnvironment t, CancellationToken ct)
    {
        async Task<string?> SelectedBy(Role role)
        {
            var svc = await ReadAsync(o, $"read Service {ServiceName(t, role)}", () => k.CoreV1.ReadNamespacedServiceAsync(ServiceName(t, role), o.NamespaceName, cancellationToken: ct));
            return svc?.Metadata?.Annotations?.TryGetValue(RevisionAnnotation, out var r) == true ? r : null;
        }
        var stable = await SelectedBy(Role.Stable);
        var canary = await SelectedBy(Role.Canary);
        var preview = await SelectedBy(Role.Preview);
        var route = await ReadAsync(o, $"read HTTPRoute {RouteName(t)}", () => k.CustomObjects.GetNamespacedCustomObjectAsync(
            GatewayGroup, GatewayVersion, o.NamespaceName, HttpRoutePlural, RouteName(t), ct));
        TrafficSplit? weights = null;
        IReadOnlyList<HeaderRoute> headerRoutes = [];
        if (route is not null)
        {
            var json = JsonSerializer.SerializeToElement(route);
            if (json.TryGetProperty("metadata", out var md) && md.TryGetProperty("annotations", out var ann))
            {
                if (ann.TryGetProperty(WeightsAnnotation, out var w) && w.GetString() is { } wj)
                    weights = new TrafficSplit(JsonSerializer.Deserialize<Dictionary<string, int>>(wj)!);
                if (ann.TryGetProperty(HeaderRoutesAnnotation, out var h) && h.GetString() is { } hj)
                    headerRoutes = JsonSerializer.Deserialize<List<HeaderRouteJson>>(hj)!.Select(x => new HeaderRoute(x.Name, x.Header, x.Value, x.Revision)).ToList();
            }
        }
        return new Observed(stable, canary, preview, weights, headerRoutes);
    }

    private sealed record HeaderRouteJson(string Name, string Header, string Value, string Revision);

    private Revision Observe(ServiceEnvironment t, V1Deployment d)
    {
        var annotations = d.Metadata?.Annotations ?? new Dictionary<string, string>();
        var name = annotations.TryGetValue(RevisionAnnotation, out var r) ? r : d.Metadata?.Name ?? "";
        var version = annotations.TryGetValue(VersionAnnotation, out var v) ? v : name;
        var config = annotations.TryGetValue(ConfigAnnotation, out var c) ? JsonSerializer.Deserialize<Dictionary<string, string>>(c) ?? [] : [];
        var desired = d.Spec?.Replicas ?? 1;
        var ready = Math.Min(desired, d.Status?.ReadyReplicas ?? 0);
        var conditions = d.Status?.Conditions ?? [];
        var stuck = conditions.FirstOrDefault(x => x.Type == "Progressing" && x.Status == "False" && x.Reason == "ProgressDeadlineExceeded");
        var failure = conditions.FirstOrDefault(x => x.Type == "ReplicaFailure" && x.Status == "True");
        var error = stuck is not null ? $"Progress deadline exceeded: {stuck.Message}" : failure?.Message;
        var since = (DateTimeOffset?)(stuck?.LastTransitionTime ?? d.Metadata?.CreationTimestamp) ?? _time.GetUtcNow();
        var instances = Enumerable.Range(0, desired).Select(i => new InstanceHealth($"{d.Metadata?.Name}-{i}", name,
            i < ready ? InstanceState.Healthy : stuck is not null ? InstanceState.CrashLoopBackOff : InstanceState.Starting,
            null, null, 0, since, i < ready ? null : error)).ToList();
        return new Revision(t, name, version, config, desired, instances, (DateTimeOffset?)d.Metadata?.CreationTimestamp ?? _time.GetUtcNow());
    }

    // ---------------------------------------------------------------- API calls

    private (KubernetesEnvironmentOptions, IKubernetes) Connect(ServiceEnvironment target)
    {
        var o = OptionsOf(target.Environment);
        return (o, ClientOf(o));
    }

    private IKubernetes ClientOf(KubernetesEnvironmentOptions o)
    {
        lock (_gate)
        {
            if (!_clients.TryGetValue(o.Environment, out var client))
                _clients[o.Environment] = client = _clientFactory(o);
            return client;
        }
    }

    private static T Typed<T>(JsonObject manifest) => KubernetesJson.Deserialize<T>(manifest.ToJsonString());

    private static async Task<V1Deployment?> ReadDeploymentAsync(KubernetesEnvironmentOptions o, IKubernetes k, string name, CancellationToken ct) =>
        await ReadAsync(o, $"read Deployment {name}", () => k.AppsV1.ReadNamespacedDeploymentAsync(name, o.NamespaceName, cancellationToken: ct));

    private static async Task<IList<V1Deployment>> ListDeploymentsAsync(KubernetesEnvironmentOptions o, IKubernetes k, string selector, CancellationToken ct)
    {
        try
        {
            return (await k.AppsV1.ListNamespacedDeploymentAsync(o.NamespaceName, labelSelector: selector, cancellationToken: ct)).Items;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw KubernetesApiException.From(e, "list Deployments", o);
        }
    }

    private static async Task<HashSet<string>> ListRevisionNamesAsync(KubernetesEnvironmentOptions o, IKubernetes k, ServiceEnvironment t, CancellationToken ct) =>
        (await ListDeploymentsAsync(o, k, Selector(t), ct))
            .Select(d => d.Metadata?.Annotations?.TryGetValue(RevisionAnnotation, out var r) == true ? r : null).OfType<string>().ToHashSet(StringComparer.Ordinal);

    private static void RequireDeployed(ServiceEnvironment t, HashSet<string> deployed, string revision, string field)
    {
        if (!deployed.Contains(revision))
            throw new InvalidInputException(field, $"Revision '{revision}' is not deployed in {t}; deployed: " +
                (deployed.Count == 0 ? "none" : string.Join(", ", deployed.Order(StringComparer.Ordinal))) + ".");
    }

    private static async Task<T?> ReadAsync<T>(KubernetesEnvironmentOptions o, string what, Func<Task<T>> call) where T : class
    {
        try
        {
            return await call();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound && !IsMissingKind(e))
        {
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException || e is TaskCanceledException { CancellationToken.IsCancellationRequested: false })
        {
            throw KubernetesApiException.From(e, what, o);
        }
    }

    /// <summary>A 404 about the resource type (no such CRD), not about the object.</summary>
    private static bool IsMissingKind(HttpOperationException e) =>
        e.Response.Content is { } body && body.Contains("\"reason\":\"NotFound\"", StringComparison.Ordinal) && body.Contains("the server could not find the requested resource", StringComparison.Ordinal);

    /// <summary>Creates an object; null when it already existed (409 AlreadyExists: a concurrent writer was first).</summary>
    private async Task<T?> CreateAsync<T>(KubernetesEnvironmentOptions o, string what, Func<Task<T>> call) where T : class
    {
        try
        {
            return await call();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            _log.LogInformation("Kubernetes: {What}: it already exists (created concurrently); using it", what);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException || e is TaskCanceledException { CancellationToken.IsCancellationRequested: false })
        {
            throw KubernetesApiException.From(e, what, o);
        }
    }

    private static async Task DeleteAsync<T>(KubernetesEnvironmentOptions o, string what, Func<Task<T>> call)
    {
        try
        {
            await call();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException || e is TaskCanceledException { CancellationToken.IsCancellationRequested: false })
        {
            throw KubernetesApiException.From(e, what, o);
        }
    }

    private static async Task<T> ApplyAsync<T>(KubernetesEnvironmentOptions o, string what, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is not OperationCanceledException || e is TaskCanceledException { CancellationToken.IsCancellationRequested: false })
        {
            throw KubernetesApiException.From(e, what, o);
        }
    }

    private static V1Patch Apply(JsonObject manifest) => new(manifest.ToJsonString(), V1Patch.PatchType.ApplyPatch);

    private static async Task<V1Deployment> ApplyReplicasAsync(KubernetesEnvironmentOptions o, IKubernetes k, ServiceEnvironment t, string name, int replicas, CancellationToken ct)
    {
        var patch = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = o.NamespaceName },
            ["spec"] = new JsonObject { ["replicas"] = replicas },
        };
        return await ApplyAsync(o, $"scale Deployment {name}", () =>
            k.AppsV1.PatchNamespacedDeploymentAsync(Apply(patch), name, o.NamespaceName, fieldManager: o.FieldManager, force: true, cancellationToken: ct));
    }

    private static async Task ApplyServiceAsync(KubernetesEnvironmentOptions o, IKubernetes k, ServiceEnvironment t, Role role, string revision, Observed current, CancellationToken ct)
    {
        var selected = role switch { Role.Stable => current.StableRevision, Role.Canary => current.CanaryRevision, _ => current.PreviewRevision };
        if (selected == revision) return;
        var name = ServiceName(t, role);
        await ApplyAsync(o, $"apply Service {name}", () =>
            k.CoreV1.PatchNamespacedServiceAsync(Apply(Service(o, t, role, revision)), name, o.NamespaceName, fieldManager: o.FieldManager, force: true, cancellationToken: ct));
    }

    private static async Task ApplyRouteAsync(KubernetesEnvironmentOptions o, IKubernetes k, ServiceEnvironment t, Observed roles, TrafficSplit split,
        IReadOnlyList<HeaderRoute> headerRoutes, CancellationToken ct)
    {
        var route = RouteFor(o, t, roles.StableRevision!, roles.CanaryRevision, split, headerRoutes);
        await ApplyAsync(o, $"apply HTTPRoute {RouteName(t)}", () =>
            k.CustomObjects.PatchNamespacedCustomObjectAsync(Apply(route), GatewayGroup, GatewayVersion, o.NamespaceName, HttpRoutePlural, RouteName(t),
                fieldManager: o.FieldManager, force: true, cancellationToken: ct));
    }

    /// <summary>The HTTPRoute for a split and header routes, given which revision each Service selects (also used by the manifest preview).</summary>
    public static JsonObject RouteFor(KubernetesEnvironmentOptions o, ServiceEnvironment t, string stable, string? canary, TrafficSplit split,
        IReadOnlyList<HeaderRoute> headerRoutes)
    {
        var backends = new List<(Role, int)> { (Role.Stable, split.WeightOf(stable)) };
        if (canary is not null && canary != stable && (split.WeightOf(canary) > 0 || headerRoutes.Any(h => h.Revision == canary)))
            backends.Add((Role.Canary, split.WeightOf(canary)));
        var rules = headerRoutes.Select(h => (h, h.Revision == stable ? Role.Stable : h.Revision == canary ? Role.Canary : Role.Preview)).ToList();
        var route = HttpRoute(o, t, backends, rules);
        var annotations = new JsonObject
        {
            [WeightsAnnotation] = JsonSerializer.Serialize(split.Weights),
            [HeaderRoutesAnnotation] = JsonSerializer.Serialize(headerRoutes.Select(h => new HeaderRouteJson(h.Name, h.Header, h.Value, h.Revision))),
        };
        route["metadata"]!["annotations"] = annotations;
        return route;
    }
}
