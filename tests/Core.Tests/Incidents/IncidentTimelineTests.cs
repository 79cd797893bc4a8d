using OpsConsole.Core.Events;
using OpsConsole.Core.Incidents;
using static OpsConsole.Core.Tests.Incidents.IncidentTestKit;

namespace OpsConsole.Core.Tests.Incidents;

/// <summary>The timeline read from the incident's rows and the stored events: what it takes, what it leaves, in which order.</summary>
public sealed class IncidentTimelineTests
{
    private static object Deploy(string service, string env, Guid rolloutId) => new
    {
        rolloutId, service, environment = env, version = "1.1.0", previousVersion = "1.0.0", strategy = "canary", by = "rita",
    };

    [Fact]
    public async Task What_changed_takes_the_affected_services_deploys_rollbacks_and_migrations_of_the_two_hours_before_opening_with_links()
    {
        await using var kit = await CreateAsync();
        var opened = kit.Now;
        var rollout = Guid.NewGuid();
        var batch = Guid.NewGuid();
        await kit.EventAsync(EventTypes.DeployStarted, "checkout/prod", Deploy("checkout", "prod", rollout), opened.AddMinutes(-50));
        await kit.EventAsync(EventTypes.RolloutStepChanged, "checkout/prod",
            new { rolloutId = rollout, service = "checkout", environment = "prod", version = "1.1.0", toStep = 1, stepCount = 3, weights = new Dictionary<string, int> { ["1.1.0"] = 20 } },
            opened.AddMinutes(-45));
        await kit.EventAsync(EventTypes.MigrationApplied, "checkout/prod",
            new { batchId = batch, kind = "Apply", service = "checkout", environment = "prod", changes = new[] { new { name = "001_x" } } }, opened.AddMinutes(-40));
        await kit.EventAsync(EventTypes.RollbackExecuted, "checkout/prod",
            new { rolloutId = rollout, service = "checkout", environment = "prod", version = "1.1.0", stableVersion = "1.0.0", reason = "error rate 0.4", trigger = "automatic" },
            opened.AddMinutes(-30));
        // Not taken: another service, another environment of the service, not a change, a user event.
        await kit.EventAsync(EventTypes.DeployStarted, "catalog/prod", Deploy("catalog", "prod", Guid.NewGuid()), opened.AddMinutes(-20));
        await kit.EventAsync(EventTypes.DeployStarted, "checkout/staging", Deploy("checkout", "staging", Guid.NewGuid()), opened.AddMinutes(-20));
        await kit.EventAsync(EventTypes.UserCreated, "checkout/prod", new { userName = "x" }, opened.AddMinutes(-10));
        await kit.EventAsync(EventTypes.MigrationBundleUploaded, "migrations/checkout", new { service = "checkout", version = "1.1.0" }, opened.AddMinutes(-10));

        var id = (await kit.OpenAsync("Checkout errors", "SEV2", "checkout/prod")).Id;
        var timeline = await kit.TimelineAsync(id);
        var changes = IncidentTimeline.WhatChanged(timeline);

        Assert.Equal([EventTypes.DeployStarted, EventTypes.RolloutStepChanged, EventTypes.MigrationApplied, EventTypes.RollbackExecuted], changes.Select(c => c.Type));
        Assert.All(changes, c => Assert.True(c.BeforeOpening));
        Assert.Equal($"/rollouts/{rollout}", changes[0].Link);
        Assert.Equal($"/migrations/batches/{batch}", changes[2].Link);
        Assert.Equal("migration batch", changes[2].LinkText);
        Assert.Equal($"/rollouts/{rollout}", changes[3].Link);
        Assert.Equal("deploy.started checkout/prod 1.0.0 → 1.1.0 (canary) by rita", changes[0].Sentence);
        Assert.StartsWith("rollback checkout/prod 1.1.0 rolled back to 1.0.0 automatically", changes[3].Sentence);
        Assert.Equal("1 change applied to checkout/prod", changes[2].Sentence);
    }

