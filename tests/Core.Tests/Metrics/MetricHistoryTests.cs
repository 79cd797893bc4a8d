using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Metrics;
using OpsConsole.Core.Tests.Shared;
using static OpsConsole.Core.Tests.Metrics.MetricTestData;

namespace OpsConsole.Core.Tests.Metrics;

public sealed class MetricHistoryTests : IAsyncLifetime
{
    private static readonly ServiceEnvironment Checkout = new("checkout", "prod");
    private TestStore _store = default!;

    public async Task InitializeAsync() => _store = await TestStore.CreateAsync();

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task A_range_sums_the_revisions_per_step_and_weights_their_percentiles_by_requests()
    {
        await StoreAsync(_store,
            Point("stable", Noon, 90, 0, 10, 20, 30),
            Point("canary", Noon, 10, 5, 110, 120, 130),
            Point("stable", Noon.AddSeconds(10), 100, 1, 10, 20, 30),
            Point("canary", Noon.AddSeconds(10), 0, 0),
            // Another target and a point past the range do not count.
            Point("stable", Noon, 1000, 1000, service: "payments"),
            Point("stable", Noon.AddSeconds(20), 1000, 1000));

        var points = await History(_store).RangeAsync(Checkout, Noon, Noon.AddSeconds(20), TimeSpan.FromSeconds(10));

        Assert.Equal(2, points.Count);
        var first = points[0];
        Assert.Equal(new DateTimeOffset(Noon), first.At);
        Assert.Null(first.Revision);
        Assert.Equal(100, first.Requests);
        Assert.Equal(5, first.Errors5xx);
        Assert.Equal(10.0, first.RequestsPerSecond, 9);
        Assert.Equal(0.05, first.ErrorRatio!.Value, 9);
        Assert.Equal(0.9 * 10 + 0.1 * 110, first.LatencyP50Ms!.Value, 9);
        Assert.Equal(0.9 * 30 + 0.1 * 130, first.LatencyP99Ms!.Value, 9);
        // The canary saw nothing in the second step: it does not pull the percentiles down.
        Assert.Equal(30, points[1].LatencyP99Ms!.Value, 9);
    }

    [Fact]
    public async Task Wider_steps_merge_stored_steps_and_the_rate_counts_only_measured_seconds()
    {
        await StoreAsync(_store,
            Point("stable", Noon, 100, 10, 10, 10, 10),
            Point("stable", Noon.AddSeconds(10), 300, 0, 20, 20, 20),
            // 12:00:20 was not measured (the console was down).
            Point("stable", Noon.AddSeconds(30), 50, 50, 50, 50, 50));

        var points = await History(_store).RangeAsync(Checkout, Noon, Noon.AddMinutes(1), TimeSpan.FromSeconds(30));

        Assert.Equal([new DateTimeOffset(Noon), new DateTimeOffset(Noon.AddSeconds(30))], points.Select(p => p.At));
        Assert.Equal(400, points[0].Requests);
        Assert.Equal(400 / 20.0, points[0].RequestsPerSecond, 9);
        Assert.Equal((100 * 10 + 300 * 20) / 400.0, points[0].LatencyP90Ms!.Value, 9);
        Assert.Equal(1.0, points[1].ErrorRatio);
    }

    [Fact]
    public async Task Per_revision_series_keep_the_revisions_apart()
    {
        await StoreAsync(_store,
            Point("1-0-0", Noon, 90, 0, 10, 20, 30),
            Point("1-1-0", Noon, 10, 5, 110, 120, 130));

        var series = await History(_store).RangeByRevisionAsync(Checkout, Noon.AddMinutes(-1), Noon.AddMinutes(1), TimeSpan.FromSeconds(10));

        Assert.Equal(["1-0-0", "1-1-0"], series.Select(p => p.Revision));
        Assert.Equal(0.5, series[1].ErrorRatio);
        Assert.Equal(130, series[1].LatencyP99Ms);
    }

    [Fact]
    public async Task A_step_finer_than_the_rolled_up_points_in_the_range_becomes_five_minutes()
    {
        await StoreAsync(_store,
            Point("stable", Noon, 3000, 30, stepSeconds: 300),
            Point("stable", Noon.AddMinutes(5), 600, 6, stepSeconds: 300));

        var series = await History(_store).SeriesAsync(Checkout, Noon, Noon.AddMinutes(10), TimeSpan.FromSeconds(10));

        Assert.Equal(TimeSpan.FromMinutes(5), series.Step);
        Assert.Equal([3000L, 600L], series.Overall.Select(p => p.Requests));
        Assert.Equal(10.0, series.Overall[0].RequestsPerSecond, 9);
        Assert.Equal(TimeSpan.FromSeconds(30), MetricHistory.EffectiveStep(TimeSpan.FromSeconds(25), []));
    }

    [Fact]
    public async Task Totals_count_requests_errors_and_those_slower_than_a_bound_exactly()
    {
        // 250 ms is bound index 8.
        Assert.Equal(250, MetricBounds.LatencyBoundsMs[8]);
        var a = Slower(100, 10);
        var b = Slower(50, 5);
        await StoreAsync(_store,
            Point("stable", Noon, 1000, 10, slower: a),
            Point("canary", Noon, 500, 50, slower: b),
            Point("stable", Noon.AddDays(-3), 7000, 70, slower: a, stepSeconds: 300),
            Point("stable", Noon.AddDays(-40), 1, 1, slower: a, stepSeconds: 300));

        var history = History(_store);
        var totals = await history.TotalsAsync(Checkout, Noon.AddDays(-7), Noon.AddMinutes(1), 250);

        Assert.Equal(8500, totals.Requests);
        Assert.Equal(130, totals.Errors5xx);
        Assert.Equal(a[8] * 2 + b[8], totals.SlowerThanThreshold);
        Assert.Equal((double)(a[8] * 2 + b[8]) / 8500, totals.SlowRatio!.Value, 9);
        Assert.Equal(0, (await history.TotalsAsync(Checkout, Noon.AddDays(-7), Noon.AddMinutes(1))).SlowerThanThreshold);

        var nothing = await history.TotalsAsync(new ServiceEnvironment("checkout", "dev"), Noon.AddDays(-7), Noon, 250);
        Assert.Equal(default, nothing);
        Assert.Null(nothing.ErrorRatio);

        var refused = await Assert.ThrowsAsync<InvalidInputException>(() => history.TotalsAsync(Checkout, Noon.AddDays(-7), Noon, 240));
        Assert.Contains("250", refused.Message);
    }
}
