using Bunit;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Components.Pages.Rollouts;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Rollouts.Analysis;
using OpsConsole.Core.Rollouts.Judge;

namespace OpsConsole.Console.Tests.Components.Rollouts.Judge;

/// <summary>The judge's verdict page over a real store: distributions, numbers, one sentence per metric, live while judging.</summary>
public sealed class VerdictPageTests : RolloutComponentContext
{
    private static readonly DateTime At = DateTime.UtcNow;
    private static AnalysisTemplate JudgeTemplate => DemoTemplates.All.Single(t => t.Name == DemoTemplates.Judge);

    private static List<RequestSample> Latencies(int seed, int n, double medianMs, double errorRatio = 0)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(i =>
        {
            var z = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            return new RequestSample(At, medianMs * Math.Exp(0.3 * z), random.NextDouble() < errorRatio);
        }).ToList();
    }

    private static JudgeVerdict Verdict(double canaryMedian, int n = 150) =>
        CanaryJudge.Evaluate(new JudgeSpec(), "1.1.0", "1.0.0-0badc0de", Latencies(1, n, canaryMedian), Latencies(2, n, 10), TimeSpan.FromSeconds(12), At);

    /// <summary>A canary at its judged step with a stored verdict; returns the rollout and the run.</summary>
    private async Task<(Guid Rollout, Guid Run)> JudgedAsync(JudgeVerdict verdict)
    {
        var id = await StartRolloutAsync();
        var runId = Guid.Empty;
        await UpdateStoredAsync(id, r =>
        {
            r.CurrentStepIndex = 1;
            r.CanaryWeight = 20;
            var run = AnalysisRunner.Start(r, JudgeTemplate, AnalysisRunKind.Step, 1, At.AddSeconds(-12));
            run.VerdictJson = verdict.ToJson();
            r.AnalysisRuns.Add(run);
            runId = run.Id;
        });
        return (id, runId);
    }

    private IRenderedComponent<VerdictPage> RenderVerdict(Guid id, Guid run) => Render<VerdictPage>(p => p.Add(x => x.Id, id).Add(x => x.RunId, run));

    [Fact]
    public async Task Shows_the_outcome_the_distributions_the_numbers_and_a_sentence_per_metric()
    {
        SignIn("vera", Roles.Viewer);
        var (id, run) = await JudgedAsync(Verdict(13));

        var cut = RenderVerdict(id, run);

        // The page loads from the store after its first render (on PostgreSQL truly asynchronously): wait for it.
        Assert.Equal("Fail", cut.WaitForElement("[data-testid=verdict-header]").GetAttribute("data-outcome"));
        Assert.Equal("50", cut.Find("[data-testid=verdict-score]").GetAttribute("data-score"));
        Assert.Equal("1.0.0-0badc0de", cut.Find("[data-testid=verdict-baseline]").TextContent);
        var latency = cut.Find("[data-testid=verdict-metric][data-metric=latency]");
        Assert.Equal("High", latency.GetAttribute("data-class"));
        Assert.Equal("false", latency.GetAttribute("data-passed"));
        Assert.Contains("fails", latency.QuerySelector("[data-testid=verdict-sentence]")!.TextContent);
        Assert.Contains("Mann-Whitney", latency.QuerySelector("[data-testid=verdict-test]")!.TextContent);
        Assert.NotEqual("–", latency.QuerySelector("[data-testid=verdict-u]")!.TextContent);
        Assert.Contains("ms", latency.QuerySelector("[data-testid=verdict-effect]")!.TextContent);
        // Box plots: the canary's median to the right of the baseline's.
        var medians = latency.QuerySelectorAll("[data-testid=box]").ToDictionary(b => b.GetAttribute("data-series")!, b => double.Parse(b.GetAttribute("data-median")!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(medians["canary"] > medians["baseline"] * 1.2, $"{medians["canary"]} vs {medians["baseline"]}");

        var errors = cut.Find("[data-testid=verdict-metric][data-metric=errors]");
        Assert.Contains("mixture sequential test", errors.QuerySelector("[data-testid=verdict-test]")!.TextContent);
        Assert.NotNull(errors.QuerySelector("[data-testid=verdict-sequential]"));
        Assert.Equal("0 / 0", errors.QuerySelector("[data-testid=verdict-errors]")!.TextContent);
        // The mixture test's two statistics, each against its own boundary: 150 clean requests are evidence of no worse.
        var bars = errors.QuerySelectorAll("[data-testid=verdict-evidence]").ToDictionary(b => b.GetAttribute("data-kind")!, b => b);
        Assert.Equal(["no-worse", "worse"], bars.Keys.Order());
        double Of(string kind, string attribute) => double.Parse(bars[kind].GetAttribute(attribute)!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Of("no-worse", "data-value") >= Of("no-worse", "data-boundary"));
        Assert.True(Of("worse", "data-value") < Of("worse", "data-boundary"));
        Assert.Contains("/", errors.QuerySelector("[data-testid=verdict-no-worse]")!.TextContent);
    }

    [Fact]
    public async Task Follows_the_judge_without_a_reload_and_the_rollout_detail_links_to_it()
    {
        SignIn("vera", Roles.Viewer);
        var (id, run) = await JudgedAsync(Verdict(10, n: 40));
        var cut = RenderVerdict(id, run);
        Assert.Equal("Collecting", cut.WaitForElement("[data-testid=verdict-header]").GetAttribute("data-outcome"));

        await UpdateStoredAsync(id, r => r.AnalysisRuns.Single(a => a.Id == run).VerdictJson = Verdict(10).ToJson());
        Services.GetRequiredService<RolloutUpdates>().Publish(id, Checkout.ToString());

        cut.WaitForAssertion(() => Assert.Equal("Pass", cut.Find("[data-testid=verdict-header]").GetAttribute("data-outcome")));
        Assert.All(cut.FindAll("[data-testid=verdict-metric]"), m => Assert.Equal("true", m.GetAttribute("data-passed")));

        var detail = Render<RolloutDetail>(p => p.Add(x => x.Id, id));
        detail.WaitForAssertion(() => Assert.Equal(VerdictPage.Href(id, run), detail.Find("[data-testid=verdict-link]").GetAttribute("href")));
    }

    [Fact]
    public async Task A_template_on_walds_test_shows_the_log_likelihood_ratio_between_its_two_bounds()
    {
        SignIn("vera", Roles.Viewer);
        var spec = new JudgeSpec { Metrics = [new JudgedMetric { Name = "errors", Quantity = JudgedQuantity.Errors, Test = SequentialMethod.Wald }] };
        var verdict = CanaryJudge.Evaluate(spec, "1.1.0", "1.0.0-0badc0de", Latencies(3, 100, 10), Latencies(4, 100, 10), TimeSpan.FromSeconds(12), At);
        var (id, run) = await JudgedAsync(verdict);

        var cut = RenderVerdict(id, run);

        var errors = cut.WaitForElement("[data-testid=verdict-metric][data-metric=errors]");
        Assert.Contains("Wald", errors.QuerySelector("[data-testid=verdict-test]")!.TextContent);
        Assert.Empty(errors.QuerySelectorAll("[data-testid=verdict-evidence]"));
        // 100 clean requests: the ratio has passed the "no worse" bound ln B (-2.98).
        Assert.True(double.Parse(errors.QuerySelector("[data-testid=verdict-sequential]")!.GetAttribute("data-llr")!, System.Globalization.CultureInfo.InvariantCulture) < -2.9);
        Assert.Null(errors.QuerySelector("[data-testid=verdict-no-worse]"));
    }

    [Fact]
    public async Task A_run_without_a_verdict_or_an_unknown_run_says_so()
    {
        SignIn("vera", Roles.Viewer);
        var (id, _) = await JudgedAsync(Verdict(10));

        Assert.NotNull(RenderVerdict(id, Guid.NewGuid()).WaitForElement("[data-testid=verdict-not-found]"));
        Guid plain = Guid.Empty;
        await UpdateStoredAsync(id, r =>
        {
            var run = AnalysisRunner.Start(r, ErrorRate, AnalysisRunKind.Step, 1, At);
            r.AnalysisRuns.Add(run);
            plain = run.Id;
        });
        Assert.NotNull(RenderVerdict(id, plain).WaitForElement("[data-testid=verdict-none]"));
    }
}
