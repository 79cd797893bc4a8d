using System.Text.Json;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using OpsConsole.Console.Components.Pages.Drills;
using OpsConsole.Console.Tests.Components.Rollouts;
using OpsConsole.Core.Access;
using OpsConsole.Core.Drills;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Tests.Components.Drills;

/// <summary>The drill pages over the real drill desk and rollout coordinator (fake cluster; no reconciler runs).</summary>
public sealed class DrillPagesTests : RolloutComponentContext
{
    private static readonly Actor Fay = new("fay", new HashSet<string> { Roles.Facilitator }, "bunit");

    public DrillPagesTests() : base(s =>
    {
        s.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext());
        s.AddDrills();
    })
    {
    }

    private async Task<Guid> DrillAsync(string env = "staging")
    {
        await using (var db = NewDb())
        {
            if (!await db.DeployTargets.AnyAsync(t => t.Service == "checkout" && t.Environment == env))
            {
                db.DeployTargets.Add(new Core.Rollouts.DeployTarget
                {
                    Service = "checkout", Environment = env, StableVersion = "1.0.0", StableRevision = "1.0.0", DefaultStrategyJson = Strategy,
                    CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
                });
                await db.SaveChangesAsync();
            }
        }
        await using var scope = Services.CreateAsyncScope();
        var drill = await scope.ServiceProvider.GetRequiredService<DrillDesk>().CreateAsync(Fay,
            new DrillRequest("checkout", env, new Dictionary<string, string?> { ["FAULT_ERROR_RATE"] = "0.5" }, "0 3 * * 1", 60));
        return drill.Id;
    }

    /// <summary>A finished run as the follower would store it, with its drill.completed event published live.</summary>
    private async Task FinishedRunAsync(Guid drillId, double rollbackSeconds, bool passed, DateTime at)
    {
        await using var db = NewDb();
        var run = new DrillRun
        {
            DrillId = drillId, Service = "checkout", Environment = "staging", TriggeredBy = "system", StartedAt = at, TargetSeconds = 60,
            Status = passed ? DrillRunStatus.Passed : DrillRunStatus.Failed, Passed = passed, DetectionSeconds = rollbackSeconds - 1,
            RollbackSeconds = rollbackSeconds, Reason = passed ? "Rolled back in time." : "Rollback took too long.", CompletedAt = at.AddMinutes(1),
        };
        db.DrillRuns.Add(run);
        var row = Services.GetRequiredService<EventOutbox>().Add(db, Fay, EventTypes.DrillCompleted, "checkout/staging",
            new { drillId, runId = run.Id, service = "checkout", environment = "staging", passed, rollbackSeconds, targetSeconds = 60, drill = true });
        await db.SaveChangesAsync();
        await Services.GetRequiredService<LiveEvents>().OnEventAsync(EventEnvelope.From(row), db, CancellationToken.None);
    }

    [Fact]
    public async Task The_list_shows_each_drill_with_its_next_run_last_score_and_pass_rate_live()
    {
        SignIn("vera", Roles.Viewer);
        var id = await DrillAsync();
        var cut = Render<DrillsPage>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=drill-row]")));
        Assert.Contains("never run", cut.Find("[data-testid=drill-last]").TextContent);
        Assert.Matches(@"\d{4}-\d{2}-\d{2} 03:00", cut.Find("[data-testid=drill-next]").TextContent);
        // A Viewer reads but gets no form.
        Assert.Empty(cut.FindAll("[data-testid=drill-form]"));
        Assert.NotNull(cut.Find("[data-testid=drills-live]"));

        await FinishedRunAsync(id, 4.2, passed: true, DateTime.UtcNow.AddHours(-2));
        await FinishedRunAsync(id, 75, passed: false, DateTime.UtcNow.AddHours(-1));

        cut.WaitForAssertion(() => Assert.Contains("rolled back in 75.0 s of 60 s", cut.Find("[data-testid=drill-last]").TextContent));
        Assert.Contains("Failed", cut.Find("[data-testid=drill-last]").TextContent);
        Assert.Equal("50 % of 2", cut.Find("[data-testid=drill-pass-rate]").TextContent.Trim());
    }

    [Fact]
    public async Task A_facilitator_schedules_a_drill_from_the_form_and_a_bad_cron_is_shown_not_stored()
    {
        SignIn("fay", Roles.Facilitator);
        await DrillAsync(); // creates the staging target too
        var cut = Render<DrillsPage>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=drill-form]")));
        Assert.Empty(cut.FindAll("[data-testid=drill-allow-prod]"));

        cut.Find("input[data-testid=drill-cron], [data-testid=drill-cron] input").Change("every monday");
        cut.Find("[data-testid=drill-create]").Click();
        cut.WaitForAssertion(() => Assert.Contains("'every monday' does not parse", cut.Find("[data-testid=drills-error]").TextContent));
        await using (var db = NewDb()) Assert.Equal(1, await db.Drills.CountAsync());

        cut.Find("input[data-testid=drill-cron], [data-testid=drill-cron] input").Change("*/30 * * * *");
        cut.Find("[data-testid=drill-create]").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=drill-row]").Count));
        await using var check = NewDb();
        Assert.Equal(1, await check.Drills.CountAsync(d => d.Cron == "*/30 * * * *" && d.CreatedBy == "fay"));
    }

    [Fact]
    public async Task The_detail_charts_rollback_seconds_against_the_target_and_run_now_asks_first()
    {
        SignIn("fay", Roles.Facilitator);
        var id = await DrillAsync();
        await FinishedRunAsync(id, 4.2, passed: true, DateTime.UtcNow.AddHours(-2));
        await FinishedRunAsync(id, 6.5, passed: true, DateTime.UtcNow.AddHours(-1));
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<DrillDetail>(p => p.Add(x => x.Id, id));

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=run-row]").Count));
        Assert.NotEmpty(cut.FindAll("[data-testid=drill-chart] svg"));
        Assert.Equal("6.5 s", cut.FindAll("[data-testid=run-rollback]")[0].TextContent.Trim());

        // Cancelled: nothing runs.
        cut.Find("[data-testid=drill-run-now]").Click();
        dialogs.WaitForElement("[data-testid=confirm-cancel]").Click();
        await using (var db = NewDb()) Assert.Equal(2, await db.DrillRuns.CountAsync());

        // Confirmed: a run starts, with its rollout marked as the drill's.
        cut.Find("[data-testid=drill-run-now]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("checkout/staging", dialogs.Find("[data-testid=confirm-dialog]").TextContent));
        dialogs.Find("[data-testid=confirm-action]").Click();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=run-row]").Count));
        Assert.Equal("Running", cut.FindAll("[data-testid=run-status]")[0].TextContent.Trim());
        await using var check = NewDb();
        var run = await check.DrillRuns.SingleAsync(r => r.Status == DrillRunStatus.Running);
        Assert.Equal("fay", run.TriggeredBy);
        Assert.Equal(run.Id, (await check.Rollouts.SingleAsync()).DrillRunId);
    }

    [Fact]
    public async Task A_viewer_sees_no_run_button()
    {
        SignIn("vera", Roles.Viewer);
        var id = await DrillAsync();
        var cut = Render<DrillDetail>(p => p.Add(x => x.Id, id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=drill-summary]")));
        Assert.Empty(cut.FindAll("[data-testid=drill-run-now]"));
        Assert.NotNull(cut.Find("[data-testid=drill-chart-empty]"));
    }
}
