using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using OpsConsole.Console.Components.Pages.GameDays;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.GameDays;

namespace OpsConsole.Console.Tests.Components.GameDays;

/// <summary>The game-day pages over the real store and desk, with the in-memory cluster.</summary>
public sealed class GameDayPagesTests : ComponentContext
{
    private static readonly Actor Fay = new("fay", new HashSet<string> { Roles.Facilitator }, "bunit");

    public GameDayPagesTests() : base(s =>
    {
        s.AddSingleton(TimeProvider.System);
        s.AddSingleton<IClusterAdapter>(new InMemoryClusterAdapter(TimeProvider.System));
        s.AddGameDays();
    })
    {
    }

    private async Task<GameDay> PlanAsync(string title = "Checkout errors")
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<GameDayDesk>().PlanAsync(Fay, new GameDayInput(title, "Does the alert page?", ["checkout/staging"],
            ["paul"], [], "It pages", ["error_ratio < 0.01"], [new FaultInput("ErrorRate", null, 0.5, 0, 60)], null, ["error_ratio > 0.9"]));
    }

    [Fact]
    public async Task A_viewer_sees_the_list_and_the_calendar_but_no_plan_button()
    {
        SignIn("vera", Roles.Viewer);
        var planned = await PlanAsync();
        var cut = Render<GameDaysPage>();
        cut.WaitForAssertion(() => Assert.Equal([planned.Id.ToString()], cut.FindAll("[data-testid=gameday-row]").Select(r => r.GetAttribute("data-gameday-id"))));
        Assert.Empty(cut.FindAll("[data-testid=plan-gameday]"));
        Assert.Equal("Planned", cut.Find("[data-testid=gameday-status]").TextContent.Trim());
    }

    [Fact]
    public void A_facilitator_plans_a_game_day_in_the_editor_and_lands_on_its_page()
    {
        SignIn("fay", Roles.Facilitator);
        var cut = Render<GameDayEditor>();
        cut.Find("input[data-testid=plan-title], [data-testid=plan-title] input").Input("Latency in catalog");
        cut.Find("input[data-testid=plan-scope], [data-testid=plan-scope] input").Input("catalog/dev");
        cut.Find("textarea[data-testid=plan-objective], [data-testid=plan-objective] textarea").Input("Does p99 alert?");
        cut.Find("[data-testid=add-fault]").Click();
        cut.Find("[data-testid=plan-save]").Click();

        var navigation = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.EndsWith("/gamedays/1", navigation.Uri, StringComparison.Ordinal));
        using var db = NewDb();
        var stored = db.GameDays.Single();
        Assert.Equal("Latency in catalog", stored.Title);
        Assert.Equal("fay", stored.Facilitator);
        Assert.Equal("catalog/dev", Assert.Single(stored.Plan.Faults).Target);
    }

    [Fact]
    public void A_bad_abort_condition_is_shown_on_the_editor_and_nothing_is_saved()
    {
        SignIn("fay", Roles.Facilitator);
        var cut = Render<GameDayEditor>();
        cut.Find("input[data-testid=plan-title], [data-testid=plan-title] input").Input("Bad");
        cut.Find("input[data-testid=plan-scope], [data-testid=plan-scope] input").Input("catalog/dev");
        cut.Find("textarea[data-testid=plan-objective], [data-testid=plan-objective] textarea").Input("x");
        cut.Find("textarea[data-testid=plan-abort], [data-testid=plan-abort] textarea").Input("error_ratio >>> (");
        cut.Find("[data-testid=plan-save]").Click();
        cut.WaitForAssertion(() => Assert.Contains("error_ratio >>> (", cut.Find("[data-testid=action-error]").TextContent, StringComparison.Ordinal));
        using var db = NewDb();
        Assert.Equal(0, db.GameDays.Count());
    }

    [Fact]
    public async Task The_facilitator_starts_and_aborts_from_the_run_screen_after_confirming()
    {
        SignIn("fay", Roles.Facilitator);
        var planned = await PlanAsync();
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<GameDayDetail>(p => p.Add(x => x.Id, planned.Id));
        cut.WaitForElement("[data-testid=gameday-start]").Click();
        cut.WaitForAssertion(() => Assert.Equal("Running", cut.Find("[data-testid=gameday-status]").GetAttribute("data-status")));
        cut.WaitForAssertion(() => Assert.Contains("50% of requests answered 500", cut.Find("[data-testid=faults-in-force]").TextContent, StringComparison.Ordinal));

        // The run screen may show the running game day (pushed live) before its own Start has finished: the
        // buttons stay disabled until then, as a person sees them.
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=gameday-abort]").HasAttribute("disabled")));
        cut.Find("[data-testid=gameday-abort]").Click();
        dialogs.WaitForElement("[data-testid=confirm-action]").Click();
        cut.WaitForAssertion(() => Assert.Equal("Aborted", cut.Find("[data-testid=gameday-status]").GetAttribute("data-status")));
        Assert.Contains("none", cut.Find("[data-testid=faults-in-force]").TextContent, StringComparison.Ordinal);
        Assert.Contains("/report?format=markdown", cut.Find("[data-testid=report-markdown]").GetAttribute("href"), StringComparison.Ordinal);
        Assert.Contains(cut.FindAll("[data-testid=timeline-item]"), i => i.GetAttribute("data-kind") == "Fault");
        await using var db = NewDb();
        Assert.NotNull((await db.GameDays.SingleAsync()).ReportSha256);
    }

    [Fact]
    public async Task A_participant_adds_a_note_but_sees_no_start_button()
    {
        SignIn("paul", Roles.OnCall);
        var planned = await PlanAsync();
        var cut = Render<GameDayDetail>(p => p.Add(x => x.Id, planned.Id));
        cut.WaitForElement("[data-testid=gameday-header]");
        Assert.Empty(cut.FindAll("[data-testid=gameday-start]"));
        cut.Find("input[data-testid=gameday-note], [data-testid=gameday-note] input").Input("I see the dashboards");
        cut.Find("[data-testid=add-note]").Click();
        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("[data-testid=timeline-item]"), i => i.TextContent.Contains("I see the dashboards", StringComparison.Ordinal)));
    }
}
