using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Egress;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Rollouts.Analysis;

namespace OpsConsole.Cluster.Tests.Rollouts;

/// <summary>HTTP analysis checks under the egress policy, wired as the console wires them, against the real local cluster.</summary>
public sealed class HttpCheckOnLocalClusterTests
{
    [Fact]
    public async Task A_check_through_the_clusters_own_ingress_reaches_the_workload_while_an_instances_own_loopback_port_stays_blocked()
    {
        var target = new ServiceEnvironment("checkout", "dev");
        await using var cluster = new TestCluster();
        var revision = await cluster.DeployReadyAsync(target, new RevisionSpec("1.0.0"));
        await cluster.Adapter.SetWeightsAsync(target, TrafficSplit.AllTo("1.0.0"));
        var ingress = await cluster.EndpointAsync(target);

        var services = new ServiceCollection();
        services.AddSingleton(new EgressPolicy(null, () => cluster.Adapter.IngressEndpoints));
        services.AddEgressHttpClient(ClusterMetricProvider.HttpClientName, TimeSpan.FromSeconds(5));
        await using var provider = services.BuildServiceProvider();
        var metrics = new ClusterMetricProvider(cluster.Adapter, provider.GetRequiredService<IHttpClientFactory>());
        AnalysisMetric Check(string url) => new() { Name = "remote", Source = MetricSource.HttpJson, Url = url, JsonPath = "$.version", SuccessCondition = "result > 0" };

        foreach (var url in new[] { new Uri(ingress, "/").ToString(), $"http://localhost:{ingress.Port}/" })
        {
            var before = cluster.Adapter.GetTotals(target, "1.0.0").Requests;
            var value = await metrics.MeasureAsync(Check(url), target, "1.0.0", CancellationToken.None);
            // The workload answers {"version":"1.0.0"}: reached, though that is no number.
            Assert.Contains("No number at $.version", value.Error);
            Assert.Equal(before + 1, cluster.Adapter.GetTotals(target, "1.0.0").Requests);
        }

        var instance = revision.Instances[0].Address!;
        var direct = await metrics.MeasureAsync(Check(new Uri(instance, "/").ToString()), target, "1.0.0", CancellationToken.None);
        Assert.Contains("blocked", direct.Error);
    }
}