    [Fact]
    public async Task The_two_hour_window_includes_its_edges_and_nothing_beyond()
    {
        await using var kit = await CreateAsync();
        var opened = kit.Now;
        var r = Guid.NewGuid();
        await kit.EventAsync(EventTypes.DeployStarted, "checkout/prod", Deploy("checkout", "prod", r), opened.AddHours(-2).AddSeconds(-1)); // just outside
        var edge = await kit.EventAsync(EventTypes.DeployStarted, "checkout/prod", Deploy("checkout", "prod", r), opened.AddHours(-2));   // exactly two hours
        var atOpening = await kit.EventAsync(EventTypes.DeployCompleted, "checkout/prod",
            new { rolloutId = r, service = "checkout", environment = "prod", version = "1.1.0", outcome = "Healthy" }, opened);
        var after = await kit.EventAsync(EventTypes.RollbackExecuted, "checkout/prod",
            new { rolloutId = r, service = "checkout", environment = "prod", version = "1.1.0", stableVersion = "1.0.0", trigger = "manual", by = "olga" }, opened.AddMinutes(5));

        var id = (await kit.OpenAsync("Checkout errors", "SEV2", "checkout/prod")).Id;
        var timeline = await kit.TimelineAsync(id);

        Assert.Equal([edge.Id, atOpening.Id], IncidentTimeline.WhatChanged(timeline).Select(c => c.EventId));
        // A change during the incident is on the timeline, but it is not "what changed" before it.
        var during = Assert.Single(timeline, e => e.EventId == after.Id);
        Assert.False(during.BeforeOpening);

        // Once resolved, later changes are no longer its business.
        kit.Clock.Advance(TimeSpan.FromMinutes(10));
        await kit.DeskAsync(d => d.ResolveAsync(Olga, id));
        await kit.EventAsync(EventTypes.DeployStarted, "checkout/prod", Deploy("checkout", "prod", Guid.NewGuid()), opened.AddMinutes(11));
        Assert.Equal(timeline.Count(e => e.EventId is not null), (await kit.TimelineAsync(id)).Count(e => e.EventId is not null));
    }

    [Fact]
    public async Task A_service_without_an_environment_takes_the_changes_of_every_environment()
    {
        await using var kit = await CreateAsync();
        var opened = kit.Now;
        await kit.EventAsync(EventTypes.DeployStarted, "payments/staging", Deploy("payments", "staging", Guid.NewGuid()), opened.AddMinutes(-10));
        await kit.EventAsync(EventTypes.DeployStarted, "payments/prod", Deploy("payments", "prod", Guid.NewGuid()), opened.AddMinutes(-5));
        await kit.EventAsync(EventTypes.DeployStarted, "payments-api/prod", Deploy("payments-api", "prod", Guid.NewGuid()), opened.AddMinutes(-5));
        var id = (await kit.OpenAsync("Payments down", "SEV1", "payments")).Id;
        Assert.Equal(2, IncidentTimeline.WhatChanged(await kit.TimelineAsync(id)).Count);
    }

