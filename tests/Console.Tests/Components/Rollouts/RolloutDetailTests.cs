using AngleSharp.Dom;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using OpsConsole.Console.Components.Pages.Rollouts;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Rollouts.Analysis;

namespace OpsConsole.Console.Tests.Components.Rollouts;

/// <summary>
/// The rollout detail over a real store and the real coordinator: what it shows of a stored
/// rollout, how it follows changes without a reload, and the actions each role gets.
/// </summary>
public sealed class RolloutDetailTests : RolloutComponentContext
{
    /// <summary>A canary at step 2 (analysis) with 20% on 1.1.0 and two error-rate measurements, one over the threshold.</summary>
    private async Task<Guid> CanaryAtAnalysisAsync()
    {
        var id = await StartRolloutAsync();
        await Cluster.SetWeightsAsync(Checkout, TrafficSplit.Canary("1.0.0", "1.1.0", 20));
        var t0 = DateTime.UtcNow.AddSeconds(-3);
        await UpdateStoredAsync(id, r =>
        {
            r.CurrentStepIndex = 1;
            r.CanaryWeight = 20;
            r.Message = "Analysing with error-rate.";
            var run = AnalysisRunner.Start(r, ErrorRate, AnalysisRunKind.Step, 1, t0);
            run.Measurements.Add(new AnalysisMeasurement { Metric = "error-rate", At = t0.AddSeconds(1), Value = 0.01, Phase = MeasurementPhase.Successful });
            run.Measurements.Add(new AnalysisMeasurement { Metric = "error-rate", At = t0.AddSeconds(2), Value = 0.2, Phase = MeasurementPhase.Failed });
            r.AnalysisRuns.Add(run);
        });
        return id;
    }

    private IRenderedComponent<RolloutDetail> RenderDetail(Guid id) => Render<RolloutDetail>(p => p.Add(x => x.Id, id));

    private static string[] StepStates(IRenderedComponent<RolloutDetail> cut) =>
        cut.FindAll("[data-testid=step]").Select(s => s.GetAttribute("data-state") ?? "").ToArray();

    private static IElement Bar(IRenderedComponent<RolloutDetail> cut) => cut.Find("[data-testid=traffic-bar]");

    [Fact]
    public async Task Shows_the_phase_steps_traffic_split_instances_measurements_and_events_of_a_stored_rollout()
    {
        SignIn("vera", Roles.Viewer);
        var id = await CanaryAtAnalysisAsync();

        var cut = RenderDetail(id);

        cut.WaitForAssertion(() => Assert.Equal("Progressing", cut.Find("[data-testid=phase]").GetAttribute("data-phase")));
        Assert.Equal("checkout / prod", cut.Find("[data-testid=rollout-target]").TextContent.Trim());
        Assert.Equal("1.0.0", cut.Find("[data-testid=version-from]").TextContent);
        Assert.Equal("1.1.0", cut.Find("[data-testid=version-to]").TextContent);
        Assert.Equal("Analysing with error-rate.", cut.Find("[data-testid=rollout-message]").TextContent.Trim());

        Assert.Equal(["done", "current", "pending", "pending"], StepStates(cut));
        Assert.Equal(["set weight 20%", "analysis error-rate", "set weight 60%", "pause until promoted"],
            cut.FindAll("[data-testid=step]").Select(s => s.Children[2].TextContent.Trim()));
        Assert.Equal("step 2 of 4", cut.Find("[data-testid=step-progress]").TextContent.Trim());

        var bar = Bar(cut);
        Assert.Equal("80", bar.GetAttribute("data-stable-weight"));
        Assert.Equal("20", bar.GetAttribute("data-canary-weight"));
        Assert.Equal("1.0.0", bar.GetAttribute("data-stable-revision"));
        Assert.Equal("1.1.0", bar.GetAttribute("data-canary-revision"));
        Assert.Contains("stable 1.0.0 80%", bar.TextContent);
        Assert.Contains("new 1.1.0 20%", bar.TextContent);

        var revisions = cut.FindAll("[data-testid=revision-row]");
        Assert.Equal(["1.0.0", "1.1.0"], revisions.Select(r => r.GetAttribute("data-revision")));
        Assert.All(cut.FindAll("[data-testid=instance]"), i => Assert.Equal("Healthy", i.GetAttribute("data-state")));

        var chart = cut.Find("[data-testid=metric-chart][data-metric=error-rate]");
        Assert.Contains("result <= 0.05", chart.QuerySelector("[data-testid=success-condition]")!.TextContent);
        Assert.Equal("0.05", chart.QuerySelector("[data-testid=threshold]")!.GetAttribute("data-value"));
        var points = chart.QuerySelectorAll("[data-testid=measurement-point]");
        Assert.Equal([("0.01", "Successful"), ("0.2", "Failed")], points.Select(p => (p.GetAttribute("data-value"), p.GetAttribute("data-phase"))));
        Assert.Equal("#d32f2f", points[1].GetAttribute("fill"));
        Assert.NotEqual("#d32f2f", points[0].GetAttribute("fill"));
        Assert.Equal(["0.01", "0.2"], chart.QuerySelectorAll("[data-testid=measurement-value]").Select(v => v.TextContent.Trim()));

        Assert.Equal(EventTypes.DeployStarted, cut.Find("[data-testid=rollout-event]").GetAttribute("data-event-type"));
    }

