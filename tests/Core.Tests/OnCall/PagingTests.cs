using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Incidents;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Core.Tests.OnCall;

/// <summary>Pages: levels, delays, repeats and acknowledgement, on fake time.</summary>
public sealed class PagingTests
{
    [Fact]
    public async Task A_page_escalates_level_by_level_after_each_delay_repeats_once_and_then_stops()
    {
        await using var f = await OnCallFixture.CreateAsync();
        await f.SetUpPolicyAsync(repeat: 1);
        var start = f.Clock.GetUtcNow().UtcDateTime;

        await f.NotifyAsync(OnCallFixture.Notification());
        var page = await f.SinglePageAsync();
        Assert.Equal((PageStatus.Triggered, 0, 0, "ana"), (page.Status, page.Level, page.Round, page.Paged));
        Assert.Equal(start.AddMinutes(5), Assert.Single(f.Timer.All).Due);

        f.Clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, await f.RunDueTimersAsync()); // not due yet
        f.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await f.RunDueTimersAsync());
        page = await f.SinglePageAsync();
        Assert.Equal((1, 0, "ben"), (page.Level, page.Round, page.Paged)); // whoever the schedule has on call
        Assert.Equal(start.AddMinutes(15), Assert.Single(f.Timer.All).Due);

        f.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, await f.RunDueTimersAsync());
        page = await f.SinglePageAsync();
        Assert.Equal((0, 1, "ana"), (page.Level, page.Round, page.Paged)); // the repeat starts again at level 1

        f.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, await f.RunDueTimersAsync());
        f.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(0, await f.RunDueTimersAsync()); // repeats used up
        Assert.Empty(f.Timer.All);
        page = await f.SinglePageAsync();
        Assert.Equal((PageStatus.Triggered, 1, 1, null), (page.Status, page.Level, page.Round, page.NextEscalationAt));

        var events = await f.EventsAsync();
        Assert.Equal(["page.sent", "page.escalated", "page.escalated", "page.escalated"], events.Select(e => e.Type));
        Assert.Equal(["ana", "ben", "ana", "ben"], events.Select(e => e.Data.GetProperty("person").GetString()));
        Assert.Equal([1, 2, 1, 2], events.Select(e => e.Data.GetProperty("level").GetInt32()));
        Assert.Equal("fp1", events[0].Data.GetProperty("fingerprints")[0].GetString());
        Assert.Equal(4, f.Messenger.Emails.Count);
        Assert.Equal(["ana@example.test"], f.Messenger.Emails[0].To);
        Assert.Contains("https://console.test/oncall/ack?token=", f.Messenger.Emails[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_repeated_notification_for_the_same_group_does_not_page_again_from_the_start()
    {
        await using var f = await OnCallFixture.CreateAsync();
        await f.SetUpPolicyAsync();
        await f.NotifyAsync(OnCallFixture.Notification());
        f.Clock.Advance(TimeSpan.FromMinutes(5));
        await f.RunDueTimersAsync();
        await f.NotifyAsync(OnCallFixture.Notification(fingerprint: "fp2"));

        var page = await f.SinglePageAsync();
        Assert.Equal(1, page.Level);
        Assert.Equal(["fp1", "fp2"], page.Fingerprints);
        Assert.Single(f.Timer.All); // only the escalation's own timer
        Assert.Equal(["page.sent", "page.escalated"], (await f.EventsAsync()).Select(e => e.Type));
    }

    [Fact]
    public async Task Acknowledging_stops_the_escalation_and_a_viewer_cannot()
    {
        await using var f = await OnCallFixture.CreateAsync();
        await f.SetUpPolicyAsync();
        await f.NotifyAsync(OnCallFixture.Notification());
        var page = await f.SinglePageAsync();

        await Assert.ThrowsAsync<AccessDeniedException>(() => f.InScopeAsync(sp => sp.GetRequiredService<Paging>().AcknowledgeAsync(OnCallFixture.Viewer, page.Id)));
        var onCall = new Actor("ana", new HashSet<string> { Roles.OnCall }, "corr-ack");
        var acked = await f.InScopeAsync(sp => sp.GetRequiredService<Paging>().AcknowledgeAsync(onCall, page.Id));
        Assert.Equal(("Acknowledged", "ana"), (acked.Status, acked.AcknowledgedBy));

        f.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await f.RunDueTimersAsync());
        page = await f.SinglePageAsync();
        Assert.Equal((PageStatus.Acknowledged, 0, null), (page.Status, page.Level, page.NextEscalationAt));
        var events = await f.EventsAsync();
        Assert.Equal(["page.sent", "page.acknowledged"], events.Select(e => e.Type));
        Assert.Equal("ana", events[1].Data.GetProperty("person").GetString());
    }

    [Fact]
    public async Task A_resolved_notification_resolves_the_page_and_stops_its_timer()
    {
        await using var f = await OnCallFixture.CreateAsync();
        await f.SetUpPolicyAsync();
        await f.NotifyAsync(OnCallFixture.Notification());
        await f.NotifyAsync(OnCallFixture.Notification(status: AlertStatus.Resolved));
        f.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, await f.RunDueTimersAsync());
        var page = await f.SinglePageAsync();
        Assert.Equal(PageStatus.Resolved, page.Status);
        Assert.Contains(f.Messenger.Webhooks, w => w.Message.Text.StartsWith("[RESOLVED:1]", StringComparison.Ordinal));

        // A new firing after the resolution is a new page.
        await f.NotifyAsync(OnCallFixture.Notification());
        await using var db = f.Store.NewContext();
        Assert.Equal(2, db.Pages.Count());
    }

    [Fact]
    public async Task An_unknown_receiver_is_recorded_as_undeliverable_and_nothing_throws()
    {
        await using var f = await OnCallFixture.CreateAsync();
        await f.NotifyAsync(OnCallFixture.Notification(receiver: "nobody-here"));
        var record = Assert.Single(await f.RecordsAsync());
        Assert.Equal((NotificationOutcome.Undeliverable, "nobody-here"), (record.Outcome, record.Receiver));

        // Through the contract the dispatcher calls, too.
        await f.Store.Services.GetRequiredService<IAlertReceivers>().NotifyAsync(OnCallFixture.Notification(receiver: "also-missing"), CancellationToken.None);
        Assert.Equal(2, (await f.RecordsAsync()).Count);
    }

    [Fact]
    public async Task A_receiver_that_opens_incidents_passes_the_severity_and_the_page_carries_the_incident()
    {
        await using var f = await OnCallFixture.CreateAsync(withIntake: true);
        await f.SetUpPolicyAsync(severity: "SEV2");
        await f.NotifyAsync(OnCallFixture.Notification());
        var call = Assert.Single(f.Intake!.Calls);
        Assert.Equal((IncidentSeverity.Sev2, "fp1"), (call.Severity, call.Alert.Fingerprint));
        Assert.Equal(42, (await f.SinglePageAsync()).IncidentId);
        Assert.Equal(42, (await f.EventsAsync())[0].Data.GetProperty("incidentId").GetInt64());
    }

    [Fact]
    public async Task Without_incidents_in_the_console_the_severity_option_is_skipped_and_paging_goes_on()
    {
        await using var f = await OnCallFixture.CreateAsync(withIntake: false);
        await f.SetUpPolicyAsync(severity: "SEV1");
        await f.NotifyAsync(OnCallFixture.Notification());
        Assert.Null((await f.SinglePageAsync()).IncidentId);
        Assert.Contains(await f.RecordsAsync(), r => r.Channel == "incident" && r.Outcome == NotificationOutcome.Skipped);
    }

    [Fact]
    public async Task The_webhook_gets_Slack_compatible_json_with_escaped_alert_text_and_an_ack_button_per_person()
    {
        await using var f = await OnCallFixture.CreateAsync();
        await f.SetUpPolicyAsync(emails: ["team@example.test"]);
        await f.NotifyAsync(OnCallFixture.Notification());
        var (url, message) = Assert.Single(f.Messenger.Webhooks);
        Assert.StartsWith("https://hooks.example.test/services/", url, StringComparison.Ordinal);
        var json = System.Text.Json.JsonSerializer.SerializeToElement(message, System.Text.Json.JsonSerializerOptions.Web);
        Assert.Contains("Paging ana (level 1)", json.GetProperty("text").GetString(), StringComparison.Ordinal);
        var blocks = json.GetProperty("blocks");
        Assert.Equal("section", blocks[0].GetProperty("type").GetString());
        Assert.Equal("mrkdwn", blocks[0].GetProperty("text").GetProperty("type").GetString());
        var button = blocks[2].GetProperty("elements")[0];
        Assert.Equal("button", button.GetProperty("type").GetString());
        Assert.StartsWith("https://console.test/oncall/ack?token=", button.GetProperty("url").GetString(), StringComparison.Ordinal);

        // The team address gets the group's notification; its summary text cannot mention or link in Slack.
        Assert.Contains(f.Messenger.Emails, e => e.To.SequenceEqual(["team@example.test"]) && e.Subject.StartsWith("[FIRING:1]", StringComparison.Ordinal));
        await f.NotifyAsync(OnCallFixture.Notification(status: AlertStatus.Resolved));
        Assert.Contains("&lt;@here&gt;", f.Messenger.Webhooks[^1].Message.Text, StringComparison.Ordinal);

        // Records name the webhook by scheme and host only.
        Assert.All(await f.RecordsAsync(), r => Assert.DoesNotContain("SECRETTOKEN", r.Recipient + r.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_signed_link_acknowledges_as_the_paged_person_and_a_tampered_or_expired_one_changes_nothing()
    {
        await using var f = await OnCallFixture.CreateAsync();
        await f.SetUpPolicyAsync();
        await f.NotifyAsync(OnCallFixture.Notification());
        var page = await f.SinglePageAsync();
        var links = f.Store.Services.GetRequiredService<PageAckLinks>();
        var token = links.CreateToken(page.Id, "ana");

        var tampered = token[..^4] + (token[^4] == 'A' ? "B" : "A") + token[^3..];
        await Assert.ThrowsAsync<AccessDeniedException>(() => f.InScopeAsync(sp => sp.GetRequiredService<Paging>().AcknowledgeByLinkAsync(tampered, "c1")));
        var forged = links.CreateToken(Guid.NewGuid(), "ana").Replace(page.Id.ToString("N"), "", StringComparison.Ordinal);
        await Assert.ThrowsAsync<AccessDeniedException>(() => f.InScopeAsync(sp => sp.GetRequiredService<Paging>().AcknowledgeByLinkAsync(forged + "x", "c1")));

        f.Clock.Advance(TimeSpan.FromHours(25));
        await Assert.ThrowsAsync<AccessDeniedException>(() => f.InScopeAsync(sp => sp.GetRequiredService<Paging>().AcknowledgeByLinkAsync(token, "c2")));
        Assert.Equal(PageStatus.Triggered, (await f.SinglePageAsync()).Status);
        Assert.DoesNotContain(await f.EventsAsync(), e => e.Type == "page.acknowledged");

        var fresh = links.CreateToken(page.Id, "ana");
        var acked = await f.InScopeAsync(sp => sp.GetRequiredService<Paging>().AcknowledgeByLinkAsync(fresh, "c3"));
        Assert.Equal(("Acknowledged", "ana"), (acked.Status, acked.AcknowledgedBy));

        // A link for someone who may not acknowledge (a Viewer) is refused.
        await f.NotifyAsync(OnCallFixture.Notification(group: "other"));
        await using var db = f.Store.NewContext();
        var second = db.Pages.Single(p => p.GroupKey == "other");
        await Assert.ThrowsAsync<AccessDeniedException>(() => f.InScopeAsync(sp => sp.GetRequiredService<Paging>().AcknowledgeByLinkAsync(links.CreateToken(second.Id, "cy"), "c4")));
    }

    [Fact]
    public async Task Schedules_policies_and_receivers_are_edited_by_Admins_and_bad_input_saves_nothing()
    {
        await using var f = await OnCallFixture.CreateAsync();
        await f.InScopeAsync(async sp =>
        {
            var schedules = sp.GetRequiredService<OnCallSchedules>();
            var layer = new RotationLayer { Users = ["ana"], TimeZone = "UTC", StartDate = "2026-01-01" };
            await Assert.ThrowsAsync<AccessDeniedException>(() => schedules.CreateAsync(OnCallFixture.Viewer, new ScheduleInput("s", "", [layer])));
            await Assert.ThrowsAsync<InvalidInputException>(() => schedules.CreateAsync(OnCallFixture.Admin, new ScheduleInput("s", "", [layer with { Users = [] }])));
            await Assert.ThrowsAsync<InvalidInputException>(() => schedules.CreateAsync(OnCallFixture.Admin, new ScheduleInput("s", "", [layer with { Users = ["ghost"] }])));
            Assert.Empty(await schedules.ListAsync());
            await Assert.ThrowsAsync<InvalidInputException>(() => sp.GetRequiredService<ReceiverRegistry>().SaveAsync(OnCallFixture.Admin, null,
                new ReceiverInput("r", "no-such-policy", null, null, null)));
            await Assert.ThrowsAsync<InvalidInputException>(() => sp.GetRequiredService<ReceiverRegistry>().SaveAsync(OnCallFixture.Admin, null,
                new ReceiverInput("r", null, "http://169.254.169.254/latest", null, null)));
            await Assert.ThrowsAsync<InvalidInputException>(() => sp.GetRequiredService<ReceiverRegistry>().SaveAsync(OnCallFixture.Admin, null,
                new ReceiverInput("r", null, null, ["not an address"], null)));
            Assert.Empty(await sp.GetRequiredService<ReceiverRegistry>().ListAsync(OnCallFixture.Admin));

            var created = await schedules.CreateAsync(OnCallFixture.Admin, new ScheduleInput("s", "", [layer]));
            var now = f.Clock.GetUtcNow().UtcDateTime;
            await schedules.AddOverrideAsync(OnCallFixture.Admin, created.Id, new OverrideInput("ben", now.AddHours(-1), now.AddHours(1)));
            var who = Assert.Single(await schedules.WhoIsOnCallAsync());
            Assert.Equal(("ben", "override", now.AddHours(1)), (who.User, who.Source, who.Until));
        });
    }
}
