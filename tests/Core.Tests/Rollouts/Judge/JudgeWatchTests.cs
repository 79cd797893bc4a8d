using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts.Judge;

namespace OpsConsole.Core.Tests.Rollouts.Judge;

/// <summary>The judge's per-request watch: it asks for a pass the moment the canary crosses the abort boundary, and only then.</summary>
public sealed class JudgeWatchTests
{
    private static readonly ServiceEnvironment Target = new("checkout", "prod");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
    private readonly RolloutUpdates _updates = new();
    private readonly InMemoryClusterAdapter _cluster;
    private readonly JudgeWatch _watch;

    public JudgeWatchTests()
    {
        _cluster = new InMemoryClusterAdapter(_clock) { Samples = (_, _, _) => [] };
        _watch = new JudgeWatch(_updates, _clock);
    }

    private void Request(string revision, bool error) =>
        _cluster.ObservedRequests.Notify(Target, revision, new RequestSample(_clock.GetUtcNow(), 5, error));

    private void Follow(Guid run) => _watch.Follow(run, _cluster, Target, "1.1.0", "1.0.0-base", _clock.GetUtcNow(), new JudgeSpec(), verdict: null);

    [Fact]
    public async Task The_second_early_error_of_the_canary_wakes_the_reconciler_once()
    {
        var run = Guid.NewGuid();
        Follow(run);
        Request("1.1.0", error: true);
        Request("1.1.0", error: false);
        Assert.Equal(0, _watch.Wakes);
        Assert.False(_watch.TakeCrossed(run));

        Request("1.0.0-base", error: true); // the baseline's requests are not the canary's
        Request("1.1.0", error: true);
        Assert.Equal(1, _watch.Wakes);
        Assert.True(await _updates.WaitForWakeAsync(TimeSpan.Zero, CancellationToken.None));
        // Taken once by the pass that looks; a further error after that look asks again.
        Assert.True(_watch.TakeCrossed(run));
        Assert.False(_watch.TakeCrossed(run));
        Request("1.1.0", error: true);
        Assert.Equal(2, _watch.Wakes);
    }

    [Fact]
    public void A_healthy_canary_never_wakes_and_an_unfollowed_one_is_no_longer_counted()
    {
        var run = Guid.NewGuid();
        Follow(run);
        for (var i = 0; i < 500; i++) Request("1.1.0", error: false);
        Assert.Equal(0, _watch.Wakes);

        _watch.Unfollow(run);
        Assert.Equal(0, _watch.Following);
        for (var i = 0; i < 5; i++) Request("1.1.0", error: true);
        Assert.Equal(0, _watch.Wakes);
    }

    [Fact]
    public void Requests_before_it_was_followed_count_and_a_run_no_pass_looks_at_is_dropped()
    {
        var old = Guid.NewGuid();
        Follow(old);
        _clock.Advance(JudgeWatch.Stale + TimeSpan.FromSeconds(1));

        // The canary failed twice in its first three requests before the watch began: the first pass looks at once.
        _cluster.Samples = (_, revision, _) => revision == "1.1.0"
            ? [new RequestSample(_clock.GetUtcNow(), 5, true), new RequestSample(_clock.GetUtcNow(), 5, false), new RequestSample(_clock.GetUtcNow(), 5, true)]
            : [];
        var run = Guid.NewGuid();
        Follow(run);
        Assert.True(_watch.TakeCrossed(run));
        Assert.Equal(1, _watch.Following);
        Assert.False(_watch.TakeCrossed(old));
    }
}
