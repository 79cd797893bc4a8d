using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Incidents;
using OpsConsole.Core.Runbooks;
using static OpsConsole.Core.Tests.Incidents.IncidentTestKit;

namespace OpsConsole.Core.Tests.Incidents;

/// <summary>Opening incidents, moving their status, notes and commanders, against the real store.</summary>
public sealed class IncidentDeskTests
{
    [Fact]
    public async Task Opening_by_hand_stores_the_incident_with_its_audit_entry_and_incident_opened_event_in_one_go()
    {
        await using var kit = await CreateAsync();
        var incident = await kit.DeskAsync(d => d.OpenAsync(Olga, "  Checkout 5xx  ", "sev2", ["Checkout", "payments/prod", "checkout"], "prod"));

        var stored = await kit.LoadAsync(incident.Id);
        Assert.Equal(1, stored.Id);
        Assert.Equal("Checkout 5xx", stored.Title);
        Assert.Equal(IncidentSeverity.Sev2, stored.Severity);
        Assert.Equal(IncidentStatus.Open, stored.Status);
        Assert.Equal(["checkout/prod", "payments/prod"], stored.ServiceNames);
        Assert.Equal("olga", stored.OpenedBy);
        Assert.Equal(kit.Now, stored.OpenedAt);
        Assert.Equal("manual", stored.Origin);

        var audit = await kit.WithDbAsync(db => db.AuditEntries.Where(a => a.Action == "incident.open").ToListAsync());
        Assert.Equal("incident/1", Assert.Single(audit).Target);
        var opened = await kit.WithDbAsync(db => db.OutboxEvents.Where(e => e.Type == EventTypes.IncidentOpened).ToListAsync());
        var e = Assert.Single(opened);
        Assert.Equal("checkout/prod", e.Subject);
        var data = JsonDocument.Parse(e.CloudEventJson).RootElement.GetProperty("data");
        Assert.Equal(1, data.GetProperty("incidentId").GetInt64());
        Assert.Equal("SEV2", data.GetProperty("severity").GetString());
        Assert.Equal("Checkout 5xx", data.GetProperty("title").GetString());
        Assert.Equal(["checkout/prod", "payments/prod"], data.GetProperty("services").EnumerateArray().Select(x => x.GetString()));
    }

    [Fact]
    public async Task Ids_count_up_and_an_incident_without_services_has_its_own_subject()
    {
        await using var kit = await CreateAsync();
        var first = await kit.OpenAsync();
        var second = await kit.DeskAsync(d => d.OpenAsync(Ada, "Console slow", "SEV4", []));
        Assert.Equal(first.Id + 1, second.Id);
        Assert.Equal($"incident/{second.Id}", second.Subject);
    }

    [Theory]
    [InlineData("SEV1", IncidentSeverity.Sev1)]
    [InlineData("sev-3", IncidentSeverity.Sev3)]
    [InlineData("Sev4", IncidentSeverity.Sev4)]
    [InlineData("2", IncidentSeverity.Sev2)]
    public void Severities_are_read_in_the_forms_people_write(string text, IncidentSeverity expected) =>
        Assert.Equal(expected, IncidentRules.ParseSeverity(text));

