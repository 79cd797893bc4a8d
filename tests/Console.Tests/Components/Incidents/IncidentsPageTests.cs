using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Components.Pages.Incidents;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Components.Incidents;

public sealed class IncidentsPageTests : IncidentComponentContext
{
    [Fact]
    public async Task A_viewer_sees_the_open_incidents_and_no_form_to_open_one()
    {
        SignIn("vera", Roles.Viewer);
        var open = await OpenAsync("Checkout errors", "SEV1");
        var resolved = await OpenAsync("Old one", "SEV3");
        await DeskAsync(d => d.ResolveAsync(Olga, resolved.Id));

        var cut = Render<IncidentsPage>();

        cut.WaitForAssertion(() => Assert.Equal([open.Id.ToString()], cut.FindAll("[data-testid=incident-row]").Select(r => r.GetAttribute("data-incident-id"))));
        Assert.Equal("Checkout errors", cut.Find("[data-testid=incident-title]").TextContent);
        Assert.Equal($"/incidents/{open.Id}", cut.Find("[data-testid=incident-title]").GetAttribute("href"));
        Assert.Empty(cut.FindAll("[data-testid=open-incident]"));

        cut.Find("[data-testid=filter-all]").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=incident-row]").Count));
    }

    [Fact]
    public async Task On_call_opens_an_incident_by_hand_and_lands_on_its_page()
    {
        SignIn("olga", Roles.OnCall);
        var cut = Render<IncidentsPage>();
        cut.Find("[data-testid=open-title] input, input[data-testid=open-title]").Input("Payments timeouts");
        cut.Find("[data-testid=open-services] input, input[data-testid=open-services]").Input("payments/prod, checkout");
        cut.Find("[data-testid=open-submit]").Click();

        var navigation = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.EndsWith("/incidents/1", navigation.Uri, StringComparison.Ordinal));
        await using var db = NewDb();
        var stored = await db.Incidents.Include(i => i.Services).SingleAsync();
        Assert.Equal("Payments timeouts", stored.Title);
        Assert.Equal(["payments/prod", "checkout"], stored.ServiceNames);
        Assert.Equal("olga", stored.OpenedBy);
    }

    [Fact]
    public async Task An_empty_title_is_refused_on_the_page_and_nothing_is_saved()
    {
        SignIn("olga", Roles.OnCall);
        var cut = Render<IncidentsPage>();
        cut.Find("[data-testid=open-submit]").Click();
        cut.WaitForAssertion(() => Assert.Contains("needs a title", cut.Find("[data-testid=open-error]").TextContent));
        await using var db = NewDb();
        Assert.Equal(0, await db.Incidents.CountAsync());
    }

    [Fact]
    public async Task An_incident_opened_elsewhere_appears_without_a_reload()
    {
        SignIn("vera", Roles.Viewer);
        var cut = Render<IncidentsPage>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=no-incidents]")));

        var opened = await OpenAsync("Catalog down", "SEV2", "catalog");
        await RelayNewestAsync();

        cut.WaitForAssertion(() => Assert.Equal(opened.Id.ToString(), cut.Find("[data-testid=incident-row]").GetAttribute("data-incident-id")));
    }

    [Fact]
    public async Task The_overview_card_lists_open_incidents_worst_first_and_follows_changes()
    {
        SignIn("vera", Roles.Viewer);
        var sev3 = await OpenAsync("Slow", "SEV3");
        var sev1 = await OpenAsync("Down", "SEV1");
        var card = Render<OpenIncidentsCard>();
        card.WaitForAssertion(() => Assert.Equal([sev1.Id.ToString(), sev3.Id.ToString()],
            card.FindAll("[data-testid=open-incident]").Select(r => r.GetAttribute("data-incident-id"))));
        Assert.Equal("2", card.Find("[data-testid=open-incidents-count]").TextContent);

        await DeskAsync(d => d.ResolveAsync(Olga, sev1.Id));
        await RelayNewestAsync();
        card.WaitForAssertion(() => Assert.Equal([sev3.Id.ToString()], card.FindAll("[data-testid=open-incident]").Select(r => r.GetAttribute("data-incident-id"))));
    }
}
