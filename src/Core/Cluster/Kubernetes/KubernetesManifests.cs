using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OpsConsole.Core.Cluster.Kubernetes;

/// <summary>
/// The objects the Kubernetes adapter writes, built as JSON exactly as they are sent: a revision is
/// a Deployment (plus a ConfigMap for its config and a Secret for the values of its secret
/// references), the stable, canary and preview Services select a revision by label, and one
/// Gateway API HTTPRoute per service carries the weights and header routes.
/// </summary>
public static partial class KubernetesManifests
{
    public const string ServiceLabel = "opsconsole/service";
    public const string EnvironmentLabel = "opsconsole/environment";
    public const string RevisionLabel = "opsconsole/revision";
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string NameLabel = "app.kubernetes.io/name";
    public const string ManagedBy = "opsconsole";
    public const string RevisionAnnotation = "opsconsole/revision";
    public const string VersionAnnotation = "opsconsole/version";
    public const string ConfigAnnotation = "opsconsole/config";
    public const string GatewayGroup = "gateway.networking.k8s.io";
    public const string GatewayVersion = "v1";
    public const string HttpRoutePlural = "httproutes";
    public const string SecretPlaceholder = "(resolved from the secret store when applied)";

    public enum Role { Stable, Canary, Preview }

    public static string DeploymentName(ServiceEnvironment t, string revision) => Bounded($"{t.Service}-{Slug(revision)}", revision);
    public static string ConfigMapName(ServiceEnvironment t, string revision) => Bounded($"{t.Service}-{Slug(revision)}", revision, "-config");
    public static string SecretName(ServiceEnvironment t, string revision) => Bounded($"{t.Service}-{Slug(revision)}", revision, "-secrets");
    public static string ServiceName(ServiceEnvironment t, Role role) => $"{Truncate(t.Service, 54)}-{role.ToString().ToLowerInvariant()}";
    public static string RouteName(ServiceEnvironment t) => t.Service;

    /// <summary>A label value for the revision: the name itself when it is a valid label value, else a slug with a hash.</summary>
    public static string RevisionLabelValue(string revision) =>
        LabelValue().IsMatch(revision) ? revision : Bounded(Slug(revision), revision);

    public static string Selector(ServiceEnvironment t) => $"{ServiceLabel}={t.Service},{EnvironmentLabel}={t.Environment}";

    public static JsonObject Labels(ServiceEnvironment t, string? revision = null)
    {
        var labels = new JsonObject
        {
            [NameLabel] = t.Service,
            [ManagedByLabel] = ManagedBy,
            [ServiceLabel] = t.Service,
            [EnvironmentLabel] = t.Environment,
        };
        if (revision is not null) labels[RevisionLabel] = RevisionLabelValue(revision);
        return labels;
    }

    private static JsonObject SelectorLabels(ServiceEnvironment t, string revision) => new()
    {
        [ServiceLabel] = t.Service,
        [EnvironmentLabel] = t.Environment,
        [RevisionLabel] = RevisionLabelValue(revision),
    };

