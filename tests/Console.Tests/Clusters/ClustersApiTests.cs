using System.Net;
using System.Net.Http.Json;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Console.Tests.Shared;

namespace OpsConsole.Console.Tests.Clusters;

/// <summary>
/// Which cluster each environment runs on, and a rollout's Kubernetes manifests previewed per step
/// through the API (that rendering applies nothing is shown by ManifestsPanelTests, where no reconciler runs).
/// </summary>
public sealed class ClustersApiTests
{
    private const string KubeconfigToken = "kubeconfig-token-never-shown";

    private static async Task<Guid> StartAsync(FakeClusterConsoleFactory factory, HttpClient admin, string service)
    {
        await factory.WithStoreAsync(async db =>
        {
            var now = DateTime.UtcNow;
            db.DeployTargets.Add(new Core.Rollouts.DeployTarget
            {
                Service = service, Environment = "prod", StableVersion = "1.0.0", StableRevision = "1.0.0",
                DefaultStrategyJson = FakeClusterConsoleFactory.WaitingStrategy, CreatedAt = now, UpdatedAt = now,
            });
            return await db.SaveChangesAsync();
        });
        var response = await admin.PostAsJsonAsync("/api/v1/rollouts", new
        {
            service, environment = "prod", version = "1.1.0", config = new Dictionary<string, string> { ["FEATURE_X"] = "on" },
            strategy = new { canary = new { steps = new object[] { new { setWeight = 25 }, new { pause = new { } }, new { setWeight = 100 } } } },
        }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        return (await response.ReadJsonAsync()).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task The_manifests_of_each_step_are_rendered_without_applying_anything()
    {
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(kubeconfig, $"apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: {KubeconfigToken}\n");
        await using var factory = FakeClusterConsoleFactory.WithSettings(new Dictionary<string, string?>
        {
            ["OPS_CLUSTER"] = "kubernetes", ["OPS_KUBERNETES_ENVIRONMENTS"] = "prod", ["OPS_KUBERNETES_PROD_NAMESPACE"] = "shop-prod",
            ["OPS_KUBERNETES_PROD_KUBECONFIG"] = kubeconfig, ["OPS_KUBERNETES_IMAGE"] = "shop/{service}:{version}", ["OPS_KUBERNETES_GATEWAY"] = "gateways/public",
        });
        var admin = factory.CreateAdminClient();
        var id = await StartAsync(factory, admin, "checkout");

        var all = await admin.GetAsync($"/api/v1/rollouts/{id}/manifests").EnsureStatusAsync(HttpStatusCode.OK);
        var json = await all.ReadJsonAsync();
        Assert.Equal("shop-prod", json.GetProperty("namespace").GetString());
        var steps = json.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(4, steps.Count);
        Assert.Contains("image: shop/checkout:1.1.0", steps[0].GetProperty("yaml").GetString());
        Assert.Contains("FEATURE_X: on", steps[0].GetProperty("yaml").GetString());

        var one = await (await admin.GetAsync($"/api/v1/rollouts/{id}/manifests?step=0")).ReadJsonAsync();
        var step0 = Assert.Single(one.GetProperty("steps").EnumerateArray()).GetProperty("yaml").GetString()!;
        Assert.Contains("kind: HTTPRoute", step0);
        Assert.Contains("weight: 75", step0);
        Assert.Contains("weight: 25", step0);
        Assert.Contains("namespace: gateways", step0);
        var promotion = (await (await admin.GetAsync($"/api/v1/rollouts/{id}/manifests?step=2")).ReadJsonAsync()).GetProperty("steps")[0].GetProperty("yaml").GetString()!;
        Assert.Equal(2, promotion.Split("kind: HTTPRoute").Length - 1);

        var yaml = await admin.GetAsync($"/api/v1/rollouts/{id}/manifests?format=yaml").EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("application/yaml", yaml.Content.Headers.ContentType!.MediaType);
        Assert.Contains("apiVersion: gateway.networking.k8s.io/v1", await yaml.Content.ReadAsStringAsync());

        await admin.GetAsync($"/api/v1/rollouts/{id}/manifests?step=7").EnsureStatusAsync(HttpStatusCode.BadRequest);
        await admin.GetAsync($"/api/v1/rollouts/{Guid.NewGuid()}/manifests").EnsureStatusAsync(HttpStatusCode.NotFound);

        var clusters = await admin.GetAsync("/api/v1/clusters").EnsureStatusAsync(HttpStatusCode.OK);
        var text = await clusters.Content.ReadAsStringAsync();
        Assert.DoesNotContain(KubeconfigToken, text);
        var prod = (await clusters.ReadJsonAsync()).EnumerateArray().Single(e => e.GetProperty("environment").GetString() == "prod");
        Assert.Equal("kubernetes", prod.GetProperty("cluster").GetString());
        Assert.Equal("gateways/public", prod.GetProperty("gateway").GetString());
        File.Delete(kubeconfig);
    }

    [Fact]
    public async Task By_default_every_environment_runs_on_the_local_cluster()
    {
        await using var factory = new FakeClusterConsoleFactory();
        var admin = factory.CreateAdminClient();
        await factory.SeedTargetAsync(Names.Unique("svc"), "staging");
        var clusters = await (await admin.GetAsync("/api/v1/clusters")).ReadJsonAsync();
        var staging = clusters.EnumerateArray().Single(e => e.GetProperty("environment").GetString() == "staging");
        Assert.NotEqual("kubernetes", staging.GetProperty("cluster").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, staging.GetProperty("namespace").ValueKind);
    }
}
