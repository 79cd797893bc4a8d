using OpsConsole.Core.Cluster;
using OpsConsole.Core.Rollouts.Judge;

namespace OpsConsole.Core.Tests.Rollouts.Judge;

/// <summary>The judge on synthetic distributions: a slower canary fails, an identical one passes, too little data is inconclusive.</summary>
public sealed class CanaryJudgeTests
{
    private static readonly DateTime At = new(2026, 11, 28, 12, 0, 0, DateTimeKind.Utc);
    private static readonly JudgeSpec Spec = new();

    /// <summary>Log-normal latencies around <paramref name="medianMs"/>, as a service's latencies usually are.</summary>
    private static List<RequestSample> Latencies(int seed, int n, double medianMs, double errorRatio = 0)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(i =>
        {
            var z = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            return new RequestSample(At.AddMilliseconds(i * 50), medianMs * Math.Exp(0.3 * z), random.NextDouble() < errorRatio);
        }).ToList();
    }

    [Fact]
    public void A_canary_30_percent_slower_fails_though_far_under_any_absolute_limit()
    {
        var v = CanaryJudge.Evaluate(Spec, "1.1.0", "1.0.0-base", Latencies(1, 150, 13), Latencies(2, 150, 10), TimeSpan.FromSeconds(10), At);

        Assert.Equal(JudgeOutcome.Fail, v.Outcome);
        var latency = v.Metrics.Single(m => m.Name == "latency");
        Assert.Equal(MetricClass.High, latency.Class);
        Assert.False(latency.Passed);
        Assert.True(latency.P < 0.02, $"p = {latency.P}");
        Assert.InRange(latency.RelativeEffect!.Value, 0.2, 0.4);
        Assert.True(latency.EffectLower > 0);
        Assert.Contains("fails", latency.Sentence);
        Assert.True(latency.CanaryBox!.P95 < 500, "every request is far under a 500 ms limit");
        Assert.Equal(50, v.Score);
    }

    [Fact]
    public void An_identical_canary_passes()
    {
        var v = CanaryJudge.Evaluate(Spec, "1.1.0", "1.0.0-base", Latencies(3, 150, 10), Latencies(4, 150, 10), TimeSpan.FromSeconds(10), At);

        Assert.Equal(JudgeOutcome.Pass, v.Outcome);
        Assert.Equal(100, v.Score);
        Assert.All(v.Metrics, m => Assert.Equal(MetricClass.Pass, m.Class));
        Assert.Contains("passes", v.Metrics[0].Sentence);
    }

    [Fact]
    public void Too_few_samples_at_the_deadline_is_inconclusive_never_a_pass()
    {
        var v = CanaryJudge.Evaluate(Spec, "1.1.0", "1.0.0-base", Latencies(5, 8, 10), Latencies(6, 9, 10), Spec.MaxDuration, At);

        Assert.Equal(JudgeOutcome.Inconclusive, v.Outcome);
        Assert.Null(v.Score);
        Assert.Contains("fewer than the 30", v.Summary);
    }

    [Fact]
    public void Before_enough_samples_and_before_the_deadline_the_judge_keeps_collecting()
    {
        var v = CanaryJudge.Evaluate(Spec, "1.1.0", "1.0.0-base", Latencies(7, 40, 10), Latencies(8, 40, 10), TimeSpan.FromSeconds(5), At);
        Assert.Equal(JudgeOutcome.Collecting, v.Outcome);
        Assert.False(v.IsDecided);
    }

    [Fact]
    public void Half_the_canary_failing_aborts_after_a_handful_of_requests_without_waiting_for_latency()
    {
        var v = CanaryJudge.Evaluate(Spec, "1.1.0", "1.0.0-base", Latencies(9, 8, 10, errorRatio: 0.5), Latencies(10, 8, 10), TimeSpan.FromSeconds(0.4), At);

        Assert.Equal(JudgeOutcome.Fail, v.Outcome);
        var errors = v.Metrics.Single(m => m.Name == "errors");
        Assert.Equal(MetricClass.High, errors.Class);
        Assert.True(errors.LogLikelihoodRatio >= errors.UpperBoundary);
        Assert.Contains("abort boundary", errors.Sentence);
    }

    [Fact]
    public void A_failing_metric_in_a_light_group_is_marginal_and_a_decrease_in_latency_is_harmless()
    {
        var spec = new JudgeSpec
        {
            Metrics =
            [
                new JudgedMetric { Name = "latency-strict", Tolerance = 0.05, Weight = 1 },
                new JudgedMetric { Name = "latency-loose", Tolerance = 0.5, Weight = 3 },
            ],
        };
        var slower = CanaryJudge.Evaluate(spec, "c", "b", Latencies(11, 200, 12), Latencies(12, 200, 10), TimeSpan.FromSeconds(10), At);
        Assert.Equal(75, slower.Score);
        Assert.Equal(JudgeOutcome.Marginal, slower.Outcome);

        var faster = CanaryJudge.Evaluate(spec, "c", "b", Latencies(13, 200, 7), Latencies(14, 200, 10), TimeSpan.FromSeconds(10), At);
        Assert.Equal(JudgeOutcome.Pass, faster.Outcome);
        Assert.Equal(MetricClass.Low, faster.Metrics[0].Class);
        Assert.True(faster.Metrics[0].Passed);
    }

    [Fact]
    public void The_latency_test_is_one_fixed_sample_test_however_often_the_judge_looks()
    {
        var canary = Latencies(15, 400, 10);
        var baseline = Latencies(16, 400, 10);
        var early = CanaryJudge.Evaluate(Spec, "c", "b", canary[..120], baseline[..130], TimeSpan.FromSeconds(6), At).Metrics[0];
        var later = CanaryJudge.Evaluate(Spec, "c", "b", canary, baseline, TimeSpan.FromSeconds(20), At).Metrics[0];
        Assert.Equal(Spec.Samples, early.CanarySamples + early.CanaryOutliers);
        Assert.Equal(early.U, later.U);
        Assert.Equal(early.P, later.P);
    }

    [Fact]
    public void A_verdict_survives_its_JSON()
    {
        var v = CanaryJudge.Evaluate(Spec, "1.1.0", "1.0.0-base", Latencies(1, 150, 13), Latencies(2, 150, 10), TimeSpan.FromSeconds(10), At);
        var back = JudgeVerdict.FromJson(v.ToJson())!;
        Assert.Equal(v.Outcome, back.Outcome);
        Assert.Equal(v.Metrics[0].Sentence, back.Metrics[0].Sentence);
        Assert.Equal(v.Metrics[0].CanaryBox, back.Metrics[0].CanaryBox);
    }

    [Fact]
    public void A_significant_shift_smaller_than_the_minimum_in_ms_passes_and_says_so()
    {
        // 2.5 ms against 2 ms: 25% and significant, but half a millisecond is noise between two processes.
        var v = CanaryJudge.Evaluate(Spec, "c", "b", Latencies(21, 200, 2.5), Latencies(22, 200, 2), TimeSpan.FromSeconds(10), At);
        var latency = v.Metrics.Single(m => m.Name == "latency");
        Assert.True(latency.P < Spec.Alpha, $"p = {latency.P}");
        Assert.True(latency.RelativeEffect > 0.1);
        Assert.Equal(MetricClass.Pass, latency.Class);
        Assert.Contains("smaller than the 1 ms that counts", latency.Sentence);

        // With no minimum the same shift fails.
        var strict = Spec with { Metrics = [new JudgedMetric { Name = "latency", MinimumShiftMs = 0 }, new JudgedMetric { Name = "errors", Quantity = JudgedQuantity.Errors }] };
        var failed = CanaryJudge.Evaluate(strict, "c", "b", Latencies(21, 200, 2.5), Latencies(22, 200, 2), TimeSpan.FromSeconds(10), At);
        Assert.Equal(MetricClass.High, failed.Metrics.Single(m => m.Name == "latency").Class);
    }

    [Fact]
    public void The_errors_metric_uses_the_mixture_test_by_default_and_walds_test_on_request()
    {
        // 2 errors in the canary's first 4 requests: the mixture test aborts, Wald's (3 errors needed) does not yet.
        var canary = Latencies(23, 4, 10).Select((s, i) => s with { Error = i is 1 or 3 }).ToList();
        var baseline = Latencies(24, 4, 10);
        var mixture = CanaryJudge.Evaluate(Spec, "c", "b", canary, baseline, TimeSpan.FromSeconds(0.4), At).Metrics.Single(m => m.Name == "errors");
        Assert.Equal(MetricClass.High, mixture.Class);
        Assert.Equal("Always-valid mixture sequential test", mixture.Test);
        Assert.NotNull(mixture.NoWorseEvidence);

        var waldSpec = Spec with { Metrics = [new JudgedMetric { Name = "errors", Quantity = JudgedQuantity.Errors, Test = SequentialMethod.Wald }] };
        var wald = CanaryJudge.Evaluate(waldSpec, "c", "b", canary, baseline, TimeSpan.FromSeconds(0.4), At).Metrics.Single();
        Assert.Equal(MetricClass.Pending, wald.Class);
        Assert.Equal("Sequential probability ratio test (Wald)", wald.Test);
        Assert.Null(wald.NoWorseEvidence);
    }
}