    private static JsonObject Metadata(string name, string ns, JsonObject labels, JsonObject? annotations = null)
    {
        var m = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = labels };
        if (annotations is not null) m["annotations"] = annotations;
        return m;
    }

    /// <summary>The revision's plain config values (the keys without secret references).</summary>
    public static JsonObject ConfigMap(KubernetesEnvironmentOptions o, ServiceEnvironment t, string revision, IReadOnlyDictionary<string, string> plain) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = Metadata(ConfigMapName(t, revision), o.NamespaceName, Labels(t, revision)),
        ["immutable"] = true,
        ["data"] = new JsonObject(plain.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
    };

    /// <summary>The resolved values of the revision's secret references (values null: a preview, shown as a placeholder).</summary>
    public static JsonObject Secret(KubernetesEnvironmentOptions o, ServiceEnvironment t, string revision, IReadOnlyDictionary<string, string?> values) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = Metadata(SecretName(t, revision), o.NamespaceName, Labels(t, revision)),
        ["type"] = "Opaque",
        ["immutable"] = true,
        ["stringData"] = new JsonObject(values.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)(p.Value ?? SecretPlaceholder)))),
    };

    /// <summary>The revision's Deployment; <paramref name="config"/> is the config as stated (secret references, never values), kept as an annotation.</summary>
    public static JsonObject Deployment(KubernetesEnvironmentOptions o, ServiceEnvironment t, RevisionSpec spec, int replicas, bool hasSecrets)
    {
        var revision = spec.Name;
        var envFrom = new JsonArray { new JsonObject { ["configMapRef"] = new JsonObject { ["name"] = ConfigMapName(t, revision) } } };
        if (hasSecrets) envFrom.Add(new JsonObject { ["secretRef"] = new JsonObject { ["name"] = SecretName(t, revision) } });
        var podLabels = Labels(t, revision);
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = Metadata(DeploymentName(t, revision), o.NamespaceName, Labels(t, revision), new JsonObject
            {
                [RevisionAnnotation] = revision,
                [VersionAnnotation] = spec.Version,
                [ConfigAnnotation] = JsonSerializer.Serialize(spec.Config),
            }),
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["progressDeadlineSeconds"] = (int)o.ProgressDeadline.TotalSeconds,
                ["revisionHistoryLimit"] = 1,
                ["selector"] = new JsonObject { ["matchLabels"] = SelectorLabels(t, revision) },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = podLabels },
                    ["spec"] = new JsonObject
                    {
                        ["containers"] = new JsonArray
                        {
                            new JsonObject
                            {
                                ["name"] = "workload",
                                ["image"] = o.ImageFor(t, spec.Version),
                                ["ports"] = new JsonArray { new JsonObject { ["name"] = "http", ["containerPort"] = o.ContainerPort } },
                                ["env"] = new JsonArray
                                {
                                    Env("SERVICE_NAME", t.Service), Env("SERVICE_ENVIRONMENT", t.Environment), Env("SERVICE_VERSION", spec.Version),
                                    Env("REVISION", revision), Env("PORT", o.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                                },
                                ["envFrom"] = envFrom,
                                ["readinessProbe"] = new JsonObject
                                {
                                    ["httpGet"] = new JsonObject { ["path"] = "/healthz", ["port"] = "http" },
                                    ["periodSeconds"] = 2,
                                    ["failureThreshold"] = 3,
                                },
                            },
                        },
                    },
                },
            },
        };
    }

    private static JsonObject Env(string name, string value) => new() { ["name"] = name, ["value"] = value };

    /// <summary>The stable, canary or preview Service, selecting <paramref name="revision"/>'s pods.</summary>
    public static JsonObject Service(KubernetesEnvironmentOptions o, ServiceEnvironment t, Role role, string revision) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = Metadata(ServiceName(t, role), o.NamespaceName, Labels(t), new JsonObject { [RevisionAnnotation] = revision }),
        ["spec"] = new JsonObject
        {
            ["selector"] = SelectorLabels(t, revision),
            ["ports"] = new JsonArray { new JsonObject { ["name"] = "http", ["port"] = o.ServicePort, ["targetPort"] = "http" } },
        },
    };

    /// <summary>
    /// The service's HTTPRoute: one rule per header route first (a header match sends the request to
    /// the Service of that route's role), then the default rule splitting by weight between the
    /// stable and canary Services (the canary only while it has weight or a header route).
    /// </summary>
    public static JsonObject HttpRoute(KubernetesEnvironmentOptions o, ServiceEnvironment t, IReadOnlyList<(Role Role, int Weight)> backends,
        IReadOnlyList<(HeaderRoute Route, Role Role)> headerRoutes)
    {
        var rules = new JsonArray();
        foreach (var (route, role) in headerRoutes)
            rules.Add(new JsonObject
            {
                ["matches"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["headers"] = new JsonArray { new JsonObject { ["type"] = "Exact", ["name"] = route.Header, ["value"] = route.Value } },
                    },
                },
                ["backendRefs"] = new JsonArray { Backend(o, t, role, null) },
            });
        rules.Add(new JsonObject
        {
            ["backendRefs"] = new JsonArray(backends.Select(b => (JsonNode?)Backend(o, t, b.Role, b.Weight)).ToArray()),
        });
        var parent = new JsonObject { ["group"] = GatewayGroup, ["kind"] = "Gateway", ["name"] = o.GatewayName };
        if (!string.IsNullOrEmpty(o.GatewayNamespace)) parent["namespace"] = o.GatewayNamespace;
        var spec = new JsonObject { ["parentRefs"] = new JsonArray { parent } };
        if (o.Hostnames.Count > 0)
            spec["hostnames"] = new JsonArray(o.Hostnames.Select(h => (JsonNode?)h.Replace("{service}", t.Service, StringComparison.Ordinal)
                .Replace("{environment}", t.Environment, StringComparison.Ordinal)).ToArray());
        spec["rules"] = rules;
        return new JsonObject
        {
            ["apiVersion"] = $"{GatewayGroup}/{GatewayVersion}",
            ["kind"] = "HTTPRoute",
            ["metadata"] = Metadata(RouteName(t), o.NamespaceName, Labels(t)),
            ["spec"] = spec,
        };
    }

    private static JsonObject Backend(KubernetesEnvironmentOptions o, ServiceEnvironment t, Role role, int? weight)
    {
        var b = new JsonObject { ["group"] = "", ["kind"] = "Service", ["name"] = ServiceName(t, role), ["port"] = o.ServicePort };
        if (weight is { } w) b["weight"] = w;
        return b;
    }

    /// <summary>The manifests as one YAML stream (documents separated by ---), as kubectl would take them.</summary>
    public static string ToYaml(IEnumerable<JsonObject> manifests)
    {
        var serializer = new YamlDotNet.Serialization.SerializerBuilder().DisableAliases().Build();
        var text = new StringBuilder();
        foreach (var m in manifests)
        {
            text.Append("---\n");
            text.Append(serializer.Serialize(Plain(m)));
        }
        return text.ToString();
    }

    private static object? Plain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => Plain(p.Value)),
        JsonArray a => a.Select(Plain).ToList(),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v => v.ToJsonString(),
        _ => node.ToJsonString(),
    };

    private static string Slug(string value)
    {
        var s = NonName().Replace(value.ToLowerInvariant(), "-").Trim('-');
        return s.Length == 0 ? "r" : s;
    }

    private static string Bounded(string name, string raw, string suffix = "")
    {
        // Names are DNS labels: at most 63. A slug that changed the revision's name or is too long gets a hash, so two revisions never share one.
        var changed = !name.EndsWith(raw, StringComparison.Ordinal) || name.Length + suffix.Length > 63;
        if (!changed) return name + suffix;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw)))[..6];
        return Truncate(name, 63 - suffix.Length - 7) + "-" + hash + suffix;
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max].TrimEnd('-');

    [GeneratedRegex("[^a-z0-9-]+", RegexOptions.CultureInvariant)]
    private static partial Regex NonName();

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValue();
}
