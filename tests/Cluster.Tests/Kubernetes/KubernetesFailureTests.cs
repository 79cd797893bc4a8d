using k8s;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Kubernetes;
using static OpsConsole.Cluster.Tests.Kubernetes.KubernetesAdapterHarness;

namespace OpsConsole.Cluster.Tests.Kubernetes;

/// <summary>What the adapter says when the API server refuses, lacks the HTTPRoute CRD or cannot be reached: the cause, never a credential.</summary>
public sealed class KubernetesFailureTests
{
    private static void AssertNoCredential(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            Assert.DoesNotContain(Token, x.Message);
    }

    [Fact]
    public async Task Expired_credentials_are_named_as_such()
    {
        using var h = new KubernetesAdapterHarness();
        h.Server.RejectCredentials = true;
        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => h.Adapter.DeployRevisionAsync(Target, new RevisionSpec("1.0.0")));
        Assert.Contains("rejected the console's credentials", e.Message);
        AssertNoCredential(e);
    }

    [Fact]
    public async Task A_write_forbidden_by_RBAC_names_the_verb_the_object_the_namespace_and_the_role_to_apply()
    {
        using var h = new KubernetesAdapterHarness();
        h.Server.Forbidden.Add("deployments");
        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => h.Adapter.DeployRevisionAsync(Target, new RevisionSpec("1.0.0")));
        Assert.Contains("Forbidden by RBAC", e.Message);
        Assert.Contains("read Deployment checkout-", e.Message);
        Assert.Contains("shop-prod", e.Message);
        Assert.Contains("opsconsole-rbac.yaml", e.Message);
        AssertNoCredential(e);
    }

    [Fact]
    public async Task A_cluster_without_the_HTTPRoute_CRD_says_to_install_the_Gateway_API_and_changes_no_traffic()
    {
        using var h = new KubernetesAdapterHarness();
        h.Server.HttpRouteInstalled = false;
        await h.Adapter.DeployRevisionAsync(Target, new RevisionSpec("1.0.0"));
        h.Server.TakeWrites();
        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => h.Adapter.SetWeightsAsync(Target, TrafficSplit.AllTo("1.0.0")));
        Assert.Contains("does not serve HTTPRoute", e.Message);
        Assert.Contains("Gateway API CRDs", e.Message);
        Assert.Empty(h.Server.TakeWrites());
    }

    [Fact]
    public async Task An_unreachable_API_server_is_named_and_the_split_is_said_to_be_as_last_applied()
    {
        var port = Prometheus.PrometheusProcess.FreePort();
        var adapter = new KubernetesClusterAdapter([new KubernetesEnvironmentOptions { Environment = "prod" }],
            _ => new k8s.Kubernetes(new KubernetesClientConfiguration { Host = $"http://127.0.0.1:{port}", AccessToken = Token }));
        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => adapter.SetWeightsAsync(Target, TrafficSplit.AllTo("1.0.0")));
        Assert.Contains("unreachable", e.Message);
        Assert.Contains("as last applied", e.Message);
        AssertNoCredential(e);
    }

    [Fact]
    public async Task The_fake_refuses_an_apply_with_a_stale_resourceVersion_as_the_API_server_does()
    {
        using var h = new KubernetesAdapterHarness();
        await h.Adapter.DeployRevisionAsync(Target, new RevisionSpec("1.0.0"));
        var name = KubernetesManifests.DeploymentName(Target, "1.0.0");
        using var http = new HttpClient { BaseAddress = new Uri(h.Server.Url) };
        using var stale = new StringContent($$$"""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"{{{name}}}","resourceVersion":"1"},"spec":{"replicas":3}}""");
        stale.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/apply-patch+yaml");
        var response = await http.PatchAsync($"{Deployments}/{name}?fieldManager=other", stale);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("the object has been modified", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, (await h.Adapter.GetRevisionAsync(Target, "1.0.0"))!.DesiredInstances);
    }

    [Fact]
    public async Task An_environment_without_a_connection_is_refused()
    {
        using var h = new KubernetesAdapterHarness();
        var e = await Assert.ThrowsAsync<Core.Domain.InvalidInputException>(() => h.Adapter.GetServiceAsync(new ServiceEnvironment("checkout", "dev")));
        Assert.Contains("no Kubernetes connection", e.Message);
    }
}
