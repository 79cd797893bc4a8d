using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using OpsConsole.Console.Components.Pages.Runbooks;
using OpsConsole.Console.Hosting;
using OpsConsole.Console.Tests.Components.Rollouts;
using OpsConsole.Core.Access;
using OpsConsole.Core.Egress;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Runbooks;
using OpsConsole.Core.Runbooks.Search;

namespace OpsConsole.Console.Tests.Components.Runbooks;

/// <summary>The runbook pages over a real store, the real runbook services and the real rollout coordinator (fake cluster).</summary>
public sealed class RunbookPagesTests : RolloutComponentContext
{
    private const string Slug = "checkout-errors";

    private static readonly string Markdown = """
        ---
        title: Checkout errors
        slug: checkout-errors
        services: [checkout]
        alerts: ['alertname="HighErrorRate"']
        owners: [sre]
        last_reviewed: 2026-11-01
        tags: [errors]
        ---
        # Checkout errors

        | signal | meaning |
        |---|---|
        | 5xx | bad canary |

        - [ ] Look at the canary

        <img src=x onerror="alert(1)">

        ```action
        name: rollout.abort
        service: checkout
        environment: prod
        title: Abort checkout in prod
        ```
        """;

    public RunbookPagesTests() : base(s =>
    {
        s.AddSingleton(new EgressPolicy());
        s.AddRunbooks();
        s.AddSingleton<RunbookImportStatus>();
    })
    {
        using var db = NewDb();
        Services.GetRequiredService<IRunbookSearch>().EnsureAsync(db, CancellationToken.None).GetAwaiter().GetResult();
        using var scope = Services.CreateScope();
        var library = scope.ServiceProvider.GetRequiredService<RunbookLibrary>();
        library.CreateAsync(Olga, Markdown).GetAwaiter().GetResult();
        library.CreateAsync(Olga, "---\ntitle: Orphan runbook\nslug: orphan\n---\nNobody owns the flux capacitor.\n").GetAwaiter().GetResult();
    }

    [Fact]
    public void The_list_shows_runbooks_staleness_and_search_snippets_and_a_viewer_gets_no_new_button()
    {
        SignIn("vera", Roles.Viewer);
        var cut = Render<RunbooksPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=runbook-row]").Count));
        Assert.Empty(cut.FindAll("[data-testid=new-runbook]"));
        Assert.Contains("Orphan runbook", cut.Find("[data-testid=stale-owner]").TextContent, StringComparison.Ordinal);
        Assert.Contains("Orphan runbook", cut.Find("[data-testid=stale-review]").TextContent, StringComparison.Ordinal);

        cut.Find("[data-testid=runbook-search] input, input[data-testid=runbook-search]").Input("capacitor");
        cut.Find("[data-testid=runbook-search-button]").Click();
        cut.WaitForAssertion(() => Assert.Equal("orphan", Assert.Single(cut.FindAll("[data-testid=runbook-row]")).GetAttribute("data-slug")));
        Assert.Equal("capacitor", cut.Find("[data-testid=runbook-snippet] mark").TextContent);
    }

    [Fact]
    public void On_call_creates_a_runbook_and_a_bad_one_shows_why()
    {
        SignIn("olga", Roles.OnCall);
        var cut = Render<RunbooksPage>();
        cut.WaitForElement("[data-testid=new-runbook]").Click();
        cut.WaitForElement("[data-testid=new-runbook-markdown] textarea, textarea[data-testid=new-runbook-markdown]").Change("---\ntitle: Bad\n---\n```action\nname: rm\n```\n");
        cut.Find("[data-testid=create-runbook]").Click();
        cut.WaitForAssertion(() => Assert.Contains("step 1: unknown action 'rm'", cut.Find("[data-testid=action-error]").TextContent, StringComparison.Ordinal));
        using var db = NewDb();
        Assert.Equal(2, db.Runbooks.Count());
    }

    [Fact]
    public void The_runbook_renders_sanitised_with_step_blocks_and_a_viewer_gets_no_run_button_or_edit_tab()
    {
        SignIn("vera", Roles.Viewer);
        var cut = Render<RunbookDetail>(p => p.Add(x => x.Slug, Slug));
        cut.WaitForAssertion(() => Assert.Equal("Checkout errors", cut.Find("[data-testid=runbook-title]").TextContent));
        var body = cut.Find("[data-testid=runbook-body]");
        Assert.NotNull(body.QuerySelector("table"));
        Assert.DoesNotContain("onerror", body.InnerHtml, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("2", cut.Find("[data-testid=step-block]").GetAttribute("data-step")); // the action is step 2 (after the task)
        Assert.Empty(cut.FindAll("[data-testid^=run-step-]"));
        Assert.DoesNotContain("Edit", cut.Find("[data-testid=runbook-tabs]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_call_runs_the_abort_step_after_confirming_and_the_run_log_holds_the_output()
    {
        SignIn("olga", Roles.OnCall);
        var rolloutId = await StartRolloutAsync();
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<RunbookDetail>(p => p.Add(x => x.Slug, Slug));
        cut.WaitForElement("[data-testid=run-step-2]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Abort the rollout in flight for checkout/prod", dialogs.Find("[data-testid=confirm-dialog]").TextContent, StringComparison.Ordinal));
        Assert.Equal(RolloutPhase.Progressing, (await StoredAsync(rolloutId)).Phase); // nothing before the confirmation
        dialogs.Find("[data-testid=confirm-action]").Click();

        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid=step-state]").TextContent));
        Assert.Contains(rolloutId.ToString(), cut.Find("[data-testid=step-output]").TextContent, StringComparison.Ordinal);
        Assert.Equal(RolloutPhase.Aborted, (await StoredAsync(rolloutId)).Phase);
        await using var db = NewDb();
        var run = await db.RunbookRuns.Include(r => r.Steps).SingleAsync();
        Assert.Equal("olga", run.Steps.Single(s => s.Number == 2).By);
        Assert.Contains("abort done", run.Steps.Single(s => s.Number == 2).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_run_page_ticks_tasks_for_on_call_and_shows_a_viewer_no_buttons()
    {
        RunbookRun run;
        await using (var scope = Services.CreateAsyncScope())
            run = await scope.ServiceProvider.GetRequiredService<RunbookRunner>().StartAsync(Olga, Slug, incidentId: 12);

        SignIn("olga", Roles.OnCall);
        var cut = Render<RunbookRunPage>(p => p.Add(x => x.Id, run.Id));
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=run-step]").Count));
        Assert.Contains("#12", cut.Find("[data-testid=run-incident]").TextContent, StringComparison.Ordinal);
        cut.Find("[data-testid=note-1] input, input[data-testid=note-1]").Change("canary red");
        cut.Find("[data-testid=done-1]").Click();
        cut.WaitForAssertion(() => Assert.Equal("done", cut.FindAll("[data-testid=run-step]")[0].GetAttribute("data-state")));
        Assert.Contains("canary red", cut.Find("[data-testid=run-step-notes]").TextContent, StringComparison.Ordinal);

        SignIn("vera", Roles.Viewer);
        var viewer = Render<RunbookRunPage>(p => p.Add(x => x.Id, run.Id));
        viewer.WaitForAssertion(() => Assert.Equal(2, viewer.FindAll("[data-testid=run-step]").Count));
        Assert.Empty(viewer.FindAll("[data-testid^=done-]"));
        Assert.Empty(viewer.FindAll("[data-testid=run-2]"));
        Assert.Empty(viewer.FindAll("[data-testid^=skip-]"));
    }
}
