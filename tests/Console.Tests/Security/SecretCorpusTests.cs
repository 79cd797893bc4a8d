using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpsConsole.Console.Tests.Access;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Security;

/// <summary>
/// The attacker is any signed-in role below Admin reading everything the API offers, or anyone who
/// reads the logs, the events or the audit trail. A corpus of secrets (passwords, token secrets,
/// webhook signing secrets, the secret part of webhook URLs, a target's connection-string password)
/// is put through the API as an operator would; then every GET route of the API is called as every
/// role, and every response, log line, event and audit entry is searched for every secret.
/// </summary>
public sealed class SecretCorpusTests(VerboseLogConsoleFactory fx) : IClassFixture<VerboseLogConsoleFactory>
{
    private readonly List<(string Request, string Text)> _responses = [];

    [Fact]
    public async Task No_secret_put_through_the_api_comes_out_of_any_response_log_event_or_audit_entry()
    {
        var factory = fx.Factory;
        var secrets = new Dictionary<string, string>
        {
            ["admin password"] = factory.AdminPassword,
            ["operator-chosen admin token"] = factory.AdminToken,
        };
        using var admin = Recorded(factory.AdminToken);

        // People: a password at creation and at reset; a wrong one at the sign-in form.
        var password = Names.Password();
        var user = Names.Unique("corpus");
        await admin.PostAsJsonAsync("/api/v1/users", new { userName = user, password, roles = new[] { Roles.Viewer, Roles.OnCall } }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created);
        var reset = Names.Password();
        await admin.PostAsJsonAsync($"/api/v1/users/{user}/password", new { password = reset }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.NoContent);
        secrets["created password"] = password;
        secrets["reset password"] = reset;
        var (browser, _) = factory.CreateBrowser();
        using (browser)
        {
            var wrong = "wrong-" + Names.Password();
            secrets["wrong password"] = wrong;
            await browser.PostLoginAsync(user, wrong);
            await browser.SignInAsync(user, reset);
        }

        // Tokens: one per role, used below to read the whole API.
        var tokenByRole = new Dictionary<string, string>();
        foreach (var role in Roles.All)
        {
            var created = await admin.PostAsJsonAsync("/api/v1/tokens", new { name = Names.Unique("corpus"), roles = new[] { role } }, TestApi.Json)
                .EnsureStatusAsync(HttpStatusCode.Created);
            tokenByRole[role] = (await created.ReadJsonAsync()).GetProperty("secret").GetString()!;
            secrets[$"{role} token"] = tokenByRole[role];
        }

        // Webhooks: a chosen signing secret, and a URL whose path and query are the receiver's credentials
        // (as chat and incident tools issue them). Ping and redeliver make the sender use both.
        var signing = "whsec-" + Guid.NewGuid().ToString("N");
        var pathSecret = "hookpath" + Guid.NewGuid().ToString("N");
        var querySecret = "hookquery" + Guid.NewGuid().ToString("N");
        secrets["webhook signing secret"] = signing;
        secrets["webhook URL path secret"] = pathSecret;
        secrets["webhook URL query secret"] = querySecret;
        var hook = await (await admin.PostAsJsonAsync("/api/v1/webhooks", new
        {
            name = Names.Unique("corpus"), url = $"https://hooks.invalid/services/{pathSecret}?token={querySecret}", secret = signing, eventTypes = new[] { "user.*" },
        }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        var hookId = hook.GetProperty("webhook").GetProperty("id").GetGuid();
        var ping = await admin.PostAsync($"/api/v1/webhooks/{hookId}/ping", null).EnsureStatusAsync(HttpStatusCode.Accepted);
        var deliveryId = Guid.Parse(ping.Headers.Location!.OriginalString.Split('#')[1]);
        await Wait.UntilAsync(async () => (await (await admin.GetAsync($"/api/v1/webhooks/{hookId}/deliveries")).ReadJsonAsync())
            .EnumerateArray().Any(d => d.GetProperty("attempts").GetInt32() > 0), "the ping's first delivery attempt", TimeSpan.FromSeconds(30));
        await admin.PostAsync($"/api/v1/webhooks/deliveries/{deliveryId}/redeliver", null).EnsureStatusAsync(HttpStatusCode.Accepted);

        // A migration target on a PostgreSQL server that is not there: its password is in the connection string,
        // and the driver's refusals (status, a dry-run's evidence) are where such strings tend to surface.
        var dbPassword = "dbpw" + Guid.NewGuid().ToString("N");
        secrets["target connection-string password"] = dbPassword;
        await admin.PutAsJsonAsync("/api/v1/migrations/checkout/dev/target", new
        {
            provider = "postgres", connectionString = $"Host=127.0.0.1;Port=1;Username=corpus;Password={dbPassword};Database=corpus;Timeout=2",
        }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        await admin.GetAsync("/api/v1/migrations/checkout/dev");
        using (var releaseManager = Recorded(tokenByRole[Roles.ReleaseManager]))
        {
            // A dry-run and an apply: the apply's failure is also announced as an event.
            var batchId = Guid.Empty;
            foreach (var kind in new[] { "dry-run", "apply" })
            {
                var run = await (await releaseManager.PostAsJsonAsync($"/api/v1/migrations/checkout/dev/{kind}", new { }, TestApi.Json)
                    .EnsureStatusAsync(HttpStatusCode.Accepted)).ReadJsonAsync();
                batchId = run.GetProperty("batchId").GetGuid();
                var id = batchId;
                await Wait.UntilAsync(async () => (await (await releaseManager.GetAsync($"/api/v1/migration-batches/{id}")).ReadJsonAsync())
                    .GetProperty("status").GetString() is "Succeeded" or "Failed", $"the {kind} against the absent server to finish", TimeSpan.FromSeconds(30));
                await releaseManager.GetAsync($"/api/v1/migration-batches/{id}/evidence");
                await releaseManager.GetAsync($"/api/v1/migration-batches/{id}/evidence?format=markdown");
            }
            await WalkEveryGetRouteAsync(releaseManager, hookId, batchId);
            foreach (var role in new[] { Roles.Viewer, Roles.OnCall, Roles.Facilitator })
            {
                using var reader = Recorded(tokenByRole[role]);
                await WalkEveryGetRouteAsync(reader, hookId, batchId);
            }
            var byNonAdmins = _responses.ToList();

            // The Admin configured the webhook and may see its URL again; nothing else of the corpus comes back even to an Admin.
            _responses.Clear();
            await WalkEveryGetRouteAsync(admin, hookId, batchId);
            var byAdmin = _responses.Where(r => !r.Request.StartsWith("GET /api/v1/webhooks", StringComparison.Ordinal)).ToList();
            Assert.Contains(_responses, r => r.Text.Contains(pathSecret, StringComparison.Ordinal)); // the Admin's own list shows the URL it set
            _responses.Clear();
            _responses.AddRange(byNonAdmins);
            _responses.AddRange(byAdmin);
        }

        await Wait.UntilAsync(() => factory.WithStoreAsync(db => db.OutboxEvents.AllAsync(e => e.RelayedAt != null)), "the outbox relay to catch up");
        var logs = factory.Logs.Entries;
        var events = await factory.WithStoreAsync(db => db.OutboxEvents.AsNoTracking().Select(e => e.CloudEventJson).ToListAsync());
        var audit = await factory.WithStoreAsync(db => db.AuditEntries.AsNoTracking().ToListAsync());

        // The corpus went where it should have left traces, so the search below is not vacuous.
        Assert.True(_responses.Count > 40, $"only {_responses.Count} responses were read");
        Assert.Contains(audit, a => a.Action == "migration.target.update");
        Assert.Contains(audit, a => a.Action.StartsWith("webhook.", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Contains("\"webhook.created\"", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Contains("\"migration.failed\"", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Level == LogLevel.Debug);

        var leaks = new List<string>();
        foreach (var (what, secret) in secrets)
        {
            Assert.True(secret.Length >= 16, $"the {what} is long enough not to match by chance");
            leaks.AddRange(_responses.Where(r => r.Text.Contains(secret, StringComparison.Ordinal) && !ShownOnceByDesign(r.Request, what))
                .Select(r => $"{what} in the response to {r.Request}"));
            leaks.AddRange(logs.Where(l => l.Text.Contains(secret, StringComparison.Ordinal)).Select(l => $"{what} in a log line [{l.Level}] {l.Category}: {Excerpt(l.Text, secret)}"));
            leaks.AddRange(events.Where(e => e.Contains(secret, StringComparison.Ordinal)).Select(e => $"{what} in an event: {Excerpt(e, secret)}"));
            leaks.AddRange(audit.Where(a => $"{a.Target} {a.Before} {a.After}".Contains(secret, StringComparison.Ordinal))
                .Select(a => $"{what} in the audit entry {a.Action}: {Excerpt($"{a.Target} {a.Before} {a.After}", secret)}"));
        }
        Assert.True(leaks.Count == 0, "Secrets leaked:\n" + string.Join("\n", leaks.Distinct().Take(30)));
    }

    /// <summary>A new token's secret and a new webhook's settings are returned once, to the one who created them.</summary>
    private static bool ShownOnceByDesign(string request, string what) =>
        (request == "POST /api/v1/tokens" && what.EndsWith(" token", StringComparison.Ordinal))
        || (request == "POST /api/v1/webhooks" && what.StartsWith("webhook ", StringComparison.Ordinal));

    /// <summary>Every GET route the API maps, with its parameters filled in with things that exist.</summary>
    private async Task WalkEveryGetRouteAsync(HttpClient client, Guid webhookId, Guid batchId)
    {
        var routes = fx.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true
                        && e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("GET") == true)
            .Select(e => e.RoutePattern.RawText!)
            .Distinct()
            .ToList();
        Assert.NotEmpty(routes);
        foreach (var route in routes)
        {
            var path = route
                .Replace("{id:guid}", route.Contains("webhooks") ? webhookId.ToString() : batchId.ToString())
                .Replace("{service}", "checkout").Replace("{environment}", "dev").Replace("{userName}", "admin");
            path = System.Text.RegularExpressions.Regex.Replace(path, @"\{[^}]+\}", "x");
            await client.GetAsync(path);
            if (path.EndsWith("/export", StringComparison.Ordinal))
            {
                await client.GetAsync(path + "?format=csv");
                await client.GetAsync(path + "?format=json");
            }
            if (path.EndsWith("/tokens", StringComparison.Ordinal)) await client.GetAsync(path + "?all=true");
        }
    }

    /// <summary>A token client whose every response (status, headers and body) is kept for the search.</summary>
    private HttpClient Recorded(string token)
    {
        var client = fx.Factory.CreateDefaultClient(new Recorder(_responses));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static string Excerpt(string text, string secret)
    {
        var at = text.IndexOf(secret, StringComparison.Ordinal);
        return text[Math.Max(0, at - 80)..Math.Min(text.Length, at + secret.Length + 40)];
    }

    private sealed class Recorder(List<(string Request, string Text)> into) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var headers = string.Join("\n", response.Headers.Concat(response.Content.Headers).Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));
            lock (into) into.Add(($"{request.Method} {request.RequestUri!.PathAndQuery}", $"{(int)response.StatusCode}\n{headers}\n{body}"));
            return response;
        }
    }
}
