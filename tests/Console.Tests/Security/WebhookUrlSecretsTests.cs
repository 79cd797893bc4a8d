using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events.Webhooks;

namespace OpsConsole.Console.Tests.Security;

/// <summary>
/// A webhook URL often carries its credential in the path or query (Slack-style hooks). The Admin
/// who configured it sees it whole in the webhook list; the audit trail, events, delivery logs and
/// log lines, which others read, name the receiver by scheme, host and port only.
/// </summary>
public sealed class WebhookUrlSecretsTests
{
    [Fact]
    public async Task A_webhook_urls_secret_path_and_query_appear_in_no_audit_entry_event_delivery_log_or_log_line()
    {
        var answered = 0;
        // Fails the first delivery, accepts the redelivery: both paths of the attempt log are exercised.
        await using var receiver = await EgressTestServer.StartAsync(ctx =>
        {
            ctx.Response.StatusCode = Interlocked.Increment(ref answered) == 1 ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK;
            return Task.CompletedTask;
        });
        await using var factory = ConsoleFactory.With(new Dictionary<string, string?> { ["OPS_EGRESS_ALLOW"] = $"127.0.0.1:{receiver.Port}" }, captureAllFrom: LogLevel.Trace);
        using var admin = factory.CreateAdminClient();
        using var viewer = factory.CreateTokenClient((await admin.CreateTokenAsync(Roles.Viewer)).Secret);

        var pathSecret = "B0PATH" + Guid.NewGuid().ToString("N");
        var querySecret = "QRY" + Guid.NewGuid().ToString("N");
        var url = $"{receiver.BaseUrl}/services/T000/{pathSecret}?token={querySecret}";
        var created = await (await admin.PostAsJsonAsync("/api/v1/webhooks",
            new { name = Names.Unique("slack"), url, eventTypes = new[] { "test.never" } }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        var id = created.GetProperty("webhook").GetProperty("id").GetGuid();
        Assert.Equal(url, created.GetProperty("webhook").GetProperty("url").GetString());

        // A second webhook whose host is refused at connect time: its error path must not quote the URL either.
        var blockedSecret = "BLK" + Guid.NewGuid().ToString("N");
        var blocked = await (await admin.PostAsJsonAsync("/api/v1/webhooks",
            new { name = Names.Unique("blocked"), url = $"http://localhost:{receiver.Port + 1}/hooks/{blockedSecret}", eventTypes = new[] { "test.never" } }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        var blockedId = blocked.GetProperty("webhook").GetProperty("id").GetGuid();

        await admin.PostAsync($"/api/v1/webhooks/{id}/ping", null).EnsureStatusAsync(HttpStatusCode.Accepted);
        await admin.PostAsync($"/api/v1/webhooks/{blockedId}/ping", null).EnsureStatusAsync(HttpStatusCode.Accepted);
        var failed = await WebhookEgressTests.WaitForAttemptAsync(admin, id);
        Assert.Equal(500, failed.GetProperty("lastStatusCode").GetInt32());
        await admin.PostAsync($"/api/v1/webhooks/deliveries/{failed.GetProperty("id").GetGuid()}/redeliver", null).EnsureStatusAsync(HttpStatusCode.Accepted);
        await Wait.UntilAsync(async () => (await (await admin.GetAsync($"/api/v1/webhooks/{id}/deliveries")).ReadJsonAsync())[0].GetProperty("status").GetInt32() == (int)DeliveryStatus.Delivered,
            "the redelivery to succeed");
        Assert.Contains("blocked", (await WebhookEgressTests.WaitForAttemptAsync(admin, blockedId)).GetProperty("lastError").GetString());
        Assert.Equal(2, receiver.Requests.Count);
        Assert.All(receiver.Requests, r => Assert.Contains(querySecret, r)); // the receiver does get its credential

        var deliveryLogs = (await admin.GetStringAsync($"/api/v1/webhooks/{id}/deliveries")) + (await admin.GetStringAsync($"/api/v1/webhooks/{blockedId}/deliveries"));
        await admin.DeleteAsync($"/api/v1/webhooks/{id}").EnsureStatusAsync(HttpStatusCode.NoContent);
        await admin.DeleteAsync($"/api/v1/webhooks/{blockedId}").EnsureStatusAsync(HttpStatusCode.NoContent);
        await Wait.UntilAsync(() => factory.WithStoreAsync(db => db.OutboxEvents.AllAsync(e => e.RelayedAt != null)), "the outbox relay to catch up");

        var events = await viewer.GetStringAsync("/api/v1/events?limit=1000");
        var audit = await factory.WithStoreAsync(db => db.AuditEntries.AsNoTracking().Where(a => a.Action.StartsWith("webhook.")).ToListAsync());
        var auditText = string.Join("\n", audit.Select(a => $"{a.Action} {a.Target} {a.Before} {a.After}"));
        var logs = factory.Logs.Entries;

        // The evidence is there to search: the receiver is named, by scheme, host and port.
        Assert.Contains(receiver.BaseUrl, events);
        Assert.Contains(receiver.BaseUrl, auditText);
        Assert.Contains(audit, a => a.Action == "webhook.ping");
        Assert.Contains(audit, a => a.Action == "webhook.redeliver");
        Assert.Contains(audit, a => a.Action == "webhook.delete");
        Assert.Contains("The receiver answered 500", deliveryLogs);
        Assert.Contains(logs, l => l.Level == LogLevel.Debug);

        foreach (var secret in new[] { pathSecret, querySecret, blockedSecret, "/services/T000", "/hooks/" })
        {
            Assert.DoesNotContain(secret, events);
            Assert.DoesNotContain(secret, auditText);
            Assert.DoesNotContain(secret, deliveryLogs);
            var leaked = logs.FirstOrDefault(l => l.Text.Contains(secret, StringComparison.Ordinal));
            Assert.True(leaked is null, $"The webhook URL leaked into the log: [{leaked?.Level}] {leaked?.Category}: {leaked?.Text}");
        }
    }
}
