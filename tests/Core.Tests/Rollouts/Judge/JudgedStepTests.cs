using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Rollouts.Analysis;
using OpsConsole.Core.Rollouts.Judge;

namespace OpsConsole.Core.Tests.Rollouts.Judge;

/// <summary>The engine's baseline for a judged canary step, on a fake cluster that serves scripted per-request samples.</summary>
public sealed class JudgedStepTests
{
    private static readonly ServiceEnvironment Checkout = new("checkout", "prod");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly SampledCluster _cluster;
    private readonly RolloutEngine _engine;

    public JudgedStepTests()
    {
        _cluster = new SampledCluster(new InMemoryClusterAdapter(_clock));
        var templates = new Templates(new AnalysisTemplate
        {
            Name = "judge",
            Metrics = [new AnalysisMetric { Name = "judge", Source = MetricSource.Judge, Interval = TimeSpan.FromMilliseconds(500), Count = 1 }],
        });
        _engine = new RolloutEngine(_cluster, new AnalysisRunner(new NoMetrics(), _clock, new CanaryJudge(_cluster, _clock)), templates, _clock);
    }

    private async Task<Rollout> StartAsync()
    {
        await _cluster.DeployRevisionAsync(Checkout, new RevisionSpec("1.0.0"));
        await _cluster.SetWeightsAsync(Checkout, TrafficSplit.AllTo("1.0.0"));
        var now = _clock.GetUtcNow().UtcDateTime;
        return new Rollout
        {
            Service = Checkout.Service, Environment = Checkout.Environment, Version = "1.1.0", Revision = "1.1.0",
            StableRevision = "1.0.0", StableVersion = "1.0.0",
            StrategyJson = RolloutStrategy.Parse(JsonDocument.Parse("""{"canary":{"steps":[{"setWeight":20},{"analysis":"judge"},{"setWeight":100}]}}""").RootElement).ToJson(),
            CreatedBy = "olga", CreatedAt = now, AttemptStartedAt = now, StepStartedAt = now, UpdatedAt = now,
        };
    }

    /// <summary>Ticks every half second; each tick, both revisions (when running) receive 20 requests of the given median latency.</summary>
    private async Task<List<RolloutEvent>> RunAsync(Rollout r, Func<Rollout, bool> done, double canaryMs, double baselineMs = 10, Action<Rollout>? each = null)
    {
        var events = new List<RolloutEvent>();
        var random = new Random(7);
        for (var i = 0; i < 200 && !done(r); i++)
        {
            events.AddRange(await _engine.TickAsync(r));
            each?.Invoke(r);
            _clock.Advance(TimeSpan.FromMilliseconds(500));
            if (r.BaselineRevision is { } b)
                for (var k = 0; k < 20; k++)
                {
                    var at = _clock.GetUtcNow().AddMilliseconds(-k);
                    _cluster.Add(r.Revision, new RequestSample(at, canaryMs * (0.8 + 0.4 * random.NextDouble()), false));
                    _cluster.Add(b, new RequestSample(at, baselineMs * (0.8 + 0.4 * random.NextDouble()), false));
                }
        }
        Assert.True(done(r), $"not reached: {r.Phase} step {r.CurrentStepIndex}: {r.Message}");
        return events;
    }

    [Fact]
    public async Task A_judged_step_runs_a_baseline_of_stable_with_the_canarys_share_and_removes_it_when_the_judge_passes()
    {
        var r = await StartAsync();
        var baselineName = RolloutEngine.BaselineSpec(r, 1).Name;
        var splits = new List<TrafficSplit?>();

        await RunAsync(r, x => x.Phase == RolloutPhase.Healthy, canaryMs: 10, each: _ => splits.Add(_cluster.Inner.WeightsOf(Checkout)));

        Assert.StartsWith("1.0.0-", baselineName);
        Assert.Contains(new TrafficSplit(new Dictionary<string, int> { ["1.0.0"] = 60, ["1.1.0"] = 20, [baselineName] = 20 }), splits);
        Assert.Contains($"deploy {baselineName} x1", _cluster.Inner.Calls);
        Assert.Contains($"remove {baselineName}", string.Join("\n", _cluster.Inner.Calls));
        Assert.Null(r.BaselineRevision);
        Assert.DoesNotContain((await _cluster.GetServiceAsync(Checkout))!.Revisions, x => x.Name == baselineName);
        var run = Assert.Single(r.AnalysisRuns);
        Assert.Equal(AnalysisPhase.Successful, run.Phase);
        Assert.Equal(JudgeOutcome.Pass, JudgeVerdict.FromJson(run.VerdictJson)!.Outcome);
    }

    [Fact]
    public async Task A_slower_canary_is_rolled_back_the_baseline_removed_and_the_verdict_is_in_the_rollback_event()
    {
        var r = await StartAsync();
        var events = await RunAsync(r, x => x.IsFinished, canaryMs: 13);

        Assert.Equal(RolloutPhase.Aborted, r.Phase);
        Assert.Equal(TrafficSplit.AllTo("1.0.0"), _cluster.Inner.WeightsOf(Checkout));
        Assert.Null(r.BaselineRevision);
        Assert.Contains((await _cluster.GetServiceAsync(Checkout))!.Revisions, x => x.Name == "1.0.0");
        Assert.DoesNotContain((await _cluster.GetServiceAsync(Checkout))!.Revisions, x => x.Name.StartsWith("1.0.0-", StringComparison.Ordinal));
        var rollback = JsonSerializer.Serialize(Assert.Single(events, e => e.Type == EventTypes.RollbackExecuted).Data);
        Assert.Contains("judgeVerdict", rollback);
        Assert.Contains("latency: the canary is higher than the baseline", rollback);
        Assert.Contains("judgeVerdict", JsonSerializer.Serialize(Assert.Single(events, e => e.Type == EventTypes.AnalysisFailed).Data));
    }

