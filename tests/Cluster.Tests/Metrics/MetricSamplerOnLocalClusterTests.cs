using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Local;
using OpsConsole.Core.Metrics;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Cluster.Tests.Metrics;

/// <summary>The sampler against real workload processes behind the local ingress, into a real SQLite store.</summary>
public sealed class MetricSamplerOnLocalClusterTests : IAsyncLifetime
{
    private static readonly ServiceEnvironment Checkout = new("checkout", "dev");
    private readonly string _storePath = Path.Combine(Path.GetTempPath(), $"opsconsole-metrics-{Guid.NewGuid():N}.db");
    private Factory _db = default!;

    public async Task InitializeAsync()
    {
        _db = new Factory(new DbContextOptionsBuilder<OpsDbContext>().UseSqlite($"Data Source={_storePath};Pooling=False").Options);
        await using var db = _db.CreateDbContext();
        await db.Database.MigrateAsync();
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { File.Delete(_storePath); } catch (IOException) { }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_revision_failing_half_its_requests_shows_about_half_5xx_in_the_stored_history()
    {
        await using var cluster = new TestCluster();
        var faulty = new RevisionSpec("1.2.0", 1, new Dictionary<string, string> { ["FAULT_ERROR_RATE"] = "0.5" });
        await cluster.DeployReadyAsync(Checkout, faulty);
        await cluster.Adapter.SetWeightsAsync(Checkout, TrafficSplit.AllTo(faulty.Name));
        var updates = new MetricUpdates();
        var ticks = new List<MetricTick>();
        using var _ = updates.Subscribe(ticks.Add);
        var sampler = new MetricSampler(cluster.Adapter, _db, updates, TimeProvider.System);

        var sending = Stopwatch.StartNew();
        var answers = await cluster.SendAsync(Checkout, 300);
        sending.Stop();
        Assert.Equal(1, await sampler.SampleAsync());

        var now = DateTimeOffset.UtcNow;
        var history = new MetricHistory(_db);
        var totals = await history.TotalsAsync(Checkout, now.AddMinutes(-1), now.AddMinutes(1), 10000);
        // The tick reads the last 10 s: all of them when they were sent within it.
        if (sending.Elapsed < TimeSpan.FromSeconds(9)) Assert.Equal(300, totals.Requests);
        Assert.InRange(totals.Requests, 100, 300);
        // Half of the requests (standard deviation about 9 in 300): four deviations either way.
        Assert.InRange(totals.ErrorRatio!.Value, 0.38, 0.62);
        Assert.Equal(answers.Any(a => a.Status == 500), totals.Errors5xx > 0);
        Assert.Equal(0, totals.SlowerThanThreshold);

        var point = Assert.Single(await history.RangeAsync(Checkout, now.AddMinutes(-1), now.AddMinutes(1), TimeSpan.FromSeconds(10)));
        Assert.Equal(totals.Requests, point.Requests);
        Assert.NotNull(point.LatencyP99Ms);
        Assert.Equal([Checkout], Assert.Single(ticks).Targets);
    }

    [Fact]
    public void The_ingress_counts_requests_slower_than_each_latency_bound_exactly()
    {
        var traffic = new RevisionTraffic(Checkout, "1.0.0", TimeSpan.FromMinutes(1));
        var now = DateTimeOffset.UtcNow;
        foreach (var ms in new[] { 3, 5, 5.01, 250, 250.5, 20000 }) traffic.Record(now, 200, ms);

        var slower = traffic.Read(now, TimeSpan.FromSeconds(10)).SlowerThan!;

        var bounds = MetricBounds.LatencyBoundsMs;
        Assert.Equal(bounds.Count, slower.Count);
        Assert.Equal(4, slower[0]);                       // > 5 ms: 5.01, 250, 250.5, 20000
        Assert.Equal(2, slower[IndexOf(250)]);            // > 250 ms: 250.5, 20000
        Assert.Equal(3, slower[IndexOf(200)]);
        Assert.Equal(1, slower[IndexOf(10000)]);
    }

    private static int IndexOf(double bound) => MetricBounds.LatencyBoundsMs.ToList().IndexOf(bound);

    private sealed class Factory(DbContextOptions<OpsDbContext> options) : IDbContextFactory<OpsDbContext>
    {
        public OpsDbContext CreateDbContext() => new(options);
    }
}
