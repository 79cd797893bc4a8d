using System.Text.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Components.Pages.Alerts;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Incidents;

namespace OpsConsole.Console.Tests.Components.Alerts;

/// <summary>Opens incidents by recording them (stands in for the Incidents capability).</summary>
public sealed class RecordingIncidentIntake : IIncidentIntake
{
    public List<(string Actor, string Fingerprint)> Opened { get; } = [];

    public Task<long> OpenFromAlertAsync(Actor actor, AlertSnapshot alert, IncidentSeverity severity, CancellationToken ct)
    {
        actor.Require("open an incident", Roles.OnCall, Roles.Admin);
        Opened.Add((actor.Name, alert.Fingerprint));
        return Task.FromResult(42L);
    }
}

public abstract class AlertPagesContext(Action<IServiceCollection>? extra = null) : ComponentContext(s =>
{
    s.AddLogging();
    s.AddSingleton(TimeProvider.System);
    s.AddAlerting();
    extra?.Invoke(s);
})
{
    protected static readonly Actor Admin = new("admin", new HashSet<string>(Roles.All), "test");

    protected async Task<string> PostAsync(object alert)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AlertIngestion>().IngestGenericAsync(Admin, JsonSerializer.SerializeToElement(alert));
        var labels = JsonSerializer.Deserialize<Dictionary<string, string>>(JsonSerializer.Serialize(alert.GetType().GetProperty("labels")!.GetValue(alert)))!;
        return AlertFingerprint.Compute(labels);
    }
}

