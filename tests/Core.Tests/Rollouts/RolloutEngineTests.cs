using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Rollouts.Analysis;

namespace OpsConsole.Core.Tests.Rollouts;

/// <summary>Every transition of the rollout state machine, on a fake cluster with fake time.</summary>
public sealed class RolloutEngineTests
{
    private static readonly ServiceEnvironment Checkout = new("checkout", "prod");
    private static readonly Actor OnCall = new("olga", new HashSet<string> { Roles.OnCall }, "c1");
    private static readonly Actor ReleaseManager = new("rita", new HashSet<string> { Roles.ReleaseManager }, "c2");

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryClusterAdapter _cluster;
    private readonly ScriptedMetrics _metrics = new();
    private readonly Templates _templates = new();
    private readonly RolloutEngine _engine;

    public RolloutEngineTests()
    {
        _cluster = new InMemoryClusterAdapter(_clock);
        _engine = new RolloutEngine(_cluster, new AnalysisRunner(_metrics, _clock), _templates, _clock);
        _templates.Add(new AnalysisTemplate
        {
            Name = "error-rate",
            Metrics = [new AnalysisMetric { Name = "error-rate", Interval = TimeSpan.FromSeconds(1), Count = 3, SuccessCondition = "result < 0.05" }],
        });
    }

    private sealed class ScriptedMetrics : IMetricProvider
    {
        public Queue<MetricValue> Next { get; } = new();
        public MetricValue Default { get; set; } = MetricValue.Of(0.0);
        public int Calls { get; private set; }

        public Task<MetricValue> MeasureAsync(AnalysisMetric metric, ServiceEnvironment target, string revision, CancellationToken ct)
        {
            Calls++;
            return Task.FromResult(Next.Count > 0 ? Next.Dequeue() : Default);
        }
    }

    private sealed class Templates : IAnalysisTemplates
    {
        private readonly Dictionary<string, AnalysisTemplate> _all = [];
        public void Add(AnalysisTemplate t) => _all[t.Name] = t;
        public AnalysisTemplate? Find(string name) => _all.GetValueOrDefault(name);
    }

    private async Task<Rollout> StartAsync(string strategyJson, string version = "1.1.0", Dictionary<string, string>? config = null)
    {
        await _cluster.DeployRevisionAsync(Checkout, new RevisionSpec("1.0.0"));
        await _cluster.SetWeightsAsync(Checkout, TrafficSplit.AllTo("1.0.0"));
        var now = _clock.GetUtcNow().UtcDateTime;
        var spec = new RevisionSpec(version, 1, config);
        return new Rollout
        {
            Service = Checkout.Service, Environment = Checkout.Environment, Version = version, Revision = spec.Name,
            ConfigJson = JsonSerializer.Serialize(config ?? []),
            StableRevision = "1.0.0", StableVersion = "1.0.0",
            StrategyJson = RolloutStrategy.Parse(JsonDocument.Parse(strategyJson).RootElement).ToJson(),
            CreatedBy = "olga", CreatedAt = now, AttemptStartedAt = now, StepStartedAt = now, UpdatedAt = now,
        };
    }

