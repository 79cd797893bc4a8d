using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Events;

namespace OpsConsole.Console.Tests.Alerting;

/// <summary>Alerts, routes and silences through the API: ingestion with dedup and history, tokens, bad input, the route tree.</summary>
public sealed class AlertingApiTests(AlertingConsoleFactory factory) : IClassFixture<AlertingConsoleFactory>
{
    private static object Webhook(string status, string alertStatus, Dictionary<string, string> labels, string? fingerprint = null) => new
    {
        version = "4",
        groupKey = "{}:{alertname=\"x\"}",
        truncatedAlerts = 0,
        status,
        receiver = "opsconsole",
        groupLabels = new { alertname = labels["alertname"] },
        commonLabels = labels,
        commonAnnotations = new { summary = "it is slow" },
        externalURL = "http://alertmanager.example:9093",
        somethingNew = new { kept = true },
        alerts = new[]
        {
            new
            {
                status = alertStatus,
                labels,
                annotations = new { summary = "it is slow", runbook_url = "https://runbooks.example/slow" },
                startsAt = "2026-11-28T10:00:00.000Z",
                endsAt = alertStatus == "resolved" ? "2026-11-28T10:30:00Z" : "0001-01-01T00:00:00Z",
                generatorURL = "http://prometheus.example/graph?g0.expr=up",
                fingerprint,
                futureField = "kept too",
            },
        },
    };

    private static Dictionary<string, string> Labels(string name) => new()
    {
        ["alertname"] = name, ["service"] = "checkout", ["environment"] = "prod", ["severity"] = "page",
    };

