using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using OpsConsole.Console.Components.Pages.Incidents;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events;
using OpsConsole.Core.Incidents;

namespace OpsConsole.Console.Tests.Components.Incidents;

public sealed class IncidentDetailTests : IncidentComponentContext
{
    private IRenderedComponent<IncidentDetail> RenderDetail(long id) => Render<IncidentDetail>(p => p.Add(x => x.Id, id));

    private async Task<Incident> StoredAsync(long id)
    {
        await using var db = NewDb();
        return (await IncidentQueries.LoadAsync(db, id))!;
    }

    [Fact]
    public async Task Shows_the_header_what_changed_with_links_and_the_attached_runbooks_and_a_viewer_gets_no_actions()
    {
        SignIn("vera", Roles.Viewer);
        var rollout = Guid.NewGuid();
        await EventAsync(EventTypes.RollbackExecuted, "checkout/prod",
            new { rolloutId = rollout, service = "checkout", environment = "prod", version = "1.2.0", stableVersion = "1.0.0", trigger = "automatic", reason = "error rate 0.5" },
            DateTime.UtcNow.AddMinutes(-20));
        var incident = await OpenAsync("Checkout errors", "SEV1");
        await using (var db = NewDb())
        {
            db.Set<IncidentRunbook>().Add(new IncidentRunbook { IncidentId = incident.Id, Slug = "high-error-rate", Title = "High error rate", AttachedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        var cut = RenderDetail(incident.Id);

        cut.WaitForAssertion(() => Assert.Equal("open", cut.Find("[data-testid=incident-status]").GetAttribute("data-status")));
        Assert.Contains("Checkout errors", cut.Find("[data-testid=incident-title]").TextContent);
        Assert.Equal("SEV1", cut.Find("[data-testid=incident-severity]").TextContent.Trim());
        Assert.Equal("none", cut.Find("[data-testid=incident-commander]").TextContent);
        Assert.Equal("checkout/prod", cut.Find("[data-testid=incident-services]").TextContent);

        var entries = cut.FindAll("[data-testid=timeline-entry]");
        Assert.Equal([EventTypes.RollbackExecuted, EventTypes.IncidentOpened], entries.Select(e => e.GetAttribute("data-type")));
        Assert.Equal("true", entries[0].GetAttribute("data-before-opening"));
        Assert.Equal($"/rollouts/{rollout}", cut.Find("[data-testid=timeline-link]").GetAttribute("href"));

        Assert.Equal("/runbooks/high-error-rate", cut.Find("[data-testid=runbook-link]").GetAttribute("href"));
        Assert.Equal($"/runbooks/high-error-rate?incident={incident.Id}", cut.Find("[data-testid=runbook-start]").GetAttribute("href"));

        Assert.Empty(cut.FindAll("[data-testid^=action-]"));
        Assert.Empty(cut.FindAll("[data-testid=note-form]"));
        Assert.Empty(cut.FindAll("[data-testid=commander-form]"));
    }

    [Fact]
    public async Task On_call_acknowledges_after_confirming_and_cancelling_changes_nothing()
    {
        SignIn("olga", Roles.OnCall);
        var incident = await OpenAsync();
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderDetail(incident.Id);
        cut.WaitForAssertion(() => Assert.Equal(["action-ack", "action-mitigate", "action-resolve"],
            cut.FindAll("[data-testid^=action-]").Select(b => b.GetAttribute("data-testid"))));

        cut.Find("[data-testid=action-ack]").Click();
        dialogs.WaitForElement("[data-testid=confirm-cancel]").Click();
        Assert.Equal(IncidentStatus.Open, (await StoredAsync(incident.Id)).Status);

        cut.Find("[data-testid=action-ack]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("acknowledged it", dialogs.Find("[data-testid=confirm-dialog]").TextContent));
        dialogs.Find("[data-testid=confirm-action]").Click();

        cut.WaitForAssertion(() => Assert.Equal("acknowledged", cut.Find("[data-testid=incident-status]").GetAttribute("data-status")));
        Assert.Equal(["action-mitigate", "action-resolve"], cut.FindAll("[data-testid^=action-]").Select(b => b.GetAttribute("data-testid")));
        var stored = await StoredAsync(incident.Id);
        Assert.Equal((IncidentStatus.Acknowledged, "olga"), (stored.Status, stored.AcknowledgedBy));
        Assert.Contains(EventTypes.IncidentAcknowledged, cut.FindAll("[data-testid=timeline-entry]").Select(e => e.GetAttribute("data-type")));
    }

    [Fact]
    public async Task Notes_and_the_commander_are_set_from_the_page_and_a_bad_commander_shows_why()
    {
        SignIn("olga", Roles.OnCall);
        await using (var db = NewDb())
        {
            db.Users.Add(new ConsoleUser { UserName = "cora", NormalizedUserName = "CORA" });
            await db.SaveChangesAsync();
        }
        var incident = await OpenAsync();
        var cut = RenderDetail(incident.Id);

        cut.WaitForElement("[data-testid=note-text] textarea, textarea[data-testid=note-text]").Input("Rolled back checkout");
        cut.Find("[data-testid=note-submit]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Note by olga: Rolled back checkout", cut.FindAll("[data-testid=timeline-sentence]").Select(s => s.TextContent)));

        cut.Find("[data-testid=commander-name] input, input[data-testid=commander-name]").Input("nobody");
        cut.Find("[data-testid=commander-submit]").Click();
        cut.WaitForAssertion(() => Assert.Contains("no user 'nobody'", cut.Find("[data-testid=action-error]").TextContent));
        Assert.Null((await StoredAsync(incident.Id)).Commander);

        cut.Find("[data-testid=commander-name] input, input[data-testid=commander-name]").Input("cora");
        cut.Find("[data-testid=commander-submit]").Click();
        cut.WaitForAssertion(() => Assert.Equal("cora", cut.Find("[data-testid=incident-commander]").TextContent));
    }

    [Fact]
    public async Task The_timeline_follows_events_for_the_incident_and_the_postmortem_draft_is_shown_as_text()
    {
        SignIn("vera", Roles.Viewer);
        var incident = await OpenAsync("Checkout <b>errors</b>");
        var cut = RenderDetail(incident.Id);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=timeline-entry]")));

        await EventAsync(EventTypes.PageSent, "checkout/prod", new { incidentId = incident.Id, user = "olga", channel = "email" }, DateTime.UtcNow.AddMinutes(1));
        await RelayNewestAsync();
        cut.WaitForAssertion(() => Assert.Contains(EventTypes.PageSent, cut.FindAll("[data-testid=timeline-entry]").Select(e => e.GetAttribute("data-type"))));

        cut.Find("[data-testid=postmortem-show]").Click();
        cut.WaitForAssertion(() => Assert.StartsWith("# Postmortem (draft): Checkout \\<b\\>errors\\</b\\>", cut.Find("[data-testid=postmortem-markdown]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=postmortem-markdown] b"));
        Assert.Equal($"/api/v1/incidents/{incident.Id}/postmortem", cut.Find("[data-testid=postmortem-download]").GetAttribute("href"));
    }

    [Fact]
    public void An_unknown_incident_says_so()
    {
        SignIn("vera", Roles.Viewer);
        var cut = RenderDetail(404);
        cut.WaitForAssertion(() => Assert.Contains("There is no incident 404", cut.Find("[data-testid=incident-not-found]").TextContent));
    }
}
