using System.Collections.Concurrent;
using k8s;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Kubernetes;

namespace OpsConsole.Cluster.Tests.Kubernetes;

/// <summary>The Kubernetes adapter for environment <c>prod</c> (namespace shop-prod) against a <see cref="FakeKubernetesApiServer"/>.</summary>
public sealed class KubernetesAdapterHarness : IDisposable
{
    public const string Token = "token-that-must-never-be-shown";
    public const string SecretValue = "s3cr3t-db-password";

    public KubernetesAdapterHarness()
    {
        Options = new KubernetesEnvironmentOptions
        {
            Environment = "prod", Namespace = "shop-prod", ImageTemplate = "shop/{service}:{version}", GatewayName = "public", GatewayNamespace = "gateways",
            Hostnames = ["{service}.shop.test"], ProgressDeadline = TimeSpan.FromMinutes(5),
        };
        Adapter = new KubernetesClusterAdapter([Options],
            _ => new k8s.Kubernetes(new KubernetesClientConfiguration { Host = Server.Url, AccessToken = Token }),
            new FakeSecrets(), new ListLogger(Logs));
    }

    public FakeKubernetesApiServer Server { get; } = new();
    public KubernetesEnvironmentOptions Options { get; }
    public KubernetesClusterAdapter Adapter { get; }
    public ConcurrentQueue<string> Logs { get; } = new();
    public static readonly ServiceEnvironment Target = new("checkout", "prod");

    public const string Ns = "shop-prod";
    public const string Deployments = "/apis/apps/v1/namespaces/shop-prod/deployments";
    public const string ConfigMaps = "/api/v1/namespaces/shop-prod/configmaps";
    public const string Secrets = "/api/v1/namespaces/shop-prod/secrets";
    public const string Services = "/api/v1/namespaces/shop-prod/services";
    public const string Routes = "/apis/gateway.networking.k8s.io/v1/namespaces/shop-prod/httproutes";

    /// <summary>Polls the revision (each read is one observation of the fake controller) until every replica is ready.</summary>
    public async Task<Revision> WaitReadyAsync(string revision)
    {
        Revision? last = null;
        await Eventually.TrueAsync(async () =>
        {
            last = await Adapter.GetRevisionAsync(Target, revision);
            return last?.IsReady == true;
        }, TimeSpan.FromSeconds(20), () => TestCluster.Describe(last));
        return last!;
    }

    /// <summary>The weights on the HTTPRoute's default rule, as (Service, weight).</summary>
    public static List<(string, int)> RouteWeights(ApiRequest apply) =>
        apply.Json["spec"]!["rules"]!.AsArray()[^1]!["backendRefs"]!.AsArray()
            .Select(b => (b!["name"]!.GetValue<string>(), b["weight"]!.GetValue<int>())).ToList();

    public void Dispose() => Server.Dispose();

    private sealed class FakeSecrets : IWorkloadSecrets
    {
        public ValueTask<IReadOnlyDictionary<string, string>> ResolveAsync(ServiceEnvironment target, IReadOnlyDictionary<string, string> config, CancellationToken ct = default) =>
            ValueTask.FromResult<IReadOnlyDictionary<string, string>>(config.ToDictionary(c => c.Key, c => c.Value == "${secret:db-password@3}" ? SecretValue : c.Value));
    }

    private sealed class ListLogger(ConcurrentQueue<string> lines) : ILogger<KubernetesClusterAdapter>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(formatter(state, exception) + (exception is null ? "" : " " + exception));
    }
}
