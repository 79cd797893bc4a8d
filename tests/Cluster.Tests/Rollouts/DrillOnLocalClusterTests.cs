using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Dora;
using OpsConsole.Core.Drills;
using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Cluster.Tests.Rollouts;

/// <summary>A rollback drill on the real local cluster: real workload processes, the real ingress, traffic, the reconciler.</summary>
public sealed class DrillOnLocalClusterTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly Actor Admin = new("ada", new HashSet<string> { Roles.Admin }, "it");

    [Fact]
    public async Task A_drill_rolls_a_faulty_build_out_the_engine_rolls_it_back_and_the_times_are_measured_without_touching_dora()
    {
        var target = new ServiceEnvironment("checkout", "prod");
        await using var h = new RolloutHarness(configure: s => s.AddDrills());
        await h.SeedAsync(target);

        Guid runId;
        await using (var scope = h.NewScope())
        {
            var desk = scope.ServiceProvider.GetRequiredService<DrillDesk>();
            // Prod needs the Admin's opt-in; DORA counts prod only, so this is where a drill could distort it.
            var drill = await desk.CreateAsync(Admin, new DrillRequest("checkout", "prod", new Dictionary<string, string?> { ["FAULT_ERROR_RATE"] = "0.5" },
                "0 3 * * 1", 60, AllowProd: true));
            runId = (await desk.StartRunAsync(Admin, drill.Id)).Id;
        }

        DrillRunView? run = null;
        await Eventually.TrueAsync(async () =>
        {
            await h.Reconciler.ReconcileOnceAsync(CancellationToken.None);
            await using var scope = h.NewScope();
            var desk = scope.ServiceProvider.GetRequiredService<DrillDesk>();
            await desk.FollowAsync();
            run = await desk.RunAsync(runId);
            return run!.Status != "Running";
        }, TimeSpan.FromSeconds(120), () => $"the drill run ends; last: {run?.Status} {run?.Reason}");

        output.WriteLine($"drill run {run!.Status}: detection {run.DetectionSeconds:0.00} s, rollback {run.RollbackSeconds:0.00} s (target {run.TargetSeconds} s): {run.Reason}");
        Assert.True(run.Passed, run.Reason);
        Assert.Equal("Passed", run.Status);
        Assert.True(run.DetectionSeconds > 0, $"detection {run.DetectionSeconds}");
        Assert.True(run.RollbackSeconds > 0, $"rollback {run.RollbackSeconds}");
        Assert.True(run.RollbackSeconds >= run.DetectionSeconds);
        Assert.True(run.RollbackSeconds < 60, $"rollback {run.RollbackSeconds}");
        Assert.True(run.FaultLiveAt < run.DetectedAt);

        // The faulty build is gone: every request is answered by the stable build, without errors.
        var answers = await h.Cluster.SendAsync(target, 40);
        Assert.All(answers, a => Assert.Equal(200, a.Status));
        Assert.Equal(new Dictionary<string, int> { ["1.0.0"] = 40 }, await h.VersionsThroughIngressAsync(target, 40));

        await using var db = h.NewContext();
        var rollout = await db.Rollouts.SingleAsync(r => r.Id == run.RolloutId);
        Assert.Equal(RolloutPhase.Aborted, rollout.Phase);
        Assert.Equal(runId, rollout.DrillRunId);
        Assert.Equal("1.0.0", (await db.DeployTargets.SingleAsync(t => t.Service == "checkout" && t.Environment == "prod")).StableVersion);
        var events = await db.OutboxEvents.Where(e => e.Subject == "checkout/prod").ToListAsync();
        Assert.Contains(events, e => e.Type == EventTypes.RollbackExecuted);
        Assert.All(events, e => Assert.True(JsonDocument.Parse(e.CloudEventJson).RootElement.GetProperty("data").GetProperty("drill").GetBoolean(), e.Type));

        var now = DateTime.UtcNow;
        var dora = await DoraQueries.ReportAsync(db, new DoraSettings(new HashSet<string> { "prod" }), null, now.AddDays(-1), now.AddMinutes(1));
        Assert.Empty(dora.Deployments);
        Assert.Equal(0, dora.Overall.Deployments);
    }
}
