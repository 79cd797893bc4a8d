using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Metrics;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Tests.Shared;
using static OpsConsole.Core.Tests.Metrics.MetricTestData;

namespace OpsConsole.Core.Tests.Metrics;

public sealed class MetricSamplerTests : IAsyncLifetime
{
    private static readonly ServiceEnvironment Checkout = new("checkout", "prod");
    private static readonly ServiceEnvironment Payments = new("payments", "dev");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(Noon.AddMilliseconds(50)));
    private TestStore _store = default!;
    private InMemoryClusterAdapter _cluster = default!;
    private readonly MetricUpdates _updates = new();

    public async Task InitializeAsync()
    {
        _store = await TestStore.CreateAsync();
        _cluster = new InMemoryClusterAdapter(_clock);
        await _cluster.DeployRevisionAsync(Checkout, new RevisionSpec("1.0.0"));
        await _cluster.DeployRevisionAsync(Checkout, new RevisionSpec("1.1.0"));
        await _cluster.DeployRevisionAsync(Payments, new RevisionSpec("2.0.0"));
        _cluster.Traffic = (target, revision, now, window) => new RevisionMetrics(target, revision, now - window, now,
            revision == "1.1.0" ? 40 : 100, revision == "1.1.0" ? 20 : 1, 12, 40, 90)
        { SlowerThan = Slower(revision == "1.1.0" ? 30 : 10, 1) };
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private MetricSampler Sampler() => new(_cluster, _store.Services.GetRequiredService<IDbContextFactory<OpsDbContext>>(), _updates, _clock);

    [Fact]
    public async Task A_tick_stores_every_revision_of_every_target_for_the_step_that_just_ended_and_tells_live_pages()
    {
        var ticks = new List<MetricTick>();
        using var _ = _updates.Subscribe(ticks.Add);

        Assert.Equal(3, await Sampler().SampleAsync());

        await using (var db = _store.NewContext())
        {
            var rows = await db.MetricPoints.OrderBy(p => p.Service).ThenBy(p => p.Revision).ToListAsync();
            Assert.Equal(["checkout/1.0.0", "checkout/1.1.0", "payments/2.0.0"], rows.Select(r => $"{r.Service}/{r.Revision}"));
            Assert.All(rows, r => Assert.Equal((Noon.AddSeconds(-10), 10), (r.BucketStart, r.StepSeconds)));
            Assert.Equal((40L, 20L, 90.0), (rows[1].Requests, rows[1].Errors5xx, rows[1].LatencyP99Ms!.Value));
            MetricStore.Load(db, rows[1]);
            Assert.Equal(Slower(30, 1), rows[1].SlowerThan);
        }
        var tick = Assert.Single(ticks);
        Assert.Equal(new DateTimeOffset(Noon.AddSeconds(-10)), tick.BucketStart);
        Assert.Equal([Checkout, Payments], tick.Targets.OrderBy(t => t.Service));

        var totals = await History(_store).TotalsAsync(Checkout, Noon.AddMinutes(-1), Noon, 25);
        Assert.Equal(new SliTotals(140, 21, Slower(10, 1)[2] + Slower(30, 1)[2]), totals);
    }

    [Fact]
    public async Task A_second_tick_within_the_same_step_writes_nothing_and_the_next_step_gets_its_own_rows()
    {
        var sampler = Sampler();
        Assert.Equal(3, await sampler.SampleAsync());
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, await sampler.SampleAsync());
        _clock.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(3, await sampler.SampleAsync());

        var series = await History(_store).RangeAsync(Checkout, Noon.AddMinutes(-1), Noon.AddMinutes(1), TimeSpan.FromSeconds(10));
        Assert.Equal([140L, 140L], series.Select(p => p.Requests));
        Assert.Equal(14.0, series[0].RequestsPerSecond, 9);
    }

    [Fact]
    public async Task A_cluster_that_counts_no_latency_bounds_stores_none_rather_than_zeros()
    {
        _cluster.Traffic = (target, revision, now, window) => new RevisionMetrics(target, revision, now - window, now, 10, 0, 5, 6, 7);

        await Sampler().SampleAsync();

        await using var db = _store.NewContext();
        var row = await db.MetricPoints.FirstAsync();
        MetricStore.Load(db, row);
        Assert.Null(row.SlowerThan);
    }
}