    [Theory]
    [InlineData("SEV0")]
    [InlineData("SEV5")]
    [InlineData("critical")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("12")]
    public async Task A_bad_severity_is_refused_and_nothing_is_saved(string? severity)
    {
        await using var kit = await CreateAsync();
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => kit.DeskAsync(d => d.OpenAsync(Olga, "t", severity, ["checkout"])));
        Assert.True(ex.Errors.ContainsKey("severity"));
        Assert.Equal(0, await kit.CountAsync<Incident>());
        Assert.Equal(0, await kit.CountAsync<AuditEntry>());
        Assert.Equal(0, await kit.CountAsync<OutboxEvent>());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("line\nbreak")]
    public async Task An_empty_or_control_character_title_is_refused_and_nothing_is_saved(string? title)
    {
        await using var kit = await CreateAsync();
        await Assert.ThrowsAsync<InvalidInputException>(() => kit.DeskAsync(d => d.OpenAsync(Olga, title, "SEV2", ["checkout"])));
        await Assert.ThrowsAsync<InvalidInputException>(() => kit.DeskAsync(d => d.OpenAsync(Olga, new string('x', 201), "SEV2", ["checkout"])));
        Assert.Equal(0, await kit.CountAsync<Incident>());
    }

    [Theory]
    [InlineData("check out")]
    [InlineData("a/b/c")]
    [InlineData("-checkout")]
    [InlineData("checkout/<script>")]
    public async Task A_service_name_that_is_no_service_name_is_refused(string service)
    {
        await using var kit = await CreateAsync();
        await Assert.ThrowsAsync<InvalidInputException>(() => kit.DeskAsync(d => d.OpenAsync(Olga, "t", "SEV2", [service])));
        Assert.Equal(0, await kit.CountAsync<Incident>());
    }

    [Fact]
    public async Task Viewers_and_release_managers_may_not_open_or_change_incidents_and_nothing_changes()
    {
        await using var kit = await CreateAsync();
        var incident = await kit.OpenAsync();
        foreach (var actor in new[] { Vera, Rita })
        {
            await Assert.ThrowsAsync<AccessDeniedException>(() => kit.DeskAsync(d => d.OpenAsync(actor, "t", "SEV2", ["checkout"])));
            await Assert.ThrowsAsync<AccessDeniedException>(() => kit.DeskAsync(d => d.AcknowledgeAsync(actor, incident.Id)));
            await Assert.ThrowsAsync<AccessDeniedException>(() => kit.DeskAsync(d => d.ResolveAsync(actor, incident.Id)));
            await Assert.ThrowsAsync<AccessDeniedException>(() => kit.DeskAsync(d => d.AddNoteAsync(actor, incident.Id, "hi")));
            await Assert.ThrowsAsync<AccessDeniedException>(() => kit.DeskAsync(d => d.SetCommanderAsync(actor, incident.Id, "olga")));
            await Assert.ThrowsAsync<AccessDeniedException>(() => kit.DeskAsync(d => d.OpenFromAlertAsync(actor, Alert(), IncidentSeverity.Sev1, default)));
        }
        var after = await kit.LoadAsync(incident.Id);
        Assert.Equal(IncidentStatus.Open, after.Status);
        Assert.Empty(after.Log);
        Assert.Equal(1, await kit.CountAsync<Incident>());
    }

    [Fact]
    public async Task The_status_moves_forward_with_times_and_actors_and_each_move_is_an_event()
    {
        await using var kit = await CreateAsync();
        var id = (await kit.OpenAsync()).Id;
        kit.Clock.Advance(TimeSpan.FromMinutes(3));
        await kit.DeskAsync(d => d.AcknowledgeAsync(Olga, id));
        kit.Clock.Advance(TimeSpan.FromMinutes(10));
        await kit.DeskAsync(d => d.MitigateAsync(Ada, id));
        kit.Clock.Advance(TimeSpan.FromMinutes(30));
        await kit.DeskAsync(d => d.ResolveAsync(Olga, id));

        var i = await kit.LoadAsync(id);
        Assert.Equal(IncidentStatus.Resolved, i.Status);
        Assert.Equal((i.OpenedAt.AddMinutes(3), "olga"), (i.AcknowledgedAt!.Value, i.AcknowledgedBy!));
        Assert.Equal((i.OpenedAt.AddMinutes(13), "ada"), (i.MitigatedAt!.Value, i.MitigatedBy!));
        Assert.Equal((i.OpenedAt.AddMinutes(43), "olga"), (i.ResolvedAt!.Value, i.ResolvedBy!));
        var types = await kit.WithDbAsync(db => db.OutboxEvents.OrderBy(e => e.Position).Select(e => e.Type).ToListAsync());
        Assert.Equal([EventTypes.IncidentOpened, EventTypes.IncidentAcknowledged, EventTypes.IncidentMitigated, EventTypes.IncidentResolved], types);
    }

    [Fact]
    public async Task A_step_may_be_skipped_forward_but_never_repeated_or_taken_back_and_a_refused_move_changes_nothing()
    {
        await using var kit = await CreateAsync();
        var id = (await kit.OpenAsync()).Id;
        await kit.DeskAsync(d => d.MitigateAsync(Olga, id)); // open → mitigated: skipping acknowledged is allowed
        var events = await kit.CountAsync<OutboxEvent>();
        var audits = await kit.CountAsync<AuditEntry>();

        var back = await Assert.ThrowsAsync<ConflictException>(() => kit.DeskAsync(d => d.AcknowledgeAsync(Olga, id)));
        Assert.Contains("mitigated", back.Message);
        await Assert.ThrowsAsync<ConflictException>(() => kit.DeskAsync(d => d.MitigateAsync(Olga, id)));
        await Assert.ThrowsAsync<ConflictException>(() => kit.DeskAsync(d => d.MoveAsync(Olga, id, IncidentStatus.Open)));

        var i = await kit.LoadAsync(id);
        Assert.Equal(IncidentStatus.Mitigated, i.Status);
        Assert.Null(i.AcknowledgedAt);
        Assert.Equal(events, await kit.CountAsync<OutboxEvent>());
        Assert.Equal(audits, await kit.CountAsync<AuditEntry>());

        await kit.DeskAsync(d => d.ResolveAsync(Olga, id));
        await Assert.ThrowsAsync<ConflictException>(() => kit.DeskAsync(d => d.ResolveAsync(Olga, id)));
    }

    [Fact]
    public async Task An_unknown_incident_is_not_found()
    {
        await using var kit = await CreateAsync();
        await Assert.ThrowsAsync<NotFoundException>(() => kit.DeskAsync(d => d.AcknowledgeAsync(Olga, 42)));
        await Assert.ThrowsAsync<NotFoundException>(() => kit.DeskAsync(d => d.AddNoteAsync(Olga, 42, "x")));
    }

    [Fact]
    public async Task Notes_and_the_commander_go_into_the_log_and_a_commander_must_be_an_enabled_user()
    {
        await using var kit = await CreateAsync();
        await kit.WithDbAsync(async db =>
        {
            db.Users.Add(new ConsoleUser { UserName = "cora", NormalizedUserName = "CORA" });
            db.Users.Add(new ConsoleUser { UserName = "gone", NormalizedUserName = "GONE", LockoutEnd = DateTimeOffset.MaxValue });
            return await db.SaveChangesAsync();
        });
        var id = (await kit.OpenAsync()).Id;
        await kit.DeskAsync(d => d.AddNoteAsync(Olga, id, "  restarted the canary  "));
        await kit.DeskAsync(d => d.SetCommanderAsync(Olga, id, "cora"));
        await Assert.ThrowsAsync<InvalidInputException>(() => kit.DeskAsync(d => d.SetCommanderAsync(Olga, id, "nobody")));
        await Assert.ThrowsAsync<InvalidInputException>(() => kit.DeskAsync(d => d.SetCommanderAsync(Olga, id, "gone")));
        await Assert.ThrowsAsync<ConflictException>(() => kit.DeskAsync(d => d.SetCommanderAsync(Olga, id, "cora")));
        await Assert.ThrowsAsync<InvalidInputException>(() => kit.DeskAsync(d => d.AddNoteAsync(Olga, id, "   ")));
        await Assert.ThrowsAsync<InvalidInputException>(() => kit.DeskAsync(d => d.AddNoteAsync(Olga, id, new string('n', 4001))));

        var i = await kit.LoadAsync(id);
        Assert.Equal("cora", i.Commander);
        Assert.Equal([(IncidentLogKind.Note, "restarted the canary"), (IncidentLogKind.Commander, "cora is the incident commander.")],
            i.Log.OrderBy(l => l.Id).Select(l => (l.Kind, l.Text)));
        var note = await kit.WithDbAsync(db => db.OutboxEvents.SingleAsync(e => e.Type == EventTypes.IncidentNoteAdded));
        Assert.Contains("\"incidentId\":1", note.CloudEventJson);
    }

    [Fact]
    public async Task Opening_from_an_alert_takes_its_service_links_its_fingerprint_and_attaches_the_matching_runbooks()
    {
        await using var kit = await CreateAsync();
        kit.Runbooks.Rules.Add(("alertname", "HighErrorRate", new RunbookReference("high-error-rate", "High error rate")));
        kit.Runbooks.Rules.Add(("service", "checkout", new RunbookReference("checkout-basics", "Checkout basics")));
        kit.Runbooks.Rules.Add(("alertname", "Other", new RunbookReference("other", "Other")));

        var id = await kit.DeskAsync(d => d.OpenFromAlertAsync(Olga, Alert(), IncidentSeverity.Sev1, default));

        var i = await kit.LoadAsync(id);
        Assert.Equal("HighErrorRate: 5xx above 5%", i.Title);
        Assert.Equal(IncidentSeverity.Sev1, i.Severity);
        Assert.Equal("alert", i.Origin);
        Assert.Equal(["checkout/prod"], i.ServiceNames);
        Assert.Equal("fp-1", Assert.Single(i.Alerts).Fingerprint);
        Assert.Equal(["checkout-basics", "high-error-rate"], i.Runbooks.Select(r => r.Slug).Order());
        var view = IncidentView.From(i);
        Assert.Contains(view.Runbooks, r => r.Href == "/runbooks/high-error-rate" && r.StartRunHref == $"/runbooks/high-error-rate?incident={id}");
    }

    [Fact]
    public async Task Intake_is_idempotent_by_fingerprint_while_the_incident_is_open_and_opens_a_new_one_after_it_is_resolved()
    {
        await using var kit = await CreateAsync();
        var first = await kit.DeskAsync(d => d.OpenFromAlertAsync(Olga, Alert(), IncidentSeverity.Sev2, default));
        var again = await kit.DeskAsync(d => d.OpenFromAlertAsync(Olga, Alert(), IncidentSeverity.Sev1, default));
        await kit.DeskAsync(d => d.AcknowledgeAsync(Olga, first));
        var whileAcked = await kit.DeskAsync(d => d.OpenFromAlertAsync(Actor.System("receiver"), Alert(), IncidentSeverity.Sev2, default));
        Assert.Equal(first, again);
        Assert.Equal(first, whileAcked);
        Assert.Equal(1, await kit.CountAsync<Incident>());
        Assert.Equal(1, await kit.WithDbAsync(db => db.OutboxEvents.CountAsync(e => e.Type == EventTypes.IncidentOpened)));

        var other = await kit.DeskAsync(d => d.OpenFromAlertAsync(Olga, Alert("fp-2"), IncidentSeverity.Sev2, default));
        Assert.NotEqual(first, other);

        await kit.DeskAsync(d => d.ResolveAsync(Olga, first));
        var next = await kit.DeskAsync(d => d.OpenFromAlertAsync(Olga, Alert(), IncidentSeverity.Sev2, default));
        Assert.NotEqual(first, next);
        Assert.Equal(3, await kit.CountAsync<Incident>());
    }

    [Fact]
    public async Task Notifications_for_the_same_alert_at_the_same_moment_open_one_incident()
    {
        await using var kit = await CreateAsync();
        var ids = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            kit.DeskAsync(d => d.OpenFromAlertAsync(Actor.System("receiver"), Alert("fp-race"), IncidentSeverity.Sev2, default))));
        Assert.Single(ids.Distinct());
        Assert.Equal(1, await kit.CountAsync<Incident>());
    }

    [Fact]
    public async Task A_runbook_index_that_fails_does_not_keep_the_incident_from_opening()
    {
        await using var kit = await CreateAsync();
        kit.Runbooks.Fail = true;
        var id = await kit.DeskAsync(d => d.OpenFromAlertAsync(Olga, Alert(), IncidentSeverity.Sev2, default));
        Assert.Empty((await kit.LoadAsync(id)).Runbooks);
    }

    [Fact]
    public async Task Opening_from_a_fingerprint_looks_the_alert_up_and_without_alerting_says_so()
    {
        await using var kit = await CreateAsync();
        kit.Alerts.Stored["fp-9"] = Alert("fp-9");
        var id = await kit.DeskAsync(d => d.OpenFromFingerprintAsync(Olga, "fp-9", "SEV3"));
        Assert.Equal("fp-9", Assert.Single((await kit.LoadAsync(id)).Alerts).Fingerprint);
        await Assert.ThrowsAsync<NotFoundException>(() => kit.DeskAsync(d => d.OpenFromFingerprintAsync(Olga, "fp-unknown", "SEV3")));

        await using var bare = await CreateAsync(withFakes: false);
        var ex = await Assert.ThrowsAsync<NotFoundException>(() => bare.DeskAsync(d => d.OpenFromFingerprintAsync(Olga, "fp-9", "SEV3")));
        Assert.Contains("does not receive alerts", ex.Message);
        Assert.Equal(0, await bare.CountAsync<Incident>());
    }

    [Fact]
    public async Task Lists_filter_by_status_and_service()
    {
        await using var kit = await CreateAsync();
        var a = await kit.OpenAsync("a", "SEV1", "checkout/prod");
        var b = await kit.OpenAsync("b", "SEV2", "payments");
        await kit.DeskAsync(d => d.ResolveAsync(Olga, b.Id));
        await using var db = kit.Store.NewContext();
        Assert.Equal([b.Id, a.Id], (await IncidentQueries.ListAsync(db)).Select(i => i.Id));
        Assert.Equal([a.Id], (await IncidentQueries.ListAsync(db, "active")).Select(i => i.Id));
        Assert.Equal([b.Id], (await IncidentQueries.ListAsync(db, "Resolved")).Select(i => i.Id));
        Assert.Equal([b.Id], (await IncidentQueries.ListAsync(db, service: "payments")).Select(i => i.Id));
        await Assert.ThrowsAsync<InvalidInputException>(() => IncidentQueries.ListAsync(db, "closed"));
    }
}
