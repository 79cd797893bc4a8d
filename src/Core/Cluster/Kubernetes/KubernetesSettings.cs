using System.Globalization;

namespace OpsConsole.Core.Cluster.Kubernetes;

/// <summary>
/// Which environments run on Kubernetes and how to reach them, from the console's settings:
/// <list type="bullet">
/// <item><c>OPS_CLUSTER</c>: <c>local</c> (default: every environment on the embedded local cluster) or <c>kubernetes</c>.</item>
/// <item><c>OPS_KUBERNETES_ENVIRONMENTS</c>: the environments on Kubernetes, comma-separated (the others stay local).</item>
/// <item>Per environment, <c>OPS_KUBERNETES_&lt;ENV&gt;_&lt;KEY&gt;</c> (ENV upper-cased, '-' as '_'), falling back to
/// <c>OPS_KUBERNETES_&lt;KEY&gt;</c>: NAMESPACE, KUBECONFIG, CONTEXT, IN_CLUSTER (true/false), IMAGE (template with
/// {service} {version} {environment}), GATEWAY (name or namespace/name), HOSTNAMES (comma-separated),
/// PROGRESS_DEADLINE_SECONDS, FIELD_MANAGER.</item>
/// </list>
/// </summary>
public sealed class KubernetesSettings
{
    private readonly Func<string, string?> _get;

    private KubernetesSettings(Func<string, string?> get, bool enabled, IReadOnlyList<string> environments)
    {
        _get = get;
        Enabled = enabled;
        Environments = environments;
    }

    public bool Enabled { get; }
    public IReadOnlyList<string> Environments { get; }

    /// <param name="get">Reads one setting by name (configuration or environment variables); null when unset.</param>
    public static KubernetesSettings From(Func<string, string?> get)
    {
        var cluster = get("OPS_CLUSTER")?.Trim().ToLowerInvariant();
        if (cluster is not (null or "" or "local" or "kubernetes"))
            throw new InvalidOperationException($"OPS_CLUSTER is '{cluster}'; use local (default) or kubernetes.");
        var enabled = cluster == "kubernetes";
        var environments = (get("OPS_KUBERNETES_ENVIRONMENTS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (enabled && environments.Length == 0)
            throw new InvalidOperationException("OPS_CLUSTER=kubernetes needs OPS_KUBERNETES_ENVIRONMENTS: the environments that run on Kubernetes, e.g. staging,prod.");
        foreach (var e in environments) _ = new ServiceEnvironment("x", e); // a DNS label, or a clear error
        return new KubernetesSettings(get, enabled, enabled ? environments : []);
    }

    /// <summary>The options of an environment (defaults where nothing is set); also used to preview manifests for environments that run locally.</summary>
    public KubernetesEnvironmentOptions OptionsFor(string environment)
    {
        string? Get(string key)
        {
            var own = _get($"OPS_KUBERNETES_{environment.ToUpperInvariant().Replace('-', '_')}_{key}");
            return string.IsNullOrWhiteSpace(own) ? (string.IsNullOrWhiteSpace(_get($"OPS_KUBERNETES_{key}")) ? null : _get($"OPS_KUBERNETES_{key}")!.Trim()) : own.Trim();
        }
        var gateway = Get("GATEWAY");
        var slash = gateway?.IndexOf('/') ?? -1;
        var deadline = Get("PROGRESS_DEADLINE_SECONDS");
        var seconds = 600;
        if (deadline is not null && (!int.TryParse(deadline, NumberStyles.None, CultureInfo.InvariantCulture, out seconds) || seconds < 30))
            throw new InvalidOperationException($"OPS_KUBERNETES_..._PROGRESS_DEADLINE_SECONDS for {environment} must be a whole number of seconds, at least 30.");
        return new KubernetesEnvironmentOptions
        {
            Environment = environment,
            Namespace = Get("NAMESPACE"),
            Kubeconfig = Get("KUBECONFIG"),
            Context = Get("CONTEXT"),
            InCluster = string.Equals(Get("IN_CLUSTER"), "true", StringComparison.OrdinalIgnoreCase),
            ImageTemplate = Get("IMAGE") ?? "{service}:{version}",
            GatewayName = gateway is null ? "opsconsole" : slash > 0 ? gateway[(slash + 1)..] : gateway,
            GatewayNamespace = slash > 0 ? gateway![..slash] : null,
            Hostnames = (Get("HOSTNAMES") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            ProgressDeadline = TimeSpan.FromSeconds(seconds),
            FieldManager = Get("FIELD_MANAGER") ?? KubernetesEnvironmentOptions.DefaultFieldManager,
        };
    }
}
