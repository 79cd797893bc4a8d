using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Access;

/// <summary>A console whose log capture records every category at every level, to catch a secret leaking anywhere.</summary>
public sealed class VerboseLogConsoleFactory : IDisposable
{
    public ConsoleFactory Factory { get; } = ConsoleFactory.With(captureAllFrom: LogLevel.Trace);
    public void Dispose() => Factory.Dispose();
}

/// <summary>
/// Passwords, token secrets and webhook secrets go in and are used, but never come out: not in any
/// log line (message, structured values or scopes, at any level), not in events, not in the audit trail.
/// </summary>
public sealed class SecretsDoNotLeakTests(VerboseLogConsoleFactory fx) : IClassFixture<VerboseLogConsoleFactory>
{
    [Fact]
    public async Task Passwords_token_secrets_and_webhook_secrets_appear_in_no_log_event_or_audit_entry()
    {
        var factory = fx.Factory;
        var secrets = new List<string> { factory.AdminPassword, factory.AdminToken };
        using var admin = factory.CreateAdminClient();

        // Users, with passwords set at creation and reset later.
        var password = Names.Password();
        var user = await factory.CreateUserAsync(password, Roles.Viewer, Roles.OnCall);
        var newPassword = Names.Password();
        await admin.PostAsJsonAsync($"/api/v1/users/{user}/password", new { password = newPassword }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.NoContent);
        secrets.AddRange([password, newPassword]);

        // Sign-in: a wrong password, then the right one; a token issued with the cookie.
        var (browser, _) = factory.CreateBrowser();
        using (browser)
        {
            var wrong = "wrong-" + Names.Password();
            secrets.Add(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, (await browser.PostLoginAsync(user, wrong)).StatusCode);
            await browser.SignInAsync(user, newPassword);
            await browser.UseAntiforgeryHeaderAsync();
            var (_, userToken) = await browser.CreateTokenAsync(Roles.OnCall);
            secrets.Add(userToken);
            using var asUser = factory.CreateTokenClient(userToken);
            await asUser.GetAsync("/api/v1/me").EnsureStatusAsync(HttpStatusCode.OK);
        }

        // Admin tokens: used, and one revoked.
        var (revokedId, revoked) = await admin.CreateTokenAsync(Roles.Admin);
        var (_, kept) = await admin.CreateTokenAsync(Roles.Viewer);
        secrets.AddRange([revoked, kept]);
        using (var asKept = factory.CreateTokenClient(kept)) await asKept.GetAsync("/api/v1/me").EnsureStatusAsync(HttpStatusCode.OK);
        await admin.DeleteAsync($"/api/v1/tokens/{revokedId}").EnsureStatusAsync(HttpStatusCode.NoContent);
        using (var asRevoked = factory.CreateTokenClient(revoked)) await asRevoked.GetAsync("/api/v1/me").EnsureStatusAsync(HttpStatusCode.Unauthorized);

        // A webhook with a chosen secret, and one with a generated secret.
        var webhookSecret = "whsec-" + Guid.NewGuid().ToString("N");
        await factory.CreateWebhookAsync(webhookSecret);
        var generated = await (await admin.PostAsJsonAsync("/api/v1/webhooks", new { name = Names.Unique("hook"), url = "http://127.0.0.1:9/hook", eventTypes = new[] { "test.never" } }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        secrets.AddRange([webhookSecret, generated.GetProperty("secret").GetString()!]);

        // Events are relayed (and logged, if anything logs them) after commit: wait until the outbox is drained.
        await Wait.UntilAsync(() => factory.WithStoreAsync(db => db.OutboxEvents.AllAsync(e => e.RelayedAt != null)), "the outbox relay to catch up");

        var logs = factory.Logs.Entries;
        var events = await factory.WithStoreAsync(db => db.OutboxEvents.AsNoTracking().Select(e => e.CloudEventJson).ToListAsync());
        var audit = await factory.WithStoreAsync(db => db.AuditEntries.AsNoTracking().ToListAsync());

        // The evidence is there to search (else the test would pass vacuously).
        Assert.Contains(logs, l => l.Text.Contains($"Password sign-in for {user}"));
        Assert.Contains(logs, l => l.Level == LogLevel.Debug);
        Assert.Contains(events, e => e.Contains("\"token.created\""));
        Assert.Contains(audit, a => a.Action == "user.password.reset");
        Assert.Contains(audit, a => a.Action == "auth.signin.refused");

        foreach (var secret in secrets)
        {
            Assert.True(secret.Length >= 16, "secrets are long enough not to match by chance");
            var leakedLog = logs.FirstOrDefault(l => l.Text.Contains(secret, StringComparison.Ordinal));
            Assert.True(leakedLog is null, $"A secret leaked into the log: [{leakedLog?.Level}] {leakedLog?.Category}: {leakedLog?.Text}");
            Assert.DoesNotContain(events, e => e.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(audit, a => (a.Before ?? "").Contains(secret, StringComparison.Ordinal) || (a.After ?? "").Contains(secret, StringComparison.Ordinal)
                                             || a.Target.Contains(secret, StringComparison.Ordinal));
        }
    }
}