    [Fact]
    public async Task An_alertmanager_webhook_is_stored_deduplicated_by_fingerprint_and_tracked_to_resolved()
    {
        var admin = factory.CreateAdminClient();
        var name = Names.Unique("HighErrorRate");
        var labels = Labels(name);
        var fp = AlertFingerprint.Compute(labels);

        var first = await (await admin.PostAsJsonAsync("/api/v1/alerts/alertmanager", Webhook("firing", "firing", labels), TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal(1, first.GetProperty("created").GetInt32());
        var stored = await factory.WithStoreAsync(db => db.Alerts.AsNoTracking().SingleAsync(a => a.Fingerprint == fp));
        var seen = stored.LastSeenAt;

        // the same post again: only "last seen" moves
        factory.Clock.Offset += TimeSpan.FromSeconds(5);
        var again = await (await admin.PostAsJsonAsync("/api/v1/alerts/alertmanager", Webhook("firing", "firing", labels), TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal(1, again.GetProperty("unchanged").GetInt32());
        var after = await factory.WithStoreAsync(db => db.Alerts.AsNoTracking().SingleAsync(a => a.Fingerprint == fp));
        Assert.True(after.LastSeenAt > seen);
        Assert.Equal((stored.UpdatedAt, stored.RawJson, stored.TimesFired), (after.UpdatedAt, after.RawJson, after.TimesFired));

        // unknown fields are kept with the alert and its envelope
        Assert.Contains("futureField", after.RawJson, StringComparison.Ordinal);
        Assert.Contains("somethingNew", after.EnvelopeJson, StringComparison.Ordinal);

        await admin.PostAsJsonAsync("/api/v1/alerts/alertmanager", Webhook("resolved", "resolved", labels), TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        var detail = await (await admin.GetAsync($"/api/v1/alerts/{fp}")).ReadJsonAsync();
        Assert.Equal("resolved", detail.GetProperty("alert").GetProperty("status").GetString());
        Assert.Equal(["resolved", "firing"], detail.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("status").GetString()));
        Assert.Equal("https://runbooks.example/slow", detail.GetProperty("alert").GetProperty("annotations").GetProperty("runbook_url").GetString());

        var events = await factory.WithStoreAsync(db => db.OutboxEvents.AsNoTracking().Where(e => e.Type.StartsWith("alert.") && e.CloudEventJson.Contains(fp)).ToListAsync());
        Assert.Equal([EventTypes.AlertFiring, EventTypes.AlertResolved], events.OrderBy(e => e.Position).Select(e => e.Type));
        Assert.All(events, e => Assert.Equal("checkout/prod", e.Subject));

        var firing = await (await admin.GetAsync($"/api/v1/alerts?status=resolved&q={name.ToLowerInvariant()}&service=checkout")).ReadJsonAsync();
        Assert.Equal(fp, Assert.Single(firing.EnumerateArray()).GetProperty("fingerprint").GetString());
        Assert.Empty((await (await admin.GetAsync($"/api/v1/alerts?status=firing&q={name}")).ReadJsonAsync()).EnumerateArray());
    }

    [Fact]
    public async Task The_generic_form_computes_the_fingerprint_and_infers_the_status()
    {
        var admin = factory.CreateAdminClient();
        var labels = new Dictionary<string, string> { ["alertname"] = Names.Unique("DiskFull"), ["service"] = "catalog" };
        await admin.PostAsJsonAsync("/api/v1/alerts", new { labels, annotations = new { summary = "disk" } }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        var detail = await (await admin.GetAsync($"/api/v1/alerts/{AlertFingerprint.Compute(labels)}")).ReadJsonAsync();
        Assert.Equal("firing", detail.GetProperty("alert").GetProperty("status").GetString());
        await admin.PostAsJsonAsync("/api/v1/alerts", new[] { new { labels, endsAt = DateTime.UtcNow.AddMinutes(-1) } }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        detail = await (await admin.GetAsync($"/api/v1/alerts/{AlertFingerprint.Compute(labels)}")).ReadJsonAsync();
        Assert.Equal("resolved", detail.GetProperty("alert").GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_ingestion_token_posts_alerts_and_can_do_nothing_else()
    {
        var password = Names.Password();
        var admin = factory.CreateAdminClient();
        var (_, secret) = await admin.CreateTokenAsync("AlertIngest");
        var ingest = factory.CreateTokenClient(secret);

        var labels = new Dictionary<string, string> { ["alertname"] = Names.Unique("Ingested") };
        await ingest.PostAsJsonAsync("/api/v1/alerts", new { labels }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        await ingest.PostAsJsonAsync("/api/v1/alerts/alertmanager", Webhook("firing", "firing", Labels(Names.Unique("X"))), TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);

        foreach (var path in new[] { "/api/v1/alerts", "/api/v1/me", "/api/v1/alert-routes", "/api/v1/silences", "/api/v1/rollouts", "/api/v1/audit" })
            Assert.Equal(HttpStatusCode.Forbidden, (await ingest.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ingest.PutAsJsonAsync("/api/v1/alert-routes", new { alertmanagerYaml = "receiver: x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ingest.PostAsJsonAsync("/api/v1/tokens", new { name = "escalate", roles = new[] { "Admin" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ingest.PostAsJsonAsync("/api/v1/silences", new { matchers = "a=b", durationMinutes = 5, comment = "x" })).StatusCode);

        // the scope is carried alone, and a Viewer cannot make one or post alerts
        var mixed = await admin.PostAsJsonAsync("/api/v1/tokens", new { name = "mixed", roles = new[] { "AlertIngest", "Viewer" } });
        Assert.Equal(HttpStatusCode.BadRequest, mixed.StatusCode);
        var viewerName = await factory.CreateUserAsync(password, "Viewer");
        var viewerToken = await IssueAsUserAsync(viewerName, password, "Viewer");
        var viewer = factory.CreateTokenClient(viewerToken);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/v1/alerts", new { labels })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.PostAsJsonAsync("/api/v1/tokens", new { name = "ingest", roles = new[] { "AlertIngest" } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/alerts")).StatusCode);
    }

    private async Task<string> IssueAsUserAsync(string user, string password, params string[] roles)
    {
        var (browser, _) = factory.CreateBrowser();
        await browser.SignInAsync(user, password);
        await browser.UseAntiforgeryHeaderAsync();
        return (await browser.CreateTokenAsync(roles)).Secret;
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("{\"version\":\"3\",\"alerts\":[]}", "version")]
    [InlineData("{\"version\":\"4\"}", "alerts")]
    [InlineData("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"ok\"}},{\"status\":\"firing\",\"labels\":{\"a\":1}}]}", "alerts[1].labels")]
    [InlineData("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"ok2\"}},{\"status\":\"boom\",\"labels\":{\"a\":\"b\"}}]}", "alerts[1].status")]
    [InlineData("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"ok3\"},\"startsAt\":\"yesterday\"}]}", "startsAt")]
    public async Task Malformed_payloads_are_a_clear_400_and_store_nothing(string body, string named)
    {
        var admin = factory.CreateAdminClient();
        var before = await factory.CountAsync<StoredAlert>();
        var response = await admin.PostAsync("/api/v1/alerts/alertmanager", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await factory.CountAsync<StoredAlert>());
    }

    [Fact]
    public async Task An_oversize_payload_is_a_413_and_stores_nothing()
    {
        var admin = factory.CreateAdminClient();
        var before = await factory.CountAsync<StoredAlert>();
        var big = JsonSerializer.Serialize(Webhook("firing", "firing", new Dictionary<string, string> { ["alertname"] = "Big", ["x"] = new string('x', 2 * 1024 * 1024) }));
        var response = await admin.PostAsync("/api/v1/alerts/alertmanager", new StringContent(big, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(before, await factory.CountAsync<StoredAlert>());
    }

    [Fact]
    public async Task Routes_are_replaced_from_alertmanager_yaml_and_matched_in_alertmanagers_order()
    {
        var admin = factory.CreateAdminClient();
        const string yaml = """
            route:
              receiver: default
              group_by: ['...']
              routes:
                - match: { service: checkout }
                  receiver: checkout-oncall
                  group_by: [alertname]
                  group_wait: 10s
                  continue: true
                - matchers: ['severity=~"page|critical"']
                  receiver: pager
                  repeat_interval: 30m
            receivers: [{ name: default }, { name: checkout-oncall }, { name: pager }]
            """;
        await admin.PutAsJsonAsync("/api/v1/alert-routes", new { alertmanagerYaml = yaml }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        var match = await (await admin.PostAsJsonAsync("/api/v1/alert-routes/match", new { labels = new { service = "checkout", severity = "page" } }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        var matches = match.GetProperty("matches").EnumerateArray().ToList();
        Assert.Equal(["checkout-oncall", "pager"], matches.Select(m => m.GetProperty("receiver").GetString()));
        Assert.Equal(["alertname"], matches[0].GetProperty("groupBy").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal((10, 300, 14400), (matches[0].GetProperty("groupWaitSeconds").GetInt32(), matches[0].GetProperty("groupIntervalSeconds").GetInt32(), matches[0].GetProperty("repeatIntervalSeconds").GetInt32()));
        Assert.Equal(["..."], matches[1].GetProperty("groupBy").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal(1800, matches[1].GetProperty("repeatIntervalSeconds").GetInt32());
        Assert.Equal(["root", "routes[1] {severity=~\"page|critical\"}"], matches[1].GetProperty("path").EnumerateArray().Select(g => g.GetString()));

        // an invalid regex: 400 naming the line and matcher, the tree unchanged
        var version = (await (await admin.GetAsync("/api/v1/alert-routes")).ReadJsonAsync()).GetProperty("version").GetInt32();
        var bad = await admin.PutAsJsonAsync("/api/v1/alert-routes", new { alertmanagerYaml = "receiver: x\nroutes:\n  - matchers: ['team=~\"(unclosed\"']\n" }, TestApi.Json);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("Line 3", problem, StringComparison.Ordinal);
        Assert.Contains("team=~", problem, StringComparison.Ordinal);
        var now = await (await admin.GetAsync("/api/v1/alert-routes")).ReadJsonAsync();
        Assert.Equal(version, now.GetProperty("version").GetInt32());
        Assert.Equal(yaml, now.GetProperty("yaml").GetString());
    }

    [Fact]
    public async Task Only_admins_replace_routes_and_only_oncall_or_admin_silence()
    {
        var password = Names.Password();
        var oncallName = await factory.CreateUserAsync(password, "OnCall", "Viewer");
        var oncall = factory.CreateTokenClient(await IssueAsUserAsync(oncallName, password, "OnCall", "Viewer"));
        Assert.Equal(HttpStatusCode.Forbidden, (await oncall.PutAsJsonAsync("/api/v1/alert-routes", new { alertmanagerYaml = "receiver: mine" })).StatusCode);

        var created = await (await oncall.PostAsJsonAsync("/api/v1/silences", new { matchers = "{service=\"checkout\", severity=~\"warning|info\"}", durationMinutes = 10, comment = "deploy window" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        Assert.True(created.GetProperty("expiresSoon").GetBoolean());
        var id = created.GetProperty("id").GetGuid();
        await oncall.PostAsync($"/api/v1/silences/{id}/expire", null).EnsureStatusAsync(HttpStatusCode.OK);
        var all = await (await oncall.GetAsync("/api/v1/silences?expired=true")).ReadJsonAsync();
        Assert.Equal("Expired", all.EnumerateArray().Single(s => s.GetProperty("id").GetGuid() == id).GetProperty("state").GetString());
        Assert.DoesNotContain((await (await oncall.GetAsync("/api/v1/silences")).ReadJsonAsync()).EnumerateArray(), s => s.GetProperty("id").GetGuid() == id);

        var everything = await oncall.PostAsJsonAsync("/api/v1/silences", new { matchers = "a=~\".*\"", durationMinutes = 10, comment = "all" }, TestApi.Json);
        Assert.Equal(HttpStatusCode.BadRequest, everything.StatusCode);
    }

    [Fact]
    public async Task A_catastrophic_regex_in_a_route_cannot_stall_matching()
    {
        var admin = factory.CreateAdminClient();
        await admin.PutAsJsonAsync("/api/v1/alert-routes", new { alertmanagerYaml = "receiver: a\nroutes:\n  - matchers: ['x=~\"(a+)+$\"']\n    receiver: b\n" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var match = await (await admin.PostAsJsonAsync("/api/v1/alert-routes/match", new { labels = new { x = new string('a', 100_000) + "!" } }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal("a", match.GetProperty("matches")[0].GetProperty("receiver").GetString());
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task Firing_alerts_reach_the_receiver_after_group_wait()
    {
        var admin = factory.CreateAdminClient();
        var receiver = Names.Unique("rcv");
        await admin.PutAsJsonAsync("/api/v1/alert-routes", new { alertmanagerYaml = $"receiver: {receiver}\ngroup_by: [alertname]\ngroup_wait: 1s\ngroup_interval: 1s\n" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        var name = Names.Unique("Dispatched");
        await admin.PostAsJsonAsync("/api/v1/alerts", new { labels = new { alertname = name } }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        await Wait.UntilAsync(() => Task.FromResult(factory.Receivers.Sent.Any(n => n.Receiver == receiver && n.GroupLabels["alertname"] == name)), "the notification");
    }
}