    [Fact]
    public async Task Events_that_name_the_incident_or_its_alerts_join_the_timeline_in_time_order_with_the_incident_s_own_rows()
    {
        await using var kit = await CreateAsync();
        var opened = kit.Now;
        await kit.EventAsync(EventTypes.AlertFiring, "checkout/prod",
            new { fingerprint = "fp-1", name = "HighErrorRate", status = "firing", labels = new { alertname = "HighErrorRate" } }, opened.AddMinutes(-10));
        await kit.EventAsync(EventTypes.AlertFiring, "checkout/prod", new { fingerprint = "fp-other", labels = new { alertname = "Other" } }, opened.AddMinutes(-9));
        var id = await kit.DeskAsync(d => d.OpenFromAlertAsync(Olga, Alert("fp-1"), IncidentSeverity.Sev2, default));

        await kit.EventAsync(EventTypes.PageSent, "checkout/prod", new { incidentId = id, person = "olga", level = 1, receiver = "oncall", title = "HighErrorRate" }, opened.AddMinutes(1));
        await kit.EventAsync(EventTypes.PageSent, "checkout/prod", new { incidentId = id + 10, user = "nobody" }, opened.AddMinutes(1));
        await kit.EventAsync(EventTypes.PageAcknowledged, "checkout/prod", new { incidentId = id, by = "olga" }, opened.AddMinutes(2));
        kit.Clock.Advance(TimeSpan.FromMinutes(3));
        await kit.DeskAsync(d => d.AcknowledgeAsync(Olga, id));
        kit.Clock.Advance(TimeSpan.FromMinutes(1));
        await kit.DeskAsync(d => d.AddNoteAsync(Olga, id, "Rolling back"));
        await kit.EventAsync(EventTypes.RunbookStepExecuted, "checkout/prod",
            new { incidentId = id, slug = "high-error-rate", step = "abort rollout", outcome = "succeeded" }, opened.AddMinutes(5), "olga");
        await kit.EventAsync(EventTypes.AlertResolved, "checkout/prod", new { fingerprint = "fp-1", labels = new { alertname = "HighErrorRate" } }, opened.AddMinutes(8));
        kit.Clock.Advance(TimeSpan.FromMinutes(6));
        await kit.DeskAsync(d => d.ResolveAsync(Olga, id));

        var timeline = await kit.TimelineAsync(id);
        Assert.Equal(
        [
            (TimelineKind.Alert, EventTypes.AlertFiring),
            (TimelineKind.Incident, EventTypes.IncidentOpened),
            (TimelineKind.Incident, "incident.alertlinked"),
            (TimelineKind.Page, EventTypes.PageSent),
            (TimelineKind.Page, EventTypes.PageAcknowledged),
            (TimelineKind.Incident, EventTypes.IncidentAcknowledged),
            (TimelineKind.Note, EventTypes.IncidentNoteAdded),
            (TimelineKind.Runbook, EventTypes.RunbookStepExecuted),
            (TimelineKind.Alert, EventTypes.AlertResolved),
            (TimelineKind.Incident, EventTypes.IncidentResolved),
        ], timeline.Select(e => (e.Kind, e.Type)));
        Assert.Equal(timeline.OrderBy(e => e.Time).Select(e => e.Time), timeline.Select(e => e.Time));
        Assert.Equal("alert HighErrorRate firing (fp-1)", timeline[0].Sentence);
        Assert.Equal("paged olga (level 1, receiver oncall): HighErrorRate", timeline[3].Sentence);
        Assert.Equal("Note by olga: Rolling back", timeline[6].Sentence);
        Assert.Equal("/runbooks/high-error-rate", timeline[7].Link);
        // The incident's own events are shown once, from its rows.
        Assert.Single(timeline, e => e.Type == EventTypes.IncidentOpened);
    }

    [Fact]
    public async Task A_relayed_event_concerns_the_incident_when_it_names_it_its_alert_or_changes_one_of_its_services()
    {
        await using var kit = await CreateAsync();
        var services = IncidentRules.ParseServices(["checkout/prod"]);
        EventEnvelope E(string type, string subject, object data) => new("id", type, "/src", subject, DateTime.UtcNow, "x", "c",
            System.Text.Json.JsonSerializer.Serialize(new { data }, System.Text.Json.JsonSerializerOptions.Web));
        Assert.True(IncidentTimeline.Concerns(E(EventTypes.PageSent, "x/y", new { incidentId = 7 }), 7, services, []));
        Assert.False(IncidentTimeline.Concerns(E(EventTypes.PageSent, "x/y", new { incidentId = 8 }), 7, services, []));
        Assert.True(IncidentTimeline.Concerns(E(EventTypes.DeployStarted, "checkout/prod", new { }), 7, services, []));
        Assert.False(IncidentTimeline.Concerns(E(EventTypes.DeployStarted, "checkout/dev", new { }), 7, services, []));
        Assert.True(IncidentTimeline.Concerns(E(EventTypes.AlertResolved, "a/b", new { fingerprint = "fp-1" }), 7, services, ["fp-1"]));
    }
}
