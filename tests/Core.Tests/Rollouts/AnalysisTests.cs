using OpsConsole.Core.Access;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Rollouts.Analysis;

namespace OpsConsole.Core.Tests.Rollouts;

public sealed class AnalysisTests
{
    [Theory]
    [InlineData("result < 0.05", 0.01, true)]
    [InlineData("result < 0.05", 0.5, false)]
    [InlineData("result >= 0.99 && result <= 1", 0.995, true)]
    [InlineData("Abs(result - 100) < 5", 103, true)]
    [InlineData("result > 250 || result < 0", 251, true)]
    public void Conditions_are_evaluated_over_result(string text, double value, bool expected) =>
        Assert.Equal(expected, AnalysisCondition.Parse(text, "c").IsMet(value));

    [Theory]
    [InlineData("result <", "does not parse")]
    [InlineData("errors < 5", "the only variable is 'result'")]
    [InlineData("Exec(result)", "cannot be evaluated")]
    [InlineData("", "empty")]
    [InlineData("result + 1", "not true or false")]
    public void Bad_conditions_are_refused_with_what_to_fix(string text, string expected)
    {
        var error = Assert.Throws<InvalidInputException>(() => AnalysisCondition.Parse(text, "metrics[0].successCondition"));
        Assert.Contains(expected, error.Message);
        Assert.True(error.Errors.ContainsKey("metrics[0].successCondition"));
    }

    private static CompiledMetric Metric(string? success, string? failure) =>
        new AnalysisTemplate { Name = "t", Metrics = [new AnalysisMetric { Name = "m", SuccessCondition = success, FailureCondition = failure }] }
            .Compile().Metrics[0];

    [Fact]
    public void A_value_is_judged_like_argo_rollouts()
    {
        Assert.Equal(MeasurementPhase.Successful, Metric("result < 0.05", null).Judge(0.01));
        Assert.Equal(MeasurementPhase.Failed, Metric("result < 0.05", null).Judge(0.2));
        Assert.Equal(MeasurementPhase.Failed, Metric(null, "result > 0.1").Judge(0.2));
        Assert.Equal(MeasurementPhase.Successful, Metric(null, "result > 0.1").Judge(0.05));
        Assert.Equal(MeasurementPhase.Inconclusive, Metric("result < 0.01", "result > 0.1").Judge(0.05));
        Assert.Equal(MeasurementPhase.Failed, Metric("result < 0.01", "result > 0.1").Judge(0.5));
    }

    [Fact]
    public void A_template_without_conditions_or_with_a_duplicate_metric_is_refused()
    {
        Assert.Throws<InvalidInputException>(() => new AnalysisTemplate { Name = "t", Metrics = [new AnalysisMetric { Name = "m" }] }.Compile());
        Assert.Throws<InvalidInputException>(() => new AnalysisTemplate
        {
            Name = "t",
            Metrics = [new AnalysisMetric { Name = "m", SuccessCondition = "result < 1" }, new AnalysisMetric { Name = "m", SuccessCondition = "result < 1" }],
        }.Compile());
        Assert.Throws<InvalidInputException>(() => new AnalysisTemplate
        {
            Name = "t", Metrics = [new AnalysisMetric { Name = "m", Source = MetricSource.HttpJson, Url = "ftp://x", JsonPath = "$.a", SuccessCondition = "result < 1" }],
        }.Compile());
    }

