using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Local;

namespace OpsConsole.Cluster.Tests;

public sealed class LocalClusterServicesTests
{
    [Fact]
    public async Task The_host_creates_the_cluster_at_start_and_stops_its_processes_at_stop()
    {
        var data = Path.Combine(Path.GetTempPath(), "opsconsole-cluster-tests", Guid.NewGuid().ToString("N"));
        var services = new ServiceCollection().AddLogging().AddLocalCluster(_ => TestCluster.Options(data));
        await using var provider = services.BuildServiceProvider();
        var lifetime = provider.GetServices<IHostedService>().Single();

        await lifetime.StartAsync(CancellationToken.None);
        var cluster = provider.GetRequiredService<IClusterAdapter>();
        Assert.Same(provider.GetRequiredService<LocalClusterAdapter>(), cluster);
        Assert.Same(provider.GetRequiredService<TrafficGenerator>(), provider.GetRequiredService<ITrafficGenerator>());
        // The data folder is taken from the start on.
        Assert.Throws<InvalidOperationException>(() => new LocalClusterAdapter(TestCluster.Options(data)));

        var target = new ServiceEnvironment("checkout", "dev");
        await cluster.DeployRevisionAsync(target, new RevisionSpec("1.0.0"));
        var pid = (await cluster.GetInstanceHealthAsync(target, "1.0.0")).Single().ProcessId!.Value;
        Assert.True(TestCluster.IsAlive(pid));

        await lifetime.StopAsync(CancellationToken.None);
        Assert.False(TestCluster.IsAlive(pid));
        // The folder is free again for the next console.
        await using (new LocalClusterAdapter(TestCluster.Options(data))) { }
        Directory.Delete(data, recursive: true);
    }
}

public sealed class FakeClockTests
{
    [Fact]
    public async Task A_fake_clock_stamps_the_metrics_but_does_not_freeze_supervision()
    {
        var fake = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
        var data = Path.Combine(Path.GetTempPath(), "opsconsole-cluster-tests", Guid.NewGuid().ToString("N"));
        await using (var cluster = new LocalClusterAdapter(TestCluster.Options(data), time: fake))
        {
            var target = new ServiceEnvironment("checkout", "dev");
            await cluster.DeployRevisionAsync(target, new RevisionSpec("1.0.0"));
            // The fake clock never moves, yet the instance is probed and becomes healthy.
            await Eventually.TrueAsync(async () => (await cluster.GetInstanceHealthAsync(target, "1.0.0")).Single().State == InstanceState.Healthy,
                TimeSpan.FromSeconds(60), () => "instance healthy");
            await cluster.SetWeightsAsync(target, TrafficSplit.AllTo("1.0.0"));
            using var http = new HttpClient();
            var endpoint = (await cluster.GetServiceAsync(target))!.Endpoint!;
            for (var i = 0; i < 5; i++) (await http.GetAsync(endpoint)).EnsureSuccessStatusCode();

            var metrics = await cluster.GetRevisionMetricsAsync(target, "1.0.0", TimeSpan.FromSeconds(10));
            Assert.Equal(5, metrics.Requests);
            Assert.Equal(fake.GetUtcNow(), metrics.To);
            fake.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal(0, (await cluster.GetRevisionMetricsAsync(target, "1.0.0", TimeSpan.FromSeconds(10))).Requests);
        }
        Directory.Delete(data, recursive: true);
    }
}