    /// <summary>Ticks once a second (the reconciler's pace) until the condition holds; collects the events.</summary>
    private async Task<List<RolloutEvent>> RunUntilAsync(Rollout r, Func<Rollout, bool> done, int maxTicks = 120)
    {
        var events = new List<RolloutEvent>();
        for (var i = 0; i < maxTicks && !done(r); i++)
        {
            events.AddRange(await _engine.TickAsync(r));
            if (done(r)) break;
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.True(done(r), $"not reached after {maxTicks} ticks: phase {r.Phase}, step {r.CurrentStepIndex}, {r.Message}");
        return events;
    }

    private const string Canary = """{"canary":{"steps":[{"setWeight":20},{"analysis":"error-rate"},{"setWeight":50},{"analysis":"error-rate"}]}}""";

    [Fact]
    public async Task A_healthy_canary_walks_its_steps_and_the_new_version_takes_all_traffic()
    {
        var r = await StartAsync(Canary);
        var events = await RunUntilAsync(r, x => x.Phase == RolloutPhase.Healthy);

        Assert.Equal(TrafficSplit.AllTo("1.1.0"), _cluster.WeightsOf(Checkout));
        Assert.Contains("weights 1.0.0=80%, 1.1.0=20%", _cluster.Calls);
        Assert.Contains("weights 1.0.0=50%, 1.1.0=50%", _cluster.Calls);
        Assert.Equal(4, events.Count(e => e.Type == EventTypes.RolloutStepChanged));
        var completed = Assert.Single(events, e => e.Type == EventTypes.DeployCompleted);
        Assert.Contains("Healthy", JsonSerializer.Serialize(completed.Data));
        Assert.Equal(2, r.AnalysisRuns.Count);
        Assert.All(r.AnalysisRuns, run => Assert.Equal(AnalysisPhase.Successful, run.Phase));
        Assert.All(r.AnalysisRuns, run => Assert.Equal(3, run.Measurements.Count));
        // Under a minute, unattended (1 s analysis interval, 3 measurements per analysis).
        Assert.True(r.CompletedAt - r.CreatedAt < TimeSpan.FromSeconds(60));

        // The old revision stays for the scale-down delay (30 s by default), then goes.
        Assert.NotNull(_cluster.InstancesOf(Checkout, "1.0.0"));
        _clock.Advance(TimeSpan.FromSeconds(29));
        await _engine.TickAsync(r);
        Assert.NotNull(_cluster.InstancesOf(Checkout, "1.0.0"));
        _clock.Advance(TimeSpan.FromSeconds(2));
        await _engine.TickAsync(r);
        Assert.Null(_cluster.InstancesOf(Checkout, "1.0.0"));
    }

    [Fact]
    public async Task A_failing_analysis_rolls_back_at_once_with_the_failing_measurements()
    {
        var r = await StartAsync(Canary, "1.2.0");
        _metrics.Default = MetricValue.Of(0.5);
        var events = await RunUntilAsync(r, x => x.IsFinished);

        Assert.Equal(RolloutPhase.Aborted, r.Phase);
        Assert.Equal(TrafficSplit.AllTo("1.0.0"), _cluster.WeightsOf(Checkout));
        Assert.Equal(0, _cluster.InstancesOf(Checkout, "1.2.0"));
        // The default failure limit is 0: the first failed measurement decides.
        Assert.Equal(1, _metrics.Calls);
        var rollback = Assert.Single(events, e => e.Type == EventTypes.RollbackExecuted);
        var json = JsonSerializer.Serialize(rollback.Data);
        Assert.Contains("automatic", json);
        Assert.Contains("error-rate", json);
        Assert.Contains("0.5", json);
        Assert.Single(events, e => e.Type == EventTypes.AnalysisFailed);
        Assert.Contains("Aborted", JsonSerializer.Serialize(Assert.Single(events, e => e.Type == EventTypes.DeployCompleted).Data));
    }

    [Fact]
    public async Task A_pause_without_duration_waits_for_promote()
    {
        var r = await StartAsync("""{"canary":{"steps":[{"setWeight":10},{"pause":{}},{"setWeight":100}]}}""");
        await RunUntilAsync(r, x => x.Phase == RolloutPhase.Paused);
        for (var i = 0; i < 5; i++) { _clock.Advance(TimeSpan.FromMinutes(10)); await _engine.TickAsync(r); }
        Assert.Equal(RolloutPhase.Paused, r.Phase);
        Assert.Equal(1, r.CurrentStepIndex);
        Assert.Equal(10, r.CanaryWeight);

        await RolloutActions.ApplyAsync(r, RolloutAction.Promote, OnCall, _engine, _clock.GetUtcNow().UtcDateTime);
        await RunUntilAsync(r, x => x.Phase == RolloutPhase.Healthy);
    }

    [Fact]
    public async Task A_timed_pause_resumes_by_itself()
    {
        var r = await StartAsync("""{"canary":{"steps":[{"setWeight":10},{"pause":{"duration":"30s"}},{"setWeight":60}]}}""");
        await RunUntilAsync(r, x => x.Phase == RolloutPhase.Paused);
        var pausedAt = _clock.GetUtcNow();
        await RunUntilAsync(r, x => x.Phase == RolloutPhase.Healthy);
        var waited = _clock.GetUtcNow() - pausedAt;
        Assert.InRange(waited, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(32));
    }

    [Fact]
    public async Task An_inconclusive_analysis_pauses_and_a_template_may_pause_instead_of_abort()
    {
        var r = await StartAsync(Canary);
        _metrics.Default = new MetricValue(null, "0 requests", TooFewRequests: true);
        await RunUntilAsync(r, x => x.Phase == RolloutPhase.Paused);
        Assert.Contains("inconclusive", r.PauseReason);
        Assert.Equal(20, r.CanaryWeight);

        _templates.Add(new AnalysisTemplate
        {
            Name = "gentle", OnFailure = FailurePolicy.Pause,
            Metrics = [new AnalysisMetric { Name = "errors", Interval = TimeSpan.FromSeconds(1), SuccessCondition = "result < 0.05" }],
        });
        var gentle = await StartAsync("""{"canary":{"steps":[{"setWeight":20},{"analysis":"gentle"}]}}""", "1.3.0");
        _metrics.Default = MetricValue.Of(0.9);
        await RunUntilAsync(gentle, x => x.Phase == RolloutPhase.Paused);
        Assert.Contains("pauses instead of aborting", gentle.PauseReason);
    }

    [Fact]
    public async Task Consecutive_measurement_errors_beyond_the_limit_abort()
    {
        var r = await StartAsync("""{"canary":{"steps":[{"setWeight":20},{"analysis":"error-rate"}]}}""");
        _metrics.Default = MetricValue.Failed("metrics backend down");
        await RunUntilAsync(r, x => x.IsFinished);
        Assert.Equal(RolloutPhase.Aborted, r.Phase);
        Assert.Equal(5, _metrics.Calls); // consecutive error limit 4: the fifth error decides
        Assert.Contains("error", r.AbortReason);
    }

    [Fact]
    public async Task A_revision_that_never_becomes_healthy_fails_after_the_progress_deadline()
    {
        var r = await StartAsync("""{"canary":{"steps":[{"setWeight":20}]},"progressDeadline":"20s"}""");
        _cluster.NeverReady.Add("1.1.0");
        await RunUntilAsync(r, x => x.IsFinished, maxTicks: 40);
        Assert.Equal(RolloutPhase.Degraded, r.Phase);
        Assert.Contains("did not become healthy within 20s", r.AbortReason);
        Assert.Contains("exited with code 1", r.AbortReason);
        Assert.Equal(TrafficSplit.AllTo("1.0.0"), _cluster.WeightsOf(Checkout));
    }

    [Fact]
    public async Task Manual_abort_returns_traffic_and_retry_starts_again_from_the_first_step()
    {
        var r = await StartAsync("""{"canary":{"steps":[{"setWeight":30},{"pause":{}}]}}""");
        await RunUntilAsync(r, x => x.Phase == RolloutPhase.Paused);
        var events = await RolloutActions.ApplyAsync(r, RolloutAction.Abort, OnCall, _engine, _clock.GetUtcNow().UtcDateTime);
        Assert.Equal(RolloutPhase.Aborted, r.Phase);
        Assert.Equal(TrafficSplit.AllTo("1.0.0"), _cluster.WeightsOf(Checkout));
        Assert.Contains("manual", JsonSerializer.Serialize(Assert.Single(events, e => e.Type == EventTypes.RollbackExecuted).Data));
        Assert.Contains("olga", r.Message);

        await Assert.ThrowsAsync<ConflictException>(() => RolloutActions.ApplyAsync(r, RolloutAction.Promote, OnCall, _engine, _clock.GetUtcNow().UtcDateTime));
        await RolloutActions.ApplyAsync(r, RolloutAction.Retry, OnCall, _engine, _clock.GetUtcNow().UtcDateTime);
        Assert.Equal(0, r.CurrentStepIndex);
        await RunUntilAsync(r, x => x.Phase == RolloutPhase.Paused && x.CanaryWeight == 30);
        Assert.Equal(1, _cluster.InstancesOf(Checkout, "1.1.0"));
    }

    [Fact]
    public async Task Pause_and_resume_by_a_person_and_who_may_promote_fully()
    {
        var r = await StartAsync(Canary);
        await _engine.TickAsync(r);
        await RolloutActions.ApplyAsync(r, RolloutAction.Pause, OnCall, _engine, _clock.GetUtcNow().UtcDateTime);
        var stepWhilePaused = r.CurrentStepIndex;
        for (var i = 0; i < 5; i++) { _clock.Advance(TimeSpan.FromSeconds(1)); await _engine.TickAsync(r); }
        Assert.Equal(stepWhilePaused, r.CurrentStepIndex);
        Assert.Equal(RolloutPhase.Paused, r.Phase);
        await RolloutActions.ApplyAsync(r, RolloutAction.Resume, OnCall, _engine, _clock.GetUtcNow().UtcDateTime);
        Assert.Equal(RolloutPhase.Progressing, r.Phase);

        await Assert.ThrowsAsync<AccessDeniedException>(() => RolloutActions.ApplyAsync(r, RolloutAction.PromoteFull, OnCall, _engine, _clock.GetUtcNow().UtcDateTime));
        await RolloutActions.ApplyAsync(r, RolloutAction.PromoteFull, ReleaseManager, _engine, _clock.GetUtcNow().UtcDateTime);
        await _engine.TickAsync(r);
        Assert.Equal(RolloutPhase.Healthy, r.Phase);
        Assert.Equal(TrafficSplit.AllTo("1.1.0"), _cluster.WeightsOf(Checkout));
        var viewer = new Actor("v", new HashSet<string> { Roles.Viewer }, "c");
        await Assert.ThrowsAsync<AccessDeniedException>(() => RolloutActions.ApplyAsync(r, RolloutAction.Abort, viewer, _engine, _clock.GetUtcNow().UtcDateTime));
    }

    [Fact]
    public async Task Promoting_or_skipping_past_a_running_analysis_step_needs_a_release_manager()
    {
        var r = await StartAsync("""{"canary":{"steps":[{"setWeight":10},{"analysis":"error-rate"},{"setWeight":40},{"analysis":"error-rate"},{"setWeight":100}]}}""");
        _metrics.Default = MetricValue.Of(0.0);
        await _engine.TickAsync(r);
        Assert.Equal(1, r.CurrentStepIndex);
        Assert.Equal(AnalysisPhase.Running, Assert.Single(r.AnalysisRuns).Phase);
        Assert.NotNull(RolloutActions.AnalysisGate(r));

        // Repeated promotes by OnCall would add up to promote-full: each is refused and nothing moves.
        for (var i = 0; i < 3; i++)
        {
            foreach (var action in new[] { RolloutAction.Promote, RolloutAction.Skip })
            {
                var denied = await Assert.ThrowsAsync<AccessDeniedException>(() => RolloutActions.ApplyAsync(r, action, OnCall, _engine, _clock.GetUtcNow().UtcDateTime));
                Assert.Contains("analysis", denied.Message);
            }
        }
        Assert.Equal(1, r.CurrentStepIndex);
        Assert.Equal(10, r.CanaryWeight);
        Assert.Equal(AnalysisPhase.Running, Assert.Single(r.AnalysisRuns).Phase);
        Assert.False(RolloutActions.Allowed(r, RolloutAction.Promote, OnCall));
        Assert.Equal([RolloutAction.Pause, RolloutAction.Abort], RolloutActions.Available(r, OnCall));
        Assert.Equal([RolloutAction.Promote, RolloutAction.Skip, RolloutAction.PromoteFull, RolloutAction.Pause, RolloutAction.Abort], RolloutActions.Available(r, ReleaseManager));

        await RolloutActions.ApplyAsync(r, RolloutAction.Promote, ReleaseManager, _engine, _clock.GetUtcNow().UtcDateTime);
        Assert.Equal(2, r.CurrentStepIndex);
        Assert.Null(RolloutActions.AnalysisGate(r));
    }

    [Fact]
    public async Task OnCall_may_still_promote_and_skip_a_plain_pause_step()
    {
        var r = await StartAsync("""{"canary":{"steps":[{"setWeight":10},{"pause":{}},{"analysis":"error-rate"}]}}""");
        await RunUntilAsync(r, x => x.Phase == RolloutPhase.Paused);
        Assert.Null(RolloutActions.AnalysisGate(r));
        Assert.True(RolloutActions.Allowed(r, RolloutAction.Promote, OnCall));
        Assert.True(RolloutActions.Allowed(r, RolloutAction.Skip, OnCall));
        await RolloutActions.ApplyAsync(r, RolloutAction.Skip, OnCall, _engine, _clock.GetUtcNow().UtcDateTime);
        Assert.Equal(2, r.CurrentStepIndex);
        // Now on the analysis step: the next promote is a release manager's call.
        await Assert.ThrowsAsync<AccessDeniedException>(() => RolloutActions.ApplyAsync(r, RolloutAction.Promote, OnCall, _engine, _clock.GetUtcNow().UtcDateTime));
        Assert.Equal(2, r.CurrentStepIndex);
    }

    [Fact]
    public async Task Promoting_blue_green_while_its_pre_promotion_analysis_runs_needs_a_release_manager()
    {
        var r = await StartAsync("""{"blueGreen":{"prePromotionAnalysis":"error-rate","autoPromotionEnabled":false}}""");
        Assert.True(RolloutActions.Allowed(r, RolloutAction.Promote, OnCall)); // nothing is analysed yet
        await RunUntilAsync(r, x => x.AnalysisRuns.Any(a => a.Kind == AnalysisRunKind.PrePromotion));
        Assert.False(r.PromoteFullRequested);
        await Assert.ThrowsAsync<AccessDeniedException>(() => RolloutActions.ApplyAsync(r, RolloutAction.Promote, OnCall, _engine, _clock.GetUtcNow().UtcDateTime));
        Assert.False(r.PromoteFullRequested);
        Assert.DoesNotContain(RolloutAction.Promote, RolloutActions.Available(r, OnCall));
        await RolloutActions.ApplyAsync(r, RolloutAction.Promote, ReleaseManager, _engine, _clock.GetUtcNow().UtcDateTime);
        Assert.True(r.PromoteFullRequested);
    }

    [Fact]
    public async Task Skip_moves_past_the_current_step()
    {
        var r = await StartAsync("""{"canary":{"steps":[{"setWeight":10},{"pause":{"duration":"1h"}},{"setWeight":40},{"pause":{}}]}}""");
        await RunUntilAsync(r, x => x.Phase == RolloutPhase.Paused);
        await RolloutActions.ApplyAsync(r, RolloutAction.Skip, OnCall, _engine, _clock.GetUtcNow().UtcDateTime);
        await RunUntilAsync(r, x => x.Phase == RolloutPhase.Paused && x.CurrentStepIndex == 3);
        Assert.Equal(40, r.CanaryWeight);
    }

    [Fact]
    public async Task A_restart_mid_canary_resumes_at_its_step_with_the_same_split_and_no_repeated_events()
    {
        var r = await StartAsync("""{"canary":{"steps":[{"setWeight":25},{"pause":{"duration":"1m"}},{"setWeight":100}]}}""");
        await RunUntilAsync(r, x => x.Phase == RolloutPhase.Paused);
        var callsBefore = _cluster.Calls.Count;

        // The process dies: only the stored rollout survives. A new engine picks it up.
        var stored = JsonSerializer.Serialize(r);
        var resumed = JsonSerializer.Deserialize<Rollout>(stored)!;
        var engine = new RolloutEngine(_cluster, new AnalysisRunner(_metrics, _clock), _templates, _clock);
        var events = await engine.TickAsync(resumed);
        Assert.Empty(events);
        Assert.Equal(callsBefore, _cluster.Calls.Count); // nothing to redo: deploy and weights are already as desired
        Assert.Equal(1, resumed.CurrentStepIndex);
        Assert.Equal(25, _cluster.WeightsOf(Checkout)!.WeightOf("1.1.0"));

        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, (await engine.TickAsync(resumed)).Count(e => e.Type == EventTypes.RolloutStepChanged));
        Assert.Equal(RolloutPhase.Healthy, resumed.Phase);
    }