    [Fact]
    public async Task The_baseline_starts_beside_a_starting_canary_and_takes_its_share_in_the_tick_the_canary_first_gets_traffic()
    {
        var r = await StartAsync();
        var baselineName = RolloutEngine.BaselineSpec(r, 1).Name;
        _cluster.Inner.NeverReady.Add("1.1.0");

        await _engine.TickAsync(r);

        Assert.Equal(0, r.CanaryWeight);
        Assert.NotNull((await _cluster.GetServiceAsync(Checkout))!.FindRevision(baselineName));
        Assert.Equal(0, _cluster.Inner.WeightsOf(Checkout)!.WeightOf(baselineName));

        _cluster.Inner.NeverReady.Remove("1.1.0");
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        await _engine.TickAsync(r);

        Assert.Equal(new TrafficSplit(new Dictionary<string, int> { ["1.0.0"] = 60, ["1.1.0"] = 20, [baselineName] = 20 }), _cluster.Inner.WeightsOf(Checkout));
        Assert.Equal(baselineName, r.BaselineRevision);
    }

    [Fact]
    public async Task A_rollout_aborted_before_its_judged_step_removes_the_baseline_started_for_it()
    {
        var r = await StartAsync();
        var baselineName = RolloutEngine.BaselineSpec(r, 1).Name;
        _cluster.Inner.NeverReady.Add("1.1.0");
        await _engine.TickAsync(r);
        Assert.NotNull((await _cluster.GetServiceAsync(Checkout))!.FindRevision(baselineName));

        await _engine.AbortAsync(r, "Stopped by hand.", null, [], _clock.GetUtcNow().UtcDateTime, CancellationToken.None);

        Assert.Equal(RolloutPhase.Aborted, r.Phase);
        Assert.Null((await _cluster.GetServiceAsync(Checkout))!.FindRevision(baselineName));
        Assert.Equal(TrafficSplit.AllTo("1.0.0"), _cluster.Inner.WeightsOf(Checkout));
    }

    private sealed class NoMetrics : IMetricProvider
    {
        public Task<MetricValue> MeasureAsync(AnalysisMetric metric, ServiceEnvironment target, string revision, CancellationToken ct) =>
            Task.FromResult(MetricValue.Failed("unused"));
    }

    private sealed class Templates(params AnalysisTemplate[] all) : IAnalysisTemplates
    {
        public AnalysisTemplate? Find(string name) => all.FirstOrDefault(t => t.Name == name);
    }

    /// <summary>The in-memory cluster plus per-request samples the test writes.</summary>
    private sealed class SampledCluster(InMemoryClusterAdapter inner) : IClusterAdapter, IRevisionSamples
    {
        private readonly Dictionary<string, List<RequestSample>> _samples = [];
        public InMemoryClusterAdapter Inner => inner;
        public string Kind => inner.Kind;

        public void Add(string revision, RequestSample s)
        {
            if (!_samples.TryGetValue(revision, out var list)) _samples[revision] = list = [];
            list.Add(s);
        }

        public IDisposable ObserveRequests(ServiceEnvironment target, string revision, Action<RequestSample> observer) => NoObservation.Instance;

        public IReadOnlyList<RequestSample> SamplesSince(ServiceEnvironment target, string revision, DateTimeOffset since) =>
            _samples.TryGetValue(revision, out var list) ? list.Where(s => s.At > since).ToList() : [];

        public Task<Revision> DeployRevisionAsync(ServiceEnvironment target, RevisionSpec spec, CancellationToken ct = default) => inner.DeployRevisionAsync(target, spec, ct);
        public Task<Revision> ScaleRevisionAsync(ServiceEnvironment target, string revision, int instances, CancellationToken ct = default) => inner.ScaleRevisionAsync(target, revision, instances, ct);
        public Task<TrafficRouting> SetWeightsAsync(ServiceEnvironment target, TrafficSplit split, CancellationToken ct = default) => inner.SetWeightsAsync(target, split, ct);
        public Task<TrafficRouting> SetHeaderRoutesAsync(ServiceEnvironment target, IReadOnlyList<HeaderRoute> routes, CancellationToken ct = default) => inner.SetHeaderRoutesAsync(target, routes, ct);
        public Task<IReadOnlyList<InstanceHealth>> GetInstanceHealthAsync(ServiceEnvironment target, string revision, CancellationToken ct = default) => inner.GetInstanceHealthAsync(target, revision, ct);
        public Task<RevisionMetrics> GetRevisionMetricsAsync(ServiceEnvironment target, string revision, TimeSpan window, CancellationToken ct = default) => inner.GetRevisionMetricsAsync(target, revision, window, ct);
        public Task<bool> RemoveRevisionAsync(ServiceEnvironment target, string revision, CancellationToken ct = default) => inner.RemoveRevisionAsync(target, revision, ct);
        public Task<ServiceState?> GetServiceAsync(ServiceEnvironment target, CancellationToken ct = default) => inner.GetServiceAsync(target, ct);
        public Task<IReadOnlyList<ServiceState>> ListServicesAsync(CancellationToken ct = default) => inner.ListServicesAsync(ct);
    }
}
