using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Components.Pages.Incidents;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Incidents;

namespace OpsConsole.Console.Tests.Components.Incidents;

/// <summary>With alerts in the console, on-call opens an incident for an alert from the incident list (or a link from the alert).</summary>
public sealed class IncidentFromAlertPageTests() : IncidentComponentContext(s => s.AddSingleton<IAlertLookup>(new OneAlert()))
{
    private sealed class OneAlert : IAlertLookup
    {
        public Task<AlertSnapshot?> FindAsync(string fingerprint, CancellationToken ct) => Task.FromResult(fingerprint != "fp-7" ? null : new AlertSnapshot("fp-7",
            new Dictionary<string, string> { ["alertname"] = "HighLatency", ["service"] = "catalog", ["environment"] = "prod" },
            new Dictionary<string, string>(), AlertStatus.Firing, DateTime.UtcNow.AddMinutes(-5), null, null));
    }

    [Fact]
    public async Task A_link_from_an_alert_fills_in_its_fingerprint_and_opening_twice_lands_on_the_same_incident()
    {
        SignIn("olga", Roles.OnCall);
        var navigation = Services.GetRequiredService<NavigationManager>();
        for (var round = 0; round < 2; round++)
        {
            navigation.NavigateTo("/incidents?fromAlert=fp-7");
            var cut = Render<IncidentsPage>();
            Assert.Equal("fp-7", cut.Find("[data-testid=alert-fingerprint] input, input[data-testid=alert-fingerprint]").GetAttribute("value"));
            cut.Find("[data-testid=alert-submit]").Click();
            cut.WaitForAssertion(() => Assert.EndsWith("/incidents/1", navigation.Uri, StringComparison.Ordinal));
        }
        await using var db = NewDb();
        var incident = await db.Incidents.Include(i => i.Alerts).Include(i => i.Services).SingleAsync();
        Assert.Equal("fp-7", Assert.Single(incident.Alerts).Fingerprint);
        Assert.Equal(["catalog/prod"], incident.ServiceNames);
    }

    [Fact]
    public async Task An_unknown_fingerprint_shows_why_and_opens_nothing_and_a_viewer_has_no_form()
    {
        SignIn("olga", Roles.OnCall);
        var cut = Render<IncidentsPage>();
        cut.Find("[data-testid=alert-fingerprint] input, input[data-testid=alert-fingerprint]").Input("nope");
        cut.Find("[data-testid=alert-submit]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Alert 'nope' was not found", cut.Find("[data-testid=open-error]").TextContent));
        await using (var db = NewDb()) Assert.Equal(0, await db.Incidents.CountAsync());

        SignIn("vera", Roles.Viewer);
        var viewer = Render<IncidentsPage>();
        Assert.Empty(viewer.FindAll("[data-testid=open-from-alert]"));
    }
}