    [Fact]
    public async Task After_a_restart_that_lost_the_local_processes_the_tick_rebuilds_both_revisions_and_the_split()
    {
        var r = await StartAsync("""{"canary":{"steps":[{"setWeight":25},{"pause":{}}]}}""");
        await RunUntilAsync(r, x => x.Phase == RolloutPhase.Paused);

        var emptyCluster = new InMemoryClusterAdapter(_clock);
        var engine = new RolloutEngine(emptyCluster, new AnalysisRunner(_metrics, _clock), _templates, _clock);
        var events = await engine.TickAsync(JsonSerializer.Deserialize<Rollout>(JsonSerializer.Serialize(r))!);
        Assert.Empty(events);
        Assert.Equal(1, emptyCluster.InstancesOf(Checkout, "1.0.0"));
        Assert.Equal(1, emptyCluster.InstancesOf(Checkout, "1.1.0"));
        Assert.Equal(TrafficSplit.Canary("1.0.0", "1.1.0", 25), emptyCluster.WeightsOf(Checkout));
    }

    private const string BlueGreen = """{"blueGreen":{"prePromotionAnalysis":"error-rate","postPromotionAnalysis":"error-rate","autoPromotionEnabled":true}}""";

    [Fact]
    public async Task Blue_green_previews_by_header_then_switches_after_its_analysis_passes()
    {
        var r = await StartAsync(BlueGreen);
        await _engine.TickAsync(r);
        Assert.Equal("1.1.0", Assert.Single(_cluster.RoutesOf(Checkout)).Revision);
        Assert.Equal(TrafficSplit.AllTo("1.0.0"), _cluster.WeightsOf(Checkout));
        await RunUntilAsync(r, x => x.Phase == RolloutPhase.Healthy);
        Assert.Equal(TrafficSplit.AllTo("1.1.0"), _cluster.WeightsOf(Checkout));
        Assert.Empty(_cluster.RoutesOf(Checkout));
        Assert.Equal([AnalysisRunKind.PrePromotion, AnalysisRunKind.PostPromotion], r.AnalysisRuns.Select(a => a.Kind));
    }