/// <summary>/alerts, /alerts/{fingerprint}, /alerts/routes and /alerts/silences over a real store.</summary>
public sealed class AlertPagesTests : AlertPagesContext
{
    [Fact]
    public async Task The_list_shows_alerts_and_filters_by_status()
    {
        SignIn("vic", Roles.Viewer);
        var firing = await PostAsync(new { labels = new { alertname = "HighErrorRate", service = "checkout" } });
        var resolved = await PostAsync(new { labels = new { alertname = "SlowQueries", service = "catalog" }, status = "resolved" });
        var cut = Render<AlertsPage>();
        cut.WaitForElement($"[data-testid=alert-{firing}]");
        Assert.Equal("resolved", cut.Find($"[data-testid=alert-{resolved}] [data-testid=alert-status]").TextContent.Trim());

        cut.Find("[data-testid=filter-q] input, input[data-testid=filter-q]").Change("slowqueries");
        cut.Find("[data-testid=apply-filters]").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll($"[data-testid=alert-{firing}]")));
        Assert.Single(cut.FindAll($"[data-testid=alert-{resolved}]"));
    }

    [Fact]
    public async Task A_newly_firing_alert_appears_on_the_open_list_without_a_reload()
    {
        SignIn("vic", Roles.Viewer);
        var cut = Render<AlertsPage>();
        cut.WaitForElement("[data-testid=apply-filters]");
        var fp = await PostAsync(new { labels = new { alertname = "DiskFull", service = "payments" } });
        Assert.Empty(cut.FindAll($"[data-testid=alert-{fp}]"));

        // Hand the stored alert.firing event to the live views, as the relay does after the commit.
        await using (var db = NewDb())
        {
            var firing = db.OutboxEvents.Where(e => e.Type == OpsConsole.Core.Events.EventTypes.AlertFiring).OrderBy(e => e.Position).ToList().Last();
            await Services.GetRequiredService<OpsConsole.Core.Events.LiveEvents>()
                .OnEventAsync(OpsConsole.Core.Events.EventEnvelope.From(firing), db, CancellationToken.None);
        }
        cut.WaitForElement($"[data-testid=alert-{fp}]");
    }

    [Fact]
    public async Task An_oncall_user_sends_a_test_alert_that_is_stored_like_any_other_and_a_viewer_has_no_button()
    {
        SignIn("olive", Roles.OnCall);
        var cut = Render<AlertsPage>();
        cut.WaitForElement("[data-testid=send-test-alert]").Click();
        var fp = AlertFingerprint.Compute(new Dictionary<string, string>
        {
            ["alertname"] = AlertIngestion.TestAlertName, ["service"] = "checkout", ["environment"] = "prod", ["severity"] = "critical", ["test"] = "true",
        });
        cut.WaitForElement($"[data-testid=alert-{fp}]");
        Assert.Equal("firing", cut.Find($"[data-testid=alert-{fp}] [data-testid=alert-status]").TextContent.Trim());
        await using var scope = Services.CreateAsyncScope();
        var detail = await scope.ServiceProvider.GetRequiredService<AlertQueries>().GetAsync(fp);
        Assert.NotEmpty(detail!.History);

        SignIn("vic", Roles.Viewer);
        var viewer = Render<AlertsPage>();
        viewer.WaitForElement($"[data-testid=alert-{fp}]");
        Assert.Empty(viewer.FindAll("[data-testid=send-test-alert]"));
        await Assert.ThrowsAsync<OpsConsole.Core.Domain.AccessDeniedException>(() => scope.ServiceProvider.GetRequiredService<AlertIngestion>()
            .SendTestAlertAsync(new Actor("vic", new HashSet<string> { Roles.Viewer }, "t"), "checkout", "prod"));
    }

    [Fact]
    public async Task The_detail_shows_labels_annotations_route_and_keeps_hostile_content_inert()
    {
        SignIn("vic", Roles.Viewer);
        var fp = await PostAsync(new
        {
            labels = new { alertname = "Xss", service = "checkout" },
            annotations = new { summary = "<script>alert(1)</script><img src=x onerror=alert(2)>" },
            generatorURL = "javascript:alert(3)",
        });
        var cut = Render<AlertDetailPage>(p => p.Add(x => x.Fingerprint, fp));
        cut.WaitForElement("[data-testid=alert-name]");
        Assert.Equal("Xss", cut.Find("[data-testid=alert-name]").TextContent);
        Assert.Contains("checkout", cut.Find("[data-testid=alert-labels]").TextContent, StringComparison.Ordinal);
        Assert.Contains("default", cut.Find("[data-testid=alert-routes]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("img"));
        Assert.Contains("<script>", cut.Find("[data-testid=alert-annotations]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=generator-url]"));
        // no incident capability registered: no button
        Assert.Empty(cut.FindAll("[data-testid=open-incident]"));
    }

    [Fact]
    public void An_unknown_alert_says_so()
    {
        SignIn("vic", Roles.Viewer);
        var cut = Render<AlertDetailPage>(p => p.Add(x => x.Fingerprint, "0000000000000000"));
        cut.WaitForElement("[data-testid=alert-not-found]");
    }

    [Fact]
    public async Task An_admin_replaces_the_tree_a_bad_regex_changes_nothing_and_the_tool_finds_routes()
    {
        SignIn("ada", Roles.Admin);
        var cut = Render<AlertRoutesPage>();
        var yaml = cut.WaitForElement("textarea[data-testid=routes-yaml], [data-testid=routes-yaml] textarea");
        yaml.Change("receiver: ops\nroutes:\n  - matchers: ['team=~\"(\"']\n    receiver: web\n");
        // MudBlazor's inputs hand their value to the page asynchronously, and the page re-renders then: find
        // and click on the renderer's thread, so the click reaches the button as rendered now.
        await cut.InvokeAsync(() => cut.Find("[data-testid=routes-save]").Click());
        cut.WaitForAssertion(() => Assert.Contains("Line 3", cut.Find("[data-testid=routes-error]").TextContent, StringComparison.Ordinal));
        await using (var db = NewDb()) Assert.Empty(db.AlertRoutes);

        cut.Find("textarea[data-testid=routes-yaml], [data-testid=routes-yaml] textarea").Change("receiver: ops\nroutes:\n  - matchers: ['team=\"web\"']\n    receiver: web\n    continue: true\n  - matchers: ['severity=page']\n    receiver: pager\n");
        await cut.InvokeAsync(() => cut.Find("[data-testid=routes-save]").Click());
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=route-node]").Count));

        cut.Find("textarea[data-testid=match-labels], [data-testid=match-labels] textarea").Change("team=web\nseverity=page");
        await cut.InvokeAsync(() => cut.Find("[data-testid=match-run]").Click());
        cut.WaitForAssertion(() => Assert.Equal(["web", "pager"], cut.FindAll("[data-testid=match-row] b").Select(b => b.TextContent)));
    }

    [Fact]
    public void A_viewer_reads_the_tree_but_gets_no_editor()
    {
        SignIn("vic", Roles.Viewer);
        var cut = Render<AlertRoutesPage>();
        cut.WaitForElement("[data-testid=routes-yaml-readonly]");
        Assert.Empty(cut.FindAll("[data-testid=routes-save]"));
    }

    [Fact]
    public void OnCall_creates_a_silence_that_is_marked_as_expiring_soon_and_expires_it()
    {
        SignIn("olly", Roles.OnCall);
        var cut = Render<SilencesPage>();
        cut.WaitForElement("[data-testid=silence-form]");
        cut.Find("input[data-testid=silence-matchers], [data-testid=silence-matchers] input").Change("{service=\"checkout\"}");
        cut.Find("input[data-testid=silence-duration], [data-testid=silence-duration] input").Change("10");
        cut.Find("input[data-testid=silence-comment], [data-testid=silence-comment] input").Change("deploying a fix");
        cut.Find("[data-testid=silence-create]").Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=silences-active] [data-testid=expires-soon]")));
        cut.Find("[data-testid=silence-expire]").Click();
        cut.WaitForAssertion(() => Assert.Contains("service=\"checkout\"", cut.Find("[data-testid=silences-expired]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void A_viewer_sees_silences_but_cannot_create_or_expire()
    {
        SignIn("vic", Roles.Viewer);
        var cut = Render<SilencesPage>();
        cut.WaitForElement("[data-testid=silences-active]");
        Assert.Empty(cut.FindAll("[data-testid=silence-form]"));
        Assert.Empty(cut.FindAll("[data-testid=silence-expire]"));
    }
}

/// <summary>The "Open incident" button where the incident capability exists.</summary>
public sealed class AlertIncidentButtonTests : AlertPagesContext
{
    private static readonly RecordingIncidentIntake Intake = new();

    public AlertIncidentButtonTests() : base(s => s.AddSingleton<IIncidentIntake>(Intake)) { }

    [Fact]
    public async Task OnCall_opens_an_incident_from_the_alert_and_a_viewer_sees_no_button()
    {
        var fp = await PostAsync(new { labels = new { alertname = "Paged", service = "payments" } });
        SignIn("vic", Roles.Viewer);
        var viewerView = Render<AlertDetailPage>(p => p.Add(x => x.Fingerprint, fp));
        viewerView.WaitForElement("[data-testid=alert-name]");
        Assert.Empty(viewerView.FindAll("[data-testid=open-incident]"));

        SignIn("olly", Roles.OnCall);
        var cut = Render<AlertDetailPage>(p => p.Add(x => x.Fingerprint, fp));
        cut.WaitForElement("[data-testid=open-incident]").Click();
        cut.WaitForElement("[data-testid=incident-opened]");
        Assert.Contains(("olly", fp), Intake.Opened);
    }
}
