using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsConsole.Cluster.Tests.Rollouts;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Cluster.Kubernetes;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Rollouts;
using static OpsConsole.Cluster.Tests.Kubernetes.KubernetesAdapterHarness;

namespace OpsConsole.Cluster.Tests.Kubernetes;

/// <summary>The real rollout engine and reconciler driving the Kubernetes adapter against the fake API server.</summary>
public sealed class RolloutOnKubernetesTests
{
    private static async Task<RolloutHarness> SeedAsync(KubernetesAdapterHarness kube)
    {
        var h = new RolloutHarness(configure: s =>
        {
            s.RemoveAll<IClusterAdapter>();
            s.AddSingleton<IClusterAdapter>(kube.Adapter);
        });
        await using (var db = h.NewContext())
        {
            await db.Database.MigrateAsync();
            await DemoSeed.EnsureAsync(db, demo: false, DateTime.UtcNow);
            db.DeployTargets.Add(new DeployTarget
            {
                Service = Target.Service, Environment = Target.Environment, StableVersion = "1.0.0", StableRevision = "1.0.0", Instances = 2,
                DefaultStrategyJson = RolloutStrategy.DemoCanary(DemoTemplates.ErrorRate).ToJson(), CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        await h.Reconciler.ReconcileOnceAsync(CancellationToken.None); // the stable revision and its traffic
        await kube.WaitReadyAsync("1.0.0");
        return h;
    }

    private static List<List<(string, int)>> RouteApplies(IEnumerable<ApiRequest> writes) =>
        writes.Where(w => w.Method == "PATCH" && w.Resource == "httproutes").Select(RouteWeights).ToList();

    [Fact]
    public async Task A_canary_completes_with_the_HTTPRoute_weights_of_each_step_in_order()
    {
        using var kube = new KubernetesAdapterHarness();
        await using var h = await SeedAsync(kube);
        var rollout = await h.StartAsync(Target, "1.1.0", """{"canary":{"steps":[{"setWeight":20},{"setWeight":50},{"setWeight":100}]}}""");

        var done = await h.ReconcileUntilAsync(rollout.Id, r => r.IsFinished, "the canary completes");
        Assert.Equal(RolloutPhase.Healthy, done.Phase);
        List<List<(string, int)>> expected =
        [
            [("checkout-stable", 100)],
            [("checkout-stable", 80), ("checkout-canary", 20)],
            [("checkout-stable", 50), ("checkout-canary", 50)],
            [("checkout-stable", 0), ("checkout-canary", 100)],
            [("checkout-stable", 100)],
        ];
        Assert.Equal(expected, RouteApplies(kube.Server.TakeWrites()));
        var stable = kube.Server.Get(Services + "/checkout-stable")!;
        Assert.Equal("1.1.0", stable["spec"]!["selector"]!["opsconsole/revision"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_step_the_cluster_forbids_shows_the_cause_on_the_rollout_and_leaves_traffic_where_it_was()
    {
        using var kube = new KubernetesAdapterHarness();
        await using var h = await SeedAsync(kube);
        kube.Server.TakeWrites();
        kube.Server.Forbidden.Add("deployments");
        var rollout = await h.StartAsync(Target, "1.1.0", """{"canary":{"steps":[{"setWeight":20},{"setWeight":100}]}}""");

        for (var i = 0; i < 3; i++) await h.Reconciler.ReconcileOnceAsync(CancellationToken.None);

        await using var db = h.NewContext();
        var stuck = await db.Rollouts.AsNoTracking().SingleAsync(r => r.Id == rollout.Id);
        Assert.Contains("Forbidden by RBAC", stuck.Message);
        Assert.Contains("traffic stays", stuck.Message);
        Assert.Equal(0, stuck.CanaryWeight);
        // No route write moved traffic towards a canary that could not be created.
        Assert.Empty(RouteApplies(kube.Server.TakeWrites()));
    }

    [Fact]
    public async Task An_aborted_canary_sends_all_traffic_back_and_scales_the_canary_to_zero()
    {
        using var kube = new KubernetesAdapterHarness();
        await using var h = await SeedAsync(kube);
        var rollout = await h.StartAsync(Target, "1.1.0", """{"canary":{"steps":[{"setWeight":30},{"pause":{}}]}}""");
        await h.ReconcileUntilAsync(rollout.Id, r => r.Phase == RolloutPhase.Paused, "paused at 30%");
        kube.Server.TakeWrites();

        await h.ActAsync(rollout.Id, RolloutAction.Abort);
        var done = await h.ReconcileUntilAsync(rollout.Id, r => r.IsFinished, "aborted");
        Assert.Equal(RolloutPhase.Aborted, done.Phase);
        var writes = kube.Server.TakeWrites();
        Assert.Equal([[("checkout-stable", 100)]], RouteApplies(writes));
        var scale = Assert.Single(writes, w => w.Resource == "deployments");
        Assert.Equal(KubernetesManifests.DeploymentName(Target, "1.1.0"), scale.Name);
        Assert.Equal("""{"replicas":0}""", scale.Json["spec"]!.ToJsonString());
        Assert.Equal(0, (await kube.Adapter.GetRevisionAsync(Target, "1.1.0"))!.DesiredInstances);
    }

    [Fact]
    public async Task Each_environment_goes_to_its_cluster()
    {
        using var kube = new KubernetesAdapterHarness();
        var local = new InMemoryClusterAdapter(TimeProvider.System);
        var cluster = new ClusterByEnvironment(local, kube.Adapter);
        await cluster.DeployRevisionAsync(new ServiceEnvironment("checkout", "dev"), new RevisionSpec("1.0.0"));
        await cluster.DeployRevisionAsync(Target, new RevisionSpec("1.0.0"));
        Assert.Equal(["deploy 1.0.0 x1"], local.Calls);
        Assert.Single(kube.Server.TakeWrites(), w => w.Method == "POST" && w.Path.EndsWith("/deployments", StringComparison.Ordinal));
        Assert.Equal(["checkout/dev", "checkout/prod"], (await cluster.ListServicesAsync()).Select(s => s.Target.ToString()).Order());
        Assert.Equal("in-memory+kubernetes", cluster.Kind);
    }

    [Fact]
    public void Settings_choose_the_environments_on_Kubernetes_and_their_connection_namespace_image_and_gateway()
    {
        var values = new Dictionary<string, string>
        {
            ["OPS_CLUSTER"] = "kubernetes", ["OPS_KUBERNETES_ENVIRONMENTS"] = "staging, prod-eu",
            ["OPS_KUBERNETES_NAMESPACE"] = "shop", ["OPS_KUBERNETES_PROD_EU_NAMESPACE"] = "shop-eu", ["OPS_KUBERNETES_PROD_EU_CONTEXT"] = "eu",
            ["OPS_KUBERNETES_IMAGE"] = "shop/{service}:{version}", ["OPS_KUBERNETES_GATEWAY"] = "gateways/public",
            ["OPS_KUBERNETES_PROD_EU_PROGRESS_DEADLINE_SECONDS"] = "120", ["OPS_KUBERNETES_STAGING_IN_CLUSTER"] = "true",
        };
        var settings = KubernetesSettings.From(k => values.GetValueOrDefault(k));
        Assert.True(settings.Enabled);
        Assert.Equal(["staging", "prod-eu"], settings.Environments);
        var eu = settings.OptionsFor("prod-eu");
        Assert.Equal("shop-eu", eu.NamespaceName);
        Assert.Equal("eu", eu.Context);
        Assert.False(eu.InCluster);
        Assert.Equal(TimeSpan.FromMinutes(2), eu.ProgressDeadline);
        Assert.Equal(("gateways", "public"), (eu.GatewayNamespace, eu.GatewayName));
        Assert.Equal("shop/checkout:1.2.0", eu.ImageFor(new ServiceEnvironment("checkout", "prod-eu"), "1.2.0"));
        Assert.Equal("shop", settings.OptionsFor("staging").NamespaceName);
        Assert.True(settings.OptionsFor("staging").InCluster);

        Assert.False(KubernetesSettings.From(_ => null).Enabled);
        Assert.Throws<InvalidOperationException>(() => KubernetesSettings.From(k => k == "OPS_CLUSTER" ? "kubernetes" : null));
        Assert.Throws<InvalidOperationException>(() => KubernetesSettings.From(k => k == "OPS_CLUSTER" ? "nomad" : null));
    }
}
