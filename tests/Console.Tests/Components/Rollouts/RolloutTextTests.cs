using OpsConsole.Console.Components.Pages.Rollouts;
using OpsConsole.Core.Access;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Tests.Components.Rollouts;

/// <summary>The small rules behind the rollout pages: threshold lines, readable event data, where blue/green stands, which buttons show.</summary>
public sealed class RolloutTextTests
{
    [Theory]
    [InlineData("result <= 0.05", new[] { 0.05 })]
    [InlineData("result > 0.9 && result < 1", new[] { 0.9, 1.0 })]
    [InlineData("0.95 <= result", new[] { 0.95 })]
    [InlineData("result[0] >= 3", new[] { 3.0 })]
    [InlineData("result < 1e3", new[] { 1000.0 })]
    [InlineData("len(result) > 0", new double[0])]
    [InlineData("", new double[0])]
    public void Thresholds_are_the_numbers_a_condition_compares_the_result_with(string condition, double[] expected) =>
        Assert.Equal(expected, RolloutText.Thresholds(condition));

    [Fact]
    public void Event_data_is_shown_without_json_escapes()
    {
        Assert.Equal("""{"reason":"Metric 'error-rate' failed (success when result <= 0.05)"}""",
            RolloutText.ReadableJson("""{"reason":"Metric \u0027error-rate\u0027 failed (success when result \u003C= 0.05)"}"""));
        Assert.Equal("not json", RolloutText.ReadableJson("not json"));
    }

    private static Rollout BlueGreen(Action<Rollout>? change = null)
    {
        var now = DateTime.UtcNow;
        var r = new Rollout
        {
            Service = "checkout", Environment = "prod", Version = "1.1.0", Revision = "1.1.0", StableRevision = "1.0.0", StableVersion = "1.0.0",
            StrategyJson = RolloutStrategy.DemoBlueGreen(DemoTemplates.ErrorRate).ToJson(), CreatedBy = "olga", CreatedAt = now, AttemptStartedAt = now,
        };
        change?.Invoke(r);
        return r;
    }

    [Fact]
    public void Blue_green_is_placed_on_its_timeline_by_what_has_happened()
    {
        var waiting = RolloutModel.From(BlueGreen());
        Assert.Equal(["preview by header", "pre-promotion analysis error-rate", "switch"], waiting.View.Steps);
        Assert.Equal([StepState.Current, StepState.Pending, StepState.Pending], waiting.Steps.Select(s => s.State));

        var analysing = RolloutModel.From(BlueGreen(r => r.AnalysisRuns.Add(
            AnalysisRunner.Start(r, DemoTemplates.All[0], AnalysisRunKind.PrePromotion, null, r.AttemptStartedAt))));
        Assert.Equal([StepState.Done, StepState.Current, StepState.Pending], analysing.Steps.Select(s => s.State));

        var switched = RolloutModel.From(BlueGreen(r => { r.Switched = true; r.CanaryWeight = 100; }));
        Assert.Equal([StepState.Done, StepState.Done, StepState.Done], switched.Steps.Select(s => s.State));
        Assert.Equal(100, switched.NewWeight);
    }

    [Fact]
    public void Buttons_follow_the_phase_and_the_roles()
    {
        var onCall = new Actor("olga", new HashSet<string> { Roles.OnCall }, "t");
        var releaseManager = new Actor("rita", new HashSet<string> { Roles.ReleaseManager }, "t");
        var admin = new Actor("ada", new HashSet<string> { Roles.Admin, Roles.Viewer, Roles.Facilitator }, "t");

        Assert.Equal([RolloutAction.Promote, RolloutAction.Pause, RolloutAction.Abort], RolloutModel.From(BlueGreen()).ActionsFor(onCall));
        Assert.Empty(RolloutModel.From(BlueGreen()).ActionsFor(admin));
        Assert.Equal([RolloutAction.Resume, RolloutAction.Promote, RolloutAction.PromoteFull, RolloutAction.Abort],
            RolloutModel.From(BlueGreen(r => { r.Phase = RolloutPhase.Paused; r.PausedByUser = true; })).ActionsFor(releaseManager));
        Assert.Equal([RolloutAction.Retry], RolloutModel.From(BlueGreen(r => r.Phase = RolloutPhase.Degraded)).ActionsFor(onCall));
        Assert.Empty(RolloutModel.From(BlueGreen(r => r.Phase = RolloutPhase.Healthy)).ActionsFor(releaseManager));

        // The buttons ask Core: past an analysis step that has not passed, only a release manager may promote or skip.
        var onAnalysis = RolloutModel.From(BlueGreen(r => { r.StrategyJson = RolloutStrategy.DemoCanary(DemoTemplates.ErrorRate).ToJson(); r.CurrentStepIndex = 1; }));
        Assert.Equal([RolloutAction.Pause, RolloutAction.Abort], onAnalysis.ActionsFor(onCall));
        Assert.Equal([RolloutAction.Promote, RolloutAction.Skip, RolloutAction.PromoteFull, RolloutAction.Pause, RolloutAction.Abort], onAnalysis.ActionsFor(releaseManager));
        var onWeight = RolloutModel.From(BlueGreen(r => r.StrategyJson = RolloutStrategy.DemoCanary(DemoTemplates.ErrorRate).ToJson()));
        Assert.Equal([RolloutAction.Promote, RolloutAction.Skip, RolloutAction.Pause, RolloutAction.Abort], onWeight.ActionsFor(onCall));
    }

    [Fact]
    public void The_start_form_sends_a_named_strategy_by_name_and_a_chosen_template_as_the_same_strategy_written_out()
    {
        Assert.Equal("\"canary\"", new StartRolloutInput { Strategy = "canary" }.StrategyElement()!.Value.GetRawText());
        var withTemplate = new StartRolloutInput { Strategy = "canary", Template = DemoTemplates.Latency }.StrategyElement()!.Value;
        var parsed = RolloutStrategy.Parse(withTemplate);
        Assert.Equal([DemoTemplates.Latency], parsed.TemplateNames().Distinct());
        Assert.Equal(RolloutStrategy.DemoCanary(DemoTemplates.Latency).Canary!.Steps, parsed.Canary!.Steps);
        var blueGreen = RolloutStrategy.Parse(new StartRolloutInput { Strategy = "blueGreen", Template = DemoTemplates.Latency }.StrategyElement()!.Value);
        Assert.Equal(DemoTemplates.Latency, blueGreen.BlueGreen!.PrePromotionAnalysis);
        // The template only shapes the named strategies; inline JSON and the target's default are sent as they are.
        Assert.Equal("\"default\"", new StartRolloutInput { Strategy = "default", Template = DemoTemplates.Latency }.StrategyElement()!.Value.GetRawText());
    }
}
