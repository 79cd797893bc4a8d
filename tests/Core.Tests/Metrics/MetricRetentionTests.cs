using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Metrics;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Tests.Shared;
using static OpsConsole.Core.Tests.Metrics.MetricTestData;

namespace OpsConsole.Core.Tests.Metrics;

public sealed class MetricRetentionTests : IAsyncLifetime
{
    private static readonly ServiceEnvironment Checkout = new("checkout", "prod");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(Noon.AddDays(1).AddMinutes(2).AddSeconds(3)));
    private TestStore _store = default!;

    public async Task InitializeAsync() => _store = await TestStore.CreateAsync();

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private MetricRetention Retention() => new(_store.Services.GetRequiredService<IDbContextFactory<OpsDbContext>>(), _clock);

    private async Task<List<MetricPoint>> StoredAsync()
    {
        await using var db = _store.NewContext();
        var points = await db.MetricPoints.OrderBy(p => p.StepSeconds).ThenBy(p => p.BucketStart).ThenBy(p => p.Revision).ToListAsync();
        foreach (var p in points) MetricStore.Load(db, p);
        return points;
    }

    [Fact]
    public async Task Ten_second_points_older_than_a_day_become_five_minute_points_that_add_up_to_the_same()
    {
        // A day ago is 12:02:03; the 5 min steps wholly before 12:00 are rolled up, 12:00 onwards stays at 10 s.
        var points = new List<MetricPoint>();
        for (var t = Noon.AddMinutes(-10); t < Noon.AddMinutes(5); t = t.AddSeconds(10))
        {
            var i = (int)(t - Noon.AddMinutes(-10)).TotalSeconds / 10;
            points.Add(Point("stable", t, 100 + i, i % 3, 10 + i, 20 + i, 30 + i, Slower(20 + i, 1)));
            points.Add(Point("canary", t, 10, 1, 100, 200, 300, Slower(5, 1)));
        }
        await StoreAsync(_store, [.. points]);
        var history = History(_store);
        var before = await history.TotalsAsync(Checkout, Noon.AddHours(-1), Noon.AddHours(1), 100);

        var result = await Retention().RunAsync();

        // Two 5 min steps (11:50, 11:55) of 30 points each, for two revisions.
        Assert.Equal(120, result.FinePointsRolledUp);
        Assert.Equal(4, result.CoarsePointsWritten);
        var stored = await StoredAsync();
        Assert.Equal(60, stored.Count(p => p.StepSeconds == 10));
        Assert.All(stored.Where(p => p.StepSeconds == 10), p => Assert.True(p.BucketStart >= Noon));
        var coarse = stored.Where(p => p.StepSeconds == 300).ToList();
        Assert.Equal([Noon.AddMinutes(-10), Noon.AddMinutes(-10), Noon.AddMinutes(-5), Noon.AddMinutes(-5)], coarse.Select(p => p.BucketStart));

        var firstStable = coarse.Single(p => p.Revision == "stable" && p.BucketStart == Noon.AddMinutes(-10));
        var source = points.Where(p => p.Revision == "stable" && p.BucketStart < Noon.AddMinutes(-5)).ToList();
        Assert.Equal(source.Sum(p => p.Requests), firstStable.Requests);
        Assert.Equal(source.Sum(p => p.Errors5xx), firstStable.Errors5xx);
        Assert.Equal(source.Sum(p => p.Requests * p.LatencyP99Ms!.Value) / source.Sum(p => p.Requests), firstStable.LatencyP99Ms!.Value, 6);
        Assert.Equal(source.Sum(p => p.SlowerThan![5]), firstStable.SlowerThan![5]);

        // Nothing counted twice or lost, and the history reads across both resolutions.
        Assert.Equal(before, await history.TotalsAsync(Checkout, Noon.AddHours(-1), Noon.AddHours(1), 100));
        var series = await history.SeriesAsync(Checkout, Noon.AddMinutes(-10), Noon.AddMinutes(5), TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromMinutes(5), series.Step);
        Assert.Equal(points.Sum(p => p.Requests), series.Overall.Sum(p => p.Requests));

        // A second pass at the same time finds nothing more to do.
        Assert.Equal(new RetentionResult(0, 0, 0), await Retention().RunAsync());
    }

    [Fact]
    public async Task A_step_missing_its_latency_counts_rolls_up_without_them()
    {
        await StoreAsync(_store,
            Point("stable", Noon.AddMinutes(-5), 10, 0, slower: Slower(3, 1)),
            Point("stable", Noon.AddMinutes(-5).AddSeconds(10), 10, 0, slower: null));

        await Retention().RunAsync();

        var rolled = Assert.Single(await StoredAsync());
        Assert.Equal(20, rolled.Requests);
        Assert.Null(rolled.SlowerThan);
    }

    [Fact]
    public async Task Five_minute_points_older_than_thirty_days_are_deleted_as_time_passes()
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        await StoreAsync(_store,
            Point("stable", now.AddDays(-31), 1, 0, stepSeconds: 300),
            Point("stable", now.AddDays(-29), 2, 0, stepSeconds: 300),
            Point("stable", now.AddDays(-1).AddHours(2), 3, 0));

        Assert.Equal(1, (await Retention().RunAsync()).CoarsePointsDeleted);
        Assert.Equal([2L, 3L], (await StoredAsync()).Select(p => p.Requests).Order());

        _clock.Advance(TimeSpan.FromDays(2));
        var result = await Retention().RunAsync();

        Assert.Equal(1, result.CoarsePointsDeleted);
        Assert.Equal(1, result.FinePointsRolledUp);
        var left = Assert.Single(await StoredAsync());
        Assert.Equal((300, 3L), (left.StepSeconds, left.Requests));
    }
}
