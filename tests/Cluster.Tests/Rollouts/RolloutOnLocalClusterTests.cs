using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Cluster.Tests.Rollouts;

/// <summary>Rollouts end to end on the real local cluster: processes, ingress, measured traffic, store.</summary>
public sealed class RolloutOnLocalClusterTests
{
    [Fact]
    public async Task A_healthy_canary_completes_and_the_new_version_answers_all_requests()
    {
        var target = new ServiceEnvironment("checkout", "dev");
        await using var h = new RolloutHarness();
        await h.SeedAsync(target);
        var rollout = await h.StartAsync(target, "1.1.0");

        var done = await h.ReconcileUntilAsync(rollout.Id, r => r.IsFinished, "the canary finishes");
        Assert.Equal(RolloutPhase.Healthy, done.Phase);
        Assert.True(done.CompletedAt - done.CreatedAt < TimeSpan.FromMinutes(1), $"took {done.CompletedAt - done.CreatedAt}");
        Assert.All(done.AnalysisRuns, a => Assert.Equal("Successful", a.Phase.ToString()));

        var versions = await h.VersionsThroughIngressAsync(target, 40);
        Assert.Equal(new Dictionary<string, int> { ["1.1.0"] = 40 }, versions);
    }

    [Fact]
    public async Task A_canary_answering_half_its_requests_with_500_is_rolled_back_and_stable_takes_all_traffic()
    {
        var target = new ServiceEnvironment("payments", "dev");
        await using var h = new RolloutHarness();
        await h.SeedAsync(target);
        var rollout = await h.StartAsync(target, "1.2.0", config: new() { ["FAULT_ERROR_RATE"] = "0.5" });

        var done = await h.ReconcileUntilAsync(rollout.Id, r => r.IsFinished, "the bad canary is decided");
        Assert.Equal(RolloutPhase.Aborted, done.Phase);
        Assert.Contains("error-rate", done.AbortReason);
        var failed = done.AnalysisRuns.SelectMany(a => a.Measurements).Where(m => m.Phase.ToString() == "Failed").ToList();
        Assert.NotEmpty(failed);
        Assert.All(failed, m => Assert.True(m.Value > 0.05));

        var answers = await h.Cluster.SendAsync(target, 40);
        Assert.All(answers, a => Assert.Equal(200, a.Status));
        Assert.Equal(new Dictionary<string, int> { ["1.0.0"] = 40 }, await h.VersionsThroughIngressAsync(target, 40));
        await using var db = h.NewContext();
        var rollback = await db.OutboxEvents.SingleAsync(e => e.Type == EventTypes.RollbackExecuted);
        Assert.Contains("automatic", rollback.CloudEventJson);
    }

    [Fact]
    public async Task Blue_green_whose_pre_promotion_analysis_fails_never_switches()
    {
        var target = new ServiceEnvironment("catalog", "dev");
        await using var h = new RolloutHarness();
        await h.SeedAsync(target, rps: 10, previewRps: 10);
        var rollout = await h.StartAsync(target, "2.0.0", """{"blueGreen":{"prePromotionAnalysis":"error-rate","autoPromotionEnabled":true}}""",
            new() { ["FAULT_ERROR_RATE"] = "0.6" });

        // While the preview is analysed, plain requests still reach only the stable version; the header reaches the preview.
        var previewing = await h.ReconcileUntilAsync(rollout.Id, r => r.AnalysisRuns.Count > 0 || r.IsFinished, "the preview is up");
        if (!previewing.IsFinished)
        {
            Assert.Equal(new Dictionary<string, int> { ["1.0.0"] = 20 }, await h.VersionsThroughIngressAsync(target, 20));
            var preview = await h.Cluster.SendAsync(target, 10, new Dictionary<string, string> { [HeaderRoute.PreviewHeader] = "true" });
            Assert.Contains(preview, a => a.Body.Contains("2.0.0") || a.Status == 500);
        }

        var done = await h.ReconcileUntilAsync(rollout.Id, r => r.IsFinished, "the pre-promotion analysis decides");
        Assert.Equal(RolloutPhase.Aborted, done.Phase);
        Assert.False(done.Switched);
        Assert.Equal(new Dictionary<string, int> { ["1.0.0"] = 30 }, await h.VersionsThroughIngressAsync(target, 30));
        await using var db = h.NewContext();
        Assert.DoesNotContain(await db.OutboxEvents.Where(e => e.Type == EventTypes.RolloutStepChanged).Select(e => e.CloudEventJson).ToListAsync(),
            json => json.Contains("\"switch\""));
    }

    [Fact]
    public async Task A_console_restart_mid_canary_resumes_it_with_the_same_split_and_no_repeated_events()
    {
        var target = new ServiceEnvironment("checkout", "staging");
        var dataDir = Path.Combine(Path.GetTempPath(), "opsconsole-rollout-tests", Guid.NewGuid().ToString("N"));
        Guid id;
        int stepEventsBefore;
        await using (var first = new RolloutHarness(dataDir, keepData: true))
        {
            await first.SeedAsync(target);
            id = (await first.StartAsync(target, "1.1.0", """{"canary":{"steps":[{"setWeight":30},{"pause":{}},{"setWeight":100}]}}""")).Id;
            await first.ReconcileUntilAsync(id, r => r.Phase == RolloutPhase.Paused, "paused at 30%");
            await using var db = first.NewContext();
            stepEventsBefore = await db.OutboxEvents.CountAsync(e => e.Type == EventTypes.RolloutStepChanged);
        } // the console stops: every process it started is stopped with it

        await using var second = new RolloutHarness(dataDir);
        await second.SeedAsync(target);
        // The next passes bring back both revisions and, once the canary is healthy again, the 70/30 split.
        TrafficRouting? routing = null;
        await second.ReconcileUntilAsync(id, _ =>
        {
            routing = second.Cluster.Adapter.GetServiceAsync(target).GetAwaiter().GetResult()?.Routing;
            return routing?.Weights?.Equals(TrafficSplit.Canary("1.0.0", "1.1.0", 30)) == true;
        }, "the stored split is back");
        var versions = await second.VersionsThroughIngressAsync(target, 200);
        Assert.InRange(versions.GetValueOrDefault("1.1.0"), 30, 90);
        Assert.InRange(versions.GetValueOrDefault("1.0.0"), 110, 170);

        var resumed = await second.LoadAsync(id);
        Assert.Equal(RolloutPhase.Paused, resumed.Phase);
        Assert.Equal(1, resumed.CurrentStepIndex);
        await using (var db = second.NewContext())
            Assert.Equal(stepEventsBefore, await db.OutboxEvents.CountAsync(e => e.Type == EventTypes.RolloutStepChanged));

        await second.ActAsync(id, RolloutAction.Promote);
        var done = await second.ReconcileUntilAsync(id, r => r.IsFinished, "finishes after promote");
        Assert.Equal(RolloutPhase.Healthy, done.Phase);
    }
}
