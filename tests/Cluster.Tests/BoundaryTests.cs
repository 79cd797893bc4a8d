using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Local;
using OpsConsole.Core.Domain;

namespace OpsConsole.Cluster.Tests;

/// <summary>The boundary's value types and the validation every adapter relies on (no processes).</summary>
public sealed class BoundaryTests
{
    [Fact]
    public void A_revision_is_named_by_its_version_and_config_but_not_its_instance_count()
    {
        var plain = new RevisionSpec("1.1.0", 2);
        Assert.Equal("1.1.0", plain.Name);
        var a = new RevisionSpec("1.1.0", 1, new Dictionary<string, string> { ["A"] = "1", ["B"] = "2" });
        var b = new RevisionSpec("1.1.0", 3, new Dictionary<string, string> { ["B"] = "2", ["A"] = "1" });
        var c = new RevisionSpec("1.1.0", 1, new Dictionary<string, string> { ["A"] = "1", ["B"] = "3" });
        Assert.Equal(a.Name, b.Name);
        Assert.NotEqual(a.Name, c.Name);
        Assert.Matches("^1\\.1\\.0-[0-9a-f]{8}$", a.Name);
        Assert.Equal(a.Name, a.WithInstances(5).Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1.0")]
    [InlineData("1.0 beta")]
    [InlineData("1/0")]
    public void Invalid_versions_are_refused(string version) =>
        Assert.Throws<InvalidInputException>(() => new RevisionSpec(version));

    [Theory]
    [InlineData("PORT")]
    [InlineData("SERVICE_VERSION")]
    [InlineData("ASPNETCORE_URLS")]
    [InlineData("DOTNET_gcServer")]
    [InlineData("1ABC")]
    [InlineData("A-B")]
    public void Config_may_not_set_what_the_cluster_sets_or_invalid_names(string key) =>
        Assert.Throws<InvalidInputException>(() => new RevisionSpec("1.0.0", 1, new Dictionary<string, string> { [key] = "x" }));

    [Fact]
    public void Instance_counts_out_of_range_are_refused()
    {
        Assert.Throws<InvalidInputException>(() => new RevisionSpec("1.0.0", -1));
        Assert.Throws<InvalidInputException>(() => new RevisionSpec("1.0.0", RevisionSpec.MaxInstances + 1));
    }

    [Theory]
    [InlineData("Checkout", "prod")]
    [InlineData("checkout", "")]
    [InlineData("check_out", "prod")]
    [InlineData("checkout-", "prod")]
    public void Service_and_environment_names_are_dns_labels(string service, string environment) =>
        Assert.Throws<InvalidInputException>(() => new ServiceEnvironment(service, environment));

    [Fact]
    public void A_target_round_trips_through_its_text_form()
    {
        var target = ServiceEnvironment.Parse("checkout/prod");
        Assert.Equal(new ServiceEnvironment("checkout", "prod"), target);
        Assert.Equal("checkout/prod", target.ToString());
        Assert.Throws<InvalidInputException>(() => ServiceEnvironment.Parse("checkout"));
    }

    [Fact]
    public void Weights_must_be_percents_summing_to_100()
    {
        Assert.Throws<InvalidInputException>(() => new TrafficSplit(new Dictionary<string, int> { ["a"] = 80, ["b"] = 30 }));
        Assert.Throws<InvalidInputException>(() => new TrafficSplit(new Dictionary<string, int> { ["a"] = 120, ["b"] = -20 }));
        Assert.Throws<InvalidInputException>(() => new TrafficSplit(new Dictionary<string, int>()));
        var split = TrafficSplit.Canary("1.0.0", "1.1.0", 25);
        Assert.Equal(75, split.WeightOf("1.0.0"));
        Assert.Equal(25, split.WeightOf("1.1.0"));
        Assert.Equal(0, split.WeightOf("other"));
        Assert.Equal(split, new TrafficSplit(new Dictionary<string, int> { ["1.1.0"] = 25, ["1.0.0"] = 75, ["old"] = 0 }));
        Assert.Single(TrafficSplit.Canary("1.0.0", "1.0.0", 30).Weights);
    }

    [Fact]
    public async Task Writes_name_what_is_wrong_and_change_nothing()
    {
        await using var cluster = new TestCluster();
        var target = new ServiceEnvironment("checkout", "dev");
        await Assert.ThrowsAsync<NotFoundException>(() => cluster.Adapter.SetWeightsAsync(target, TrafficSplit.AllTo("1.0.0")));
        await cluster.Adapter.DeployRevisionAsync(target, new RevisionSpec("1.0.0", 0));
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => cluster.Adapter.SetWeightsAsync(target, TrafficSplit.Canary("1.0.0", "1.1.0", 10)));
        Assert.Contains("'1.1.0' is not deployed", e.Message);
        await Assert.ThrowsAsync<InvalidInputException>(() => cluster.Adapter.SetHeaderRoutesAsync(target, [HeaderRoute.Preview("1.1.0")]));
        var state = await cluster.Adapter.GetServiceAsync(target);
        Assert.Null(state!.Routing.Weights);
        Assert.Empty(state.Routing.HeaderRoutes);
        var metrics = await cluster.Adapter.GetRevisionMetricsAsync(target, "nope", TimeSpan.FromSeconds(10));
        Assert.Equal(0, metrics.Requests);
        Assert.Null(metrics.ErrorRate);
    }

    [Fact]
    public void Latency_percentiles_come_from_the_histogram_within_its_resolution()
    {
        var counts = new long[LatencyHistogram.Bins];
        // 1..1000 ms, one request each.
        for (var ms = 1; ms <= 1000; ms++) counts[LatencyHistogram.BinOf(ms)]++;
        var p50 = LatencyHistogram.Quantile(counts, 1000, 0.50)!.Value;
        var p90 = LatencyHistogram.Quantile(counts, 1000, 0.90)!.Value;
        var p99 = LatencyHistogram.Quantile(counts, 1000, 0.99)!.Value;
        Assert.InRange(p50, 500 * 0.9, 500 * 1.1);
        Assert.InRange(p90, 900 * 0.9, 900 * 1.1);
        Assert.InRange(p99, 990 * 0.9, 990 * 1.1);
        Assert.Null(LatencyHistogram.Quantile(counts, 0, 0.5));
        Assert.Equal(LatencyHistogram.Bins - 1, LatencyHistogram.BinOf(10_000_000));
        Assert.Equal(0, LatencyHistogram.BinOf(0));
    }

    [Fact]
    public void The_metrics_window_counts_only_recent_seconds()
    {
        var traffic = new RevisionTraffic(new ServiceEnvironment("a", "b"), "1.0.0", TimeSpan.FromMinutes(1));
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        traffic.Record(now.AddSeconds(-30), 200, 5);
        traffic.Record(now.AddSeconds(-3), 500, 5);
        traffic.Record(now.AddSeconds(-1), 200, 5);
        traffic.Record(now, 200, 5);
        var recent = traffic.Read(now, TimeSpan.FromSeconds(5));
        Assert.Equal(3, recent.Requests);
        Assert.Equal(1, recent.Errors5xx);
        Assert.Equal(4, traffic.Read(now, TimeSpan.FromMinutes(1)).Requests);
        // A minute later the ring slot of "now" is reused for new traffic, not added to.
        traffic.Record(now.AddSeconds(61), 200, 5);
        Assert.Equal(1, traffic.Read(now.AddSeconds(61), TimeSpan.FromSeconds(1)).Requests);
    }
}