    [Fact]
    public async Task Blue_green_whose_pre_promotion_analysis_fails_never_switches()
    {
        var r = await StartAsync(BlueGreen);
        _metrics.Default = MetricValue.Of(0.3);
        await RunUntilAsync(r, x => x.IsFinished);
        Assert.Equal(RolloutPhase.Aborted, r.Phase);
        Assert.DoesNotContain(_cluster.Calls, c => c.StartsWith("weights") && c.Contains("1.1.0"));
        Assert.Equal(TrafficSplit.AllTo("1.0.0"), _cluster.WeightsOf(Checkout));
    }

    [Fact]
    public async Task Blue_green_switches_back_when_post_promotion_analysis_fails()
    {
        var r = await StartAsync(BlueGreen);
        for (var i = 0; i < 3; i++) _metrics.Next.Enqueue(MetricValue.Of(0.0));
        _metrics.Default = MetricValue.Of(0.4);
        await RunUntilAsync(r, x => x.IsFinished);
        Assert.Equal(RolloutPhase.Aborted, r.Phase);
        Assert.Contains("weights 1.1.0=100%", _cluster.Calls);
        Assert.Equal(TrafficSplit.AllTo("1.0.0"), _cluster.WeightsOf(Checkout));
    }

    [Fact]
    public async Task Blue_green_without_auto_promotion_waits_for_promote()
    {
        var r = await StartAsync("""{"blueGreen":{"autoPromotionEnabled":false}}""");
        await RunUntilAsync(r, x => x.Phase == RolloutPhase.Paused);
        _clock.Advance(TimeSpan.FromHours(1));
        await _engine.TickAsync(r);
        Assert.Equal(TrafficSplit.AllTo("1.0.0"), _cluster.WeightsOf(Checkout));
        await RolloutActions.ApplyAsync(r, RolloutAction.Promote, OnCall, _engine, _clock.GetUtcNow().UtcDateTime);
        await RunUntilAsync(r, x => x.Phase == RolloutPhase.Healthy);
        Assert.Equal(TrafficSplit.AllTo("1.1.0"), _cluster.WeightsOf(Checkout));
    }

    [Theory]
    [InlineData("""{"canary":{"steps":[{"setWeight":50},{"setWeight":20}]}}""", "must rise")]
    [InlineData("""{"canary":{"steps":[{"setWeight":120}]}}""", "between 0 and 100")]
    [InlineData("""{"canary":{"steps":[{"jump":1}]}}""", "unknown step")]
    [InlineData("""{"canary":{"steps":[]},"blueGreen":{}}""", "exactly one")]
    [InlineData("""{"canary":{"steps":[{"pause":{"duration":"soon"}}]}}""", "not a duration")]
    public void Bad_strategies_are_refused_with_what_to_fix(string json, string expected)
    {
        var error = Assert.Throws<InvalidInputException>(() => RolloutStrategy.Parse(JsonDocument.Parse(json).RootElement));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_strategy_round_trips_through_json()
    {
        var s = RolloutStrategy.Parse(JsonDocument.Parse(Canary).RootElement);
        var again = RolloutStrategy.Parse(JsonDocument.Parse(s.ToJson()).RootElement);
        Assert.Equal(s.Canary!.Steps, again.Canary!.Steps);
        Assert.Equal(["error-rate", "error-rate"], again.TemplateNames());
    }
}
