using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Console.Tests.OnCall;

/// <summary>On-call through the API and the signed links, against a running console.</summary>
public sealed class OnCallApiTests : IAsyncLifetime
{
    private readonly ConsoleFactory _console = ConsoleFactory.With();
    private static readonly JsonSerializerOptions Json = TestApi.Json;

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _console.DisposeAsync();

    internal static async Task<string> UserAsync(ConsoleFactory console, string role, string? email = null)
    {
        var name = Names.Unique("oc");
        using var admin = console.CreateAdminClient();
        await admin.PostAsJsonAsync("/api/v1/users", new { userName = name, password = "a-long-password-1", roles = new[] { role }, email }, Json).EnsureStatusAsync(HttpStatusCode.Created);
        return name;
    }

    internal static async Task<string> SetUpAsync(ConsoleFactory console, string user, int delayMinutes = 5)
    {
        using var admin = console.CreateAdminClient();
        var receiver = Names.Unique("pager");
        await admin.PostAsJsonAsync("/api/v1/oncall/schedules", new
        {
            name = receiver + "-sched",
            layers = new[] { new { users = new[] { user }, rotationLength = 1, unit = "Days", handoffTime = "09:00", timeZone = "Europe/Berlin", startDate = "2026-01-01" } },
        }, Json).EnsureStatusAsync(HttpStatusCode.Created);
        await admin.PostAsJsonAsync("/api/v1/oncall/policies", new
        {
            name = receiver + "-policy",
            levels = new[]
            {
                new { targets = new[] { new { kind = "Schedule", name = receiver + "-sched" } }, delayMinutes },
                new { targets = new[] { new { kind = "User", name = user } }, delayMinutes },
            },
            repeatCount = 0,
        }, Json).EnsureStatusAsync(HttpStatusCode.OK);
        await admin.PostAsJsonAsync("/api/v1/oncall/receivers", new { name = receiver, escalationPolicy = receiver + "-policy" }, Json).EnsureStatusAsync(HttpStatusCode.OK);
        return receiver;
    }

    internal static Task FireAsync(ConsoleFactory console, string receiver, string alertName = "HighErrorRate") =>
        console.Services.GetRequiredService<IAlertReceivers>().NotifyAsync(new AlertNotification(receiver, "group-" + receiver, new Dictionary<string, string>(),
        [
            new AlertSnapshot("fp-" + receiver, new Dictionary<string, string> { ["alertname"] = alertName, ["service"] = "checkout", ["environment"] = "prod" },
                new Dictionary<string, string>(), AlertStatus.Firing, DateTime.UtcNow, null, null),
        ]), CancellationToken.None);

