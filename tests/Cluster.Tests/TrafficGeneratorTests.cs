using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Local;

namespace OpsConsole.Cluster.Tests;

public sealed class TrafficGeneratorTests
{
    [Fact]
    public async Task The_generator_sends_the_set_rate_through_the_ingress_and_stops_when_told()
    {
        await using var cluster = new TestCluster();
        var target = new ServiceEnvironment("catalog", "prod");
        await cluster.DeployReadyAsync(target, new RevisionSpec("1.0.0"));
        await cluster.DeployReadyAsync(target, new RevisionSpec("1.1.0"));
        await cluster.Adapter.SetWeightsAsync(target, TrafficSplit.AllTo("1.0.0"));
        await cluster.Adapter.SetPreviewAsync(target, "1.1.0");
        await using var generator = new TrafficGenerator(cluster.Adapter);

        var started = DateTimeOffset.UtcNow;
        generator.SetLoad(target, new TrafficLoad(RequestsPerSecond: 40, PreviewRequestsPerSecond: 10));
        await Eventually.TrueAsync(async () => cluster.Adapter.GetTotals(target, "1.1.0").Requests >= 10,
            TimeSpan.FromSeconds(20), () => $"preview got {cluster.Adapter.GetTotals(target, "1.1.0").Requests} requests");
        var elapsed = DateTimeOffset.UtcNow - started;
        var plain = cluster.Adapter.GetTotals(target, "1.0.0").Requests;
        var preview = cluster.Adapter.GetTotals(target, "1.1.0").Requests;
        // About four plain requests per preview one, at about the set rate.
        Assert.InRange(plain, 2 * preview, 8 * preview);
        Assert.True(plain <= 40 * elapsed.TotalSeconds + 10, $"{plain} plain requests in {elapsed.TotalSeconds:0.0} s is above 40 per second");
        var status = Assert.Single(generator.Status());
        Assert.Equal(target, status.Target);
        Assert.Equal(0, status.Failed);

        generator.Stop(target);
        Assert.Empty(generator.Status());
        await Task.Delay(500); // let requests in flight land
        var afterStop = cluster.Adapter.GetTotals(target, "1.0.0").Requests;
        await Task.Delay(700);
        Assert.Equal(afterStop, cluster.Adapter.GetTotals(target, "1.0.0").Requests);
    }

    [Fact]
    public void Rates_out_of_range_are_refused()
    {
        using var generator = new TrafficGenerator(new NoCluster());
        Assert.Throws<OpsConsole.Core.Domain.InvalidInputException>(() => generator.SetLoad(new ServiceEnvironment("a", "b"), new TrafficLoad(-1)));
        Assert.Throws<OpsConsole.Core.Domain.InvalidInputException>(() => generator.SetLoad(new ServiceEnvironment("a", "b"), new TrafficLoad(5000)));
        generator.SetLoad(new ServiceEnvironment("a", "b"), new TrafficLoad(0));
        Assert.Empty(generator.Status());
    }

    private sealed class NoCluster : IClusterAdapter
    {
        public string Kind => "none";
        public Task<Revision> DeployRevisionAsync(ServiceEnvironment target, RevisionSpec spec, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<Revision> ScaleRevisionAsync(ServiceEnvironment target, string revision, int instances, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<TrafficRouting> SetWeightsAsync(ServiceEnvironment target, TrafficSplit split, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<TrafficRouting> SetHeaderRoutesAsync(ServiceEnvironment target, IReadOnlyList<HeaderRoute> routes, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<IReadOnlyList<InstanceHealth>> GetInstanceHealthAsync(ServiceEnvironment target, string revision, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<RevisionMetrics> GetRevisionMetricsAsync(ServiceEnvironment target, string revision, TimeSpan window, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<bool> RemoveRevisionAsync(ServiceEnvironment target, string revision, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<ServiceState?> GetServiceAsync(ServiceEnvironment target, CancellationToken ct = default) => Task.FromResult<ServiceState?>(null);
        public Task<IReadOnlyList<ServiceState>> ListServicesAsync(CancellationToken ct = default) => Task.FromResult<IReadOnlyList<ServiceState>>([]);
    }
}