    [Fact]
    public void A_template_keeps_to_ten_metrics_measured_at_most_once_a_second_a_bounded_number_of_times()
    {
        static AnalysisMetric M(int i, TimeSpan? interval = null, int count = 3) =>
            new() { Name = $"m{i}", Interval = interval ?? TimeSpan.FromSeconds(1), Count = count, SuccessCondition = "result < 1" };

        new AnalysisTemplate { Name = "t", Metrics = [.. Enumerable.Range(0, AnalysisTemplate.MaxMetrics).Select(i => M(i))] }.CheckLimits();
        foreach (var demo in DemoTemplates.All) demo.CheckLimits(); // the demo's 1 s windows stay valid

        var many = Assert.Throws<InvalidInputException>(() => new AnalysisTemplate { Name = "t", Metrics = [.. Enumerable.Range(0, 50).Select(i => M(i))] }.CheckLimits());
        Assert.True(many.Errors.ContainsKey("metrics"));
        foreach (var fast in new[] { TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(500), TimeSpan.FromHours(2) })
            Assert.True(Assert.Throws<InvalidInputException>(() => new AnalysisTemplate { Name = "t", Metrics = [M(0, fast)] }.CheckLimits()).Errors.ContainsKey("metrics[0].interval"));
        Assert.Throws<InvalidInputException>(() => new AnalysisTemplate { Name = "t", Metrics = [M(0, count: AnalysisTemplate.MaxCount + 1)] }.CheckLimits());
        Assert.Throws<InvalidInputException>(() => new AnalysisTemplate { Name = "t", Metrics = [M(0) with { InitialDelay = TimeSpan.FromDays(1) }] }.CheckLimits());
    }

    private static List<Measurement> Of(params MeasurementPhase[] phases) =>
        phases.Select((p, i) => new Measurement("m", DateTime.UnixEpoch.AddSeconds(i), p == MeasurementPhase.Error ? null : 1, p)).ToList();

    [Fact]
    public void A_metric_fails_when_failures_exceed_the_limit()
    {
        var metric = new AnalysisMetric { Name = "m", Count = 5, FailureLimit = 1 };
        Assert.Equal(AnalysisPhase.Running, AnalysisVerdict.ForMetric(metric, Of(MeasurementPhase.Failed, MeasurementPhase.Successful)));
        Assert.Equal(AnalysisPhase.Failed, AnalysisVerdict.ForMetric(metric, Of(MeasurementPhase.Failed, MeasurementPhase.Successful, MeasurementPhase.Failed)));
        // The default failure limit is 0: the first failure fails the metric.
        Assert.Equal(AnalysisPhase.Failed, AnalysisVerdict.ForMetric(new AnalysisMetric { Name = "m" }, Of(MeasurementPhase.Failed)));
    }

    [Fact]
    public void A_metric_errs_after_more_consecutive_errors_than_the_limit()
    {
        var metric = new AnalysisMetric { Name = "m", Count = 10 }; // consecutive error limit 4
        Assert.Equal(AnalysisPhase.Running, AnalysisVerdict.ForMetric(metric, Of(MeasurementPhase.Error, MeasurementPhase.Error, MeasurementPhase.Error, MeasurementPhase.Error)));
        Assert.Equal(AnalysisPhase.Error, AnalysisVerdict.ForMetric(metric, Of(Enumerable.Repeat(MeasurementPhase.Error, 5).ToArray())));
        Assert.Equal(AnalysisPhase.Running, AnalysisVerdict.ForMetric(metric,
            Of(MeasurementPhase.Error, MeasurementPhase.Error, MeasurementPhase.Error, MeasurementPhase.Successful, MeasurementPhase.Error)));
    }

    [Fact]
    public void A_metric_succeeds_after_its_count_and_is_inconclusive_past_the_limit()
    {
        var metric = new AnalysisMetric { Name = "m", Count = 3 };
        Assert.Equal(AnalysisPhase.Successful, AnalysisVerdict.ForMetric(metric, Of(MeasurementPhase.Successful, MeasurementPhase.Successful, MeasurementPhase.Successful)));
        Assert.Equal(AnalysisPhase.Inconclusive, AnalysisVerdict.ForMetric(metric, Of(MeasurementPhase.Inconclusive)));
    }

    [Fact]
    public void Dry_run_metrics_never_decide_the_run()
    {
        var real = new AnalysisMetric { Name = "errors" };
        var dry = new AnalysisMetric { Name = "latency", DryRun = true };
        Assert.Equal(AnalysisPhase.Successful, AnalysisVerdict.ForRun([(real, AnalysisPhase.Successful), (dry, AnalysisPhase.Failed)]));
        Assert.Equal(AnalysisPhase.Failed, AnalysisVerdict.ForRun([(real, AnalysisPhase.Failed), (dry, AnalysisPhase.Successful)]));
        Assert.Equal(AnalysisPhase.Running, AnalysisVerdict.ForRun([(real, AnalysisPhase.Running), (dry, AnalysisPhase.Successful)]));
    }
}