    [Fact]
    public async Task Follows_a_stored_change_when_the_reconciler_publishes_it()
    {
        SignIn("vera", Roles.Viewer);
        var id = await CanaryAtAnalysisAsync();
        var cut = RenderDetail(id);
        cut.WaitForAssertion(() => Assert.Equal("20", Bar(cut).GetAttribute("data-canary-weight")));
        Assert.NotNull(cut.Find("[data-testid=rollout-live]"));

        // A tick moved the canary on to 60% and the wait; nobody has told the page yet.
        await UpdateStoredAsync(id, r =>
        {
            r.CurrentStepIndex = 3;
            r.CanaryWeight = 60;
            r.Phase = RolloutPhase.Paused;
            r.PauseReason = "Paused until someone promotes.";
            r.Message = r.PauseReason;
        });
        Assert.Equal("20", Bar(cut).GetAttribute("data-canary-weight"));

        // Another rollout's notice changes nothing here; this one's makes the page read the store again.
        var updates = Services.GetRequiredService<RolloutUpdates>();
        updates.Publish(Guid.NewGuid(), "catalog/dev");
        updates.Publish(id, Checkout.ToString());

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("60", Bar(cut).GetAttribute("data-canary-weight"));
            Assert.Equal("40", Bar(cut).GetAttribute("data-stable-weight"));
            Assert.Equal("Paused", cut.Find("[data-testid=phase]").GetAttribute("data-phase"));
        });
        Assert.Equal(["done", "done", "done", "waiting"], StepStates(cut));
        Assert.Equal("Paused until someone promotes.", cut.Find("[data-testid=pause-reason]").TextContent.Trim());
    }

    [Fact]
    public async Task Follows_an_event_of_this_rollout_relayed_from_the_outbox()
    {
        SignIn("vera", Roles.Viewer);
        var id = await CanaryAtAnalysisAsync();
        var cut = RenderDetail(id);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=rollout-event]")));

        // Someone aborted elsewhere (the API): the action's events reach live views through the relay.
        await using (var scope = Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<RolloutCoordinator>().ActAsync(Olga, id, RolloutAction.Abort);
        await using (var db = NewDb())
        {
            var relayed = db.OutboxEvents.OrderBy(e => e.Position).ToList().Last();
            await Services.GetRequiredService<LiveEvents>().OnEventAsync(EventEnvelope.From(relayed), db, CancellationToken.None);
        }

        cut.WaitForAssertion(() => Assert.Equal("Aborted", cut.Find("[data-testid=phase]").GetAttribute("data-phase")));
        Assert.Contains(EventTypes.RollbackExecuted, cut.FindAll("[data-testid=rollout-event]").Select(e => e.GetAttribute("data-event-type")));
    }

    [Fact]
    public async Task A_viewer_gets_no_action_buttons()
    {
        SignIn("vera", Roles.Viewer);
        var id = await CanaryAtAnalysisAsync();

        var cut = RenderDetail(id);

        cut.WaitForAssertion(() => Assert.Equal("Progressing", cut.Find("[data-testid=phase]").GetAttribute("data-phase")));
        Assert.Empty(cut.FindAll("[data-testid=action-abort]"));
        Assert.Empty(cut.FindAll("[data-testid=rollout-actions]"));
    }

    [Fact]
    public async Task Promoting_past_a_running_analysis_and_promote_full_are_offered_to_a_release_manager_but_not_to_on_call()
    {
        var id = await CanaryAtAnalysisAsync();

        SignIn("olga", Roles.OnCall);
        var onCall = RenderDetail(id);
        onCall.WaitForAssertion(() => Assert.NotNull(onCall.Find("[data-testid=action-abort]")));
        // On a running analysis step, promote and skip would pass the analysis: Core offers them to release managers only.
        Assert.Equal(["action-pause", "action-abort"],
            onCall.FindAll("[data-testid=rollout-actions] button").Select(b => b.GetAttribute("data-testid")));

        SignIn("rita", Roles.ReleaseManager);
        var releaseManager = RenderDetail(id);
        releaseManager.WaitForAssertion(() => Assert.NotNull(releaseManager.Find("[data-testid=action-promote-full]")));
        Assert.Equal(["action-promote", "action-skip", "action-promote-full", "action-pause", "action-abort"],
            releaseManager.FindAll("[data-testid=rollout-actions] button").Select(b => b.GetAttribute("data-testid")));
    }

    [Fact]
    public async Task On_call_aborts_after_confirming_and_the_stored_rollout_is_aborted_with_all_traffic_on_stable()
    {
        SignIn("olga", Roles.OnCall);
        var id = await CanaryAtAnalysisAsync();
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderDetail(id);
        cut.WaitForAssertion(() => Assert.Equal("20", Bar(cut).GetAttribute("data-canary-weight")));

        cut.Find("[data-testid=action-abort]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Send 100% of checkout/prod back to 1.0.0", dialogs.Find("[data-testid=confirm-dialog]").TextContent));
        Assert.Equal(RolloutPhase.Progressing, (await StoredAsync(id)).Phase); // nothing happens before the confirmation
        dialogs.Find("[data-testid=confirm-action]").Click();

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("Aborted", cut.Find("[data-testid=phase]").GetAttribute("data-phase"));
            Assert.Equal("100", Bar(cut).GetAttribute("data-stable-weight"));
            Assert.Equal("0", Bar(cut).GetAttribute("data-canary-weight"));
        });
        var stored = await StoredAsync(id);
        Assert.Equal(RolloutPhase.Aborted, stored.Phase);
        Assert.Equal("aborted by olga", stored.AbortReason);
        Assert.Equal(TrafficSplit.AllTo("1.0.0"), Cluster.WeightsOf(Checkout));
        Assert.Equal(0, Cluster.InstancesOf(Checkout, "1.1.0"));
        Assert.Contains("aborted by olga", cut.Find("[data-testid=abort-reason]").TextContent);
        // After an abort the only action left is to retry.
        Assert.Equal(["action-retry"], cut.FindAll("[data-testid=rollout-actions] button").Select(b => b.GetAttribute("data-testid")));
    }

    [Fact]
    public async Task Cancelling_the_confirmation_leaves_the_rollout_alone()
    {
        SignIn("olga", Roles.OnCall);
        var id = await CanaryAtAnalysisAsync();
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderDetail(id);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=action-abort]")));

        cut.Find("[data-testid=action-abort]").Click();
        dialogs.WaitForElement("[data-testid=confirm-cancel]").Click();

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=confirm-dialog]")));
        Assert.Equal(RolloutPhase.Progressing, (await StoredAsync(id)).Phase);
        Assert.Equal("20", Bar(cut).GetAttribute("data-canary-weight"));
    }

    [Fact]
    public async Task A_refused_action_shows_the_reason_instead_of_failing()
    {
        SignIn("olga", Roles.OnCall);
        var id = await CanaryAtAnalysisAsync();
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderDetail(id);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=action-pause]")));
        // The rollout finished between the page's read and the click.
        await UpdateStoredAsync(id, r => r.Phase = RolloutPhase.Healthy);

        cut.Find("[data-testid=action-pause]").Click();
        dialogs.WaitForElement("[data-testid=confirm-action]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Only a progressing rollout can be paused; this one is Healthy.", cut.Find("[data-testid=action-error]").TextContent));
        Assert.Equal("Healthy", cut.Find("[data-testid=phase]").GetAttribute("data-phase"));
    }

    [Fact]
    public void An_unknown_id_says_so()
    {
        SignIn("vera", Roles.Viewer);
        var cut = RenderDetail(Guid.NewGuid());
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=rollout-not-found]")));
    }
}