    [Fact]
    public async Task Who_is_on_call_answers_per_schedule_at_a_given_time_and_a_schedule_without_users_is_a_400_that_saves_nothing()
    {
        var ana = await UserAsync(_console, "OnCall");
        await SetUpAsync(_console, ana);
        using var viewer = _console.CreateTokenClient((await _console.CreateAdminClient().CreateTokenAsync("Viewer")).Secret);

        var body = await (await viewer.GetAsync("/api/v1/oncall?at=2026-03-29T07:30:00Z").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        var s = body.GetProperty("schedules")[0];
        Assert.Equal(ana, s.GetProperty("user").GetString());
        Assert.Equal("Layer 1", s.GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Null, s.GetProperty("until").ValueKind); // one person: no handoff within the look-ahead
        var before = await (await viewer.GetAsync("/api/v1/oncall?at=2025-12-31T12:00:00Z").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        var nobody = before.GetProperty("schedules")[0];
        Assert.Equal(JsonValueKind.Null, nobody.GetProperty("user").ValueKind);
        Assert.Equal(new DateTime(2026, 1, 1, 8, 0, 0, DateTimeKind.Utc), nobody.GetProperty("until").GetDateTime().ToUniversalTime()); // 09:00 CET
        await viewer.GetAsync("/api/v1/oncall?at=yesterday").EnsureStatusAsync(HttpStatusCode.BadRequest);

        using var admin = _console.CreateAdminClient();
        var refused = await admin.PostAsJsonAsync("/api/v1/oncall/schedules", new
        {
            name = "empty",
            layers = new[] { new { users = Array.Empty<string>(), rotationLength = 1, unit = "Days", handoffTime = "09:00", timeZone = "UTC", startDate = "2026-01-01" } },
        }, Json).EnsureStatusAsync(HttpStatusCode.BadRequest);
        Assert.Contains("no users", (await refused.ReadJsonAsync()).ToString(), StringComparison.Ordinal);
        Assert.Equal(1, await _console.CountAsync<OnCallSchedule>());

        // Viewers read but do not edit.
        await viewer.PostAsJsonAsync("/api/v1/oncall/schedules", new { name = "x", layers = Array.Empty<object>() }, Json).EnsureStatusAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_OnCall_user_acknowledges_through_the_API_and_the_escalation_stops()
    {
        var ana = await UserAsync(_console, "OnCall");
        var receiver = await SetUpAsync(_console, ana);
        await FireAsync(_console, receiver);
        using var admin = _console.CreateAdminClient();
        var pages = await (await admin.GetAsync("/api/v1/pages?open=true").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        var page = pages.EnumerateArray().Single(p => p.GetProperty("receiver").GetString() == receiver);
        var id = page.GetProperty("id").GetGuid();
        Assert.Equal("Triggered", page.GetProperty("status").GetString());

        using var viewer = _console.CreateTokenClient((await admin.CreateTokenAsync("Viewer")).Secret);
        await viewer.PostAsync($"/api/v1/pages/{id}/ack", null).EnsureStatusAsync(HttpStatusCode.Forbidden);
        using var onCall = _console.CreateTokenClient((await admin.CreateTokenAsync("OnCall")).Secret);
        var acked = await (await onCall.PostAsync($"/api/v1/pages/{id}/ack", null).EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal("Acknowledged", acked.GetProperty("status").GetString());

        // The pending escalation job finds the page acknowledged and does nothing.
        var step = await _console.WithStoreAsync(db => db.Pages.Where(p => p.Id == id).Select(p => p.Step).SingleAsync());
        await using (var scope = _console.Services.CreateAsyncScope())
            Assert.False(await scope.ServiceProvider.GetRequiredService<Paging>().EscalateAsync(id, step - 1));
        var events = await (await admin.GetAsync("/api/v1/events?type=page.&limit=50").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Contains("page.acknowledged", events.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_link_shows_a_confirmation_on_GET_acknowledges_on_POST_and_a_tampered_one_changes_nothing()
    {
        var ana = await UserAsync(_console, "OnCall");
        var receiver = await SetUpAsync(_console, ana);
        await FireAsync(_console, receiver, alertName: "<script>alert(1)</script><img src=x onerror=alert(2)>");
        var page = await _console.WithStoreAsync(db => db.Pages.SingleAsync(p => p.Receiver == receiver));
        var token = _console.Services.GetRequiredService<PageAckLinks>().CreateToken(page.Id, ana);
        using var anonymous = _console.CreateAnonymousClient();

        var confirm = await anonymous.GetAsync($"/oncall/ack?token={Uri.EscapeDataString(token)}").EnsureStatusAsync(HttpStatusCode.OK);
        var html = await confirm.Content.ReadAsStringAsync();
        Assert.Contains("<form method=\"post\" action=\"/oncall/ack\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal); // alert text is encoded, never markup
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.Equal(PageStatus.Triggered, (await _console.WithStoreAsync(db => db.Pages.SingleAsync(p => p.Id == page.Id))).Status);

        var tampered = token[..10] + (token[10] == 'A' ? 'B' : 'A') + token[11..];
        await anonymous.PostAsync("/oncall/ack", new FormUrlEncodedContent([new("token", tampered)])).EnsureStatusAsync(HttpStatusCode.Forbidden);
        await anonymous.GetAsync($"/oncall/ack?token={Uri.EscapeDataString(tampered)}").EnsureStatusAsync(HttpStatusCode.BadRequest);
        Assert.Equal(PageStatus.Triggered, (await _console.WithStoreAsync(db => db.Pages.SingleAsync(p => p.Id == page.Id))).Status);

        await anonymous.PostAsync("/oncall/ack", new FormUrlEncodedContent([new("token", token)])).EnsureStatusAsync(HttpStatusCode.OK);
        var acked = await _console.WithStoreAsync(db => db.Pages.SingleAsync(p => p.Id == page.Id));
        Assert.Equal((PageStatus.Acknowledged, ana), (acked.Status, acked.AcknowledgedBy));
        var audit = await _console.WithStoreAsync(db => db.AuditEntries.SingleAsync(a => a.Action == "oncall.page.ack"));
        Assert.Equal(ana, audit.Actor);
    }

    [Fact]
    public async Task A_notification_for_an_unknown_receiver_is_listed_as_undeliverable()
    {
        await _console.Services.GetRequiredService<IAlertReceivers>().NotifyAsync(new AlertNotification("no-such-receiver", "g", new Dictionary<string, string>(), []), CancellationToken.None);
        using var admin = _console.CreateAdminClient();
        var list = await (await admin.GetAsync("/api/v1/oncall/notifications").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Contains(list.EnumerateArray(), n => n.GetProperty("receiver").GetString() == "no-such-receiver" && n.GetProperty("outcome").GetString() == "Undeliverable");
    }
}
