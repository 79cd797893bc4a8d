namespace OpsConsole.Core.Cluster.Kubernetes;

/// <summary>
/// How the console reaches the Kubernetes cluster of one environment and what it creates there.
/// Set per environment with OPS_KUBERNETES_&lt;ENV&gt;_* variables (see the README); the connection's
/// credentials stay in the kubeconfig file or the pod's service account: the console never shows
/// or logs them.
/// </summary>
public sealed class KubernetesEnvironmentOptions
{
    public const string DefaultFieldManager = "opsconsole";

    public required string Environment { get; init; }

    /// <summary>The namespace the environment's Deployments, Services and HTTPRoutes live in (default: the environment's name).</summary>
    public string? Namespace { get; init; }

    /// <summary>Use the pod's service account (the console runs in the cluster); otherwise <see cref="Kubeconfig"/>.</summary>
    public bool InCluster { get; init; }

    /// <summary>Path of a kubeconfig file; null: the default (KUBECONFIG or ~/.kube/config).</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>The kubeconfig context; null: its current context.</summary>
    public string? Context { get; init; }

    /// <summary>
    /// The container image of a revision: <c>{service}</c>, <c>{version}</c> and <c>{environment}</c>
    /// are filled in, e.g. <c>registry.internal/shop/{service}:{version}</c>. A value without
    /// placeholders is an explicit image reference used as is.
    /// </summary>
    public string ImageTemplate { get; init; } = "{service}:{version}";

    /// <summary>Explicit image templates for single services, overriding <see cref="ImageTemplate"/>.</summary>
    public IReadOnlyDictionary<string, string> ServiceImages { get; init; } = new Dictionary<string, string>();

    /// <summary>The Gateway the HTTPRoutes attach to (parentRefs).</summary>
    public string GatewayName { get; init; } = "opsconsole";

    /// <summary>The Gateway's namespace; null: the environment's namespace.</summary>
    public string? GatewayNamespace { get; init; }

    /// <summary>Host names of the HTTPRoute (<c>{service}</c> and <c>{environment}</c> filled in); empty: none (the Gateway's listeners decide).</summary>
    public IReadOnlyList<string> Hostnames { get; init; } = [];

    /// <summary>The port the workload listens on (given to it as PORT).</summary>
    public int ContainerPort { get; init; } = 8080;

    /// <summary>The port of the stable, canary and preview Services (the HTTPRoute's backend port).</summary>
    public int ServicePort { get; init; } = 80;

    /// <summary>Written as the Deployment's progressDeadlineSeconds; a revision past it is reported as failing.</summary>
    public TimeSpan ProgressDeadline { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The server-side apply field manager.</summary>
    public string FieldManager { get; init; } = DefaultFieldManager;

    public string NamespaceName => string.IsNullOrEmpty(Namespace) ? Environment : Namespace;

    public string ImageFor(ServiceEnvironment target, string version)
    {
        var template = ServiceImages.TryGetValue(target.Service, out var own) ? own : ImageTemplate;
        return template.Replace("{service}", target.Service, StringComparison.Ordinal)
            .Replace("{version}", version, StringComparison.Ordinal)
            .Replace("{environment}", target.Environment, StringComparison.Ordinal);
    }
}
