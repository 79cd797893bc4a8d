using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Incidents;

namespace OpsConsole.Console.Tests.Incidents;

/// <summary>One console over a fake cluster, with a token per role, shared by the incident API tests.</summary>
public sealed class IncidentsFixture : IAsyncLifetime
{
    public FakeClusterConsoleFactory Factory { get; } = new();
    public Dictionary<string, HttpClient> As { get; } = [];

    public async Task InitializeAsync()
    {
        using var admin = Factory.CreateAdminClient();
        foreach (var role in Roles.All) As[role] = Factory.CreateTokenClient((await admin.CreateTokenAsync(role)).Secret);
    }

    public async Task<long> OpenAsync(string title = "Checkout errors", string severity = "SEV2", params string[] services)
    {
        var response = await As[Roles.OnCall].PostAsJsonAsync("/api/v1/incidents",
            new { title, severity, services = services.Length == 0 ? ["checkout/prod"] : services }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        return (await response.ReadJsonAsync()).GetProperty("id").GetInt64();
    }

    public async Task<JsonElement> GetAsync(long id) =>
        await (await As[Roles.Viewer].GetAsync($"/api/v1/incidents/{id}").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();

    /// <summary>The incident's stored state and how many audit entries and events exist: what a refused call must leave alone.</summary>
    public Task<string> SnapshotAsync() => Factory.WithStoreAsync(async db =>
    {
        var incidents = await db.Incidents.AsNoTracking().Include(i => i.Log).OrderBy(i => i.Id).ToListAsync();
        return string.Join("\n", incidents.Select(i => $"{i.Id} {i.Status} {i.Severity} {i.Commander} {i.Generation} log={i.Log.Count}"))
               + $"\naudit={await db.AuditEntries.CountAsync()} events={await db.OutboxEvents.CountAsync()}";
    });

    public async Task DisposeAsync()
    {
        foreach (var c in As.Values) c.Dispose();
        await Factory.DisposeAsync();
    }
}

public sealed class IncidentsApiTests(IncidentsFixture fx) : IClassFixture<IncidentsFixture>
{
    [Fact]
    public async Task An_on_call_engineer_opens_an_incident_and_moves_it_to_resolved_while_anyone_reads_it()
    {
        var id = await fx.OpenAsync("Checkout 5xx", "sev1", "checkout/prod", "payments");
        var onCall = fx.As[Roles.OnCall];

        var read = await fx.GetAsync(id);
        Assert.Equal("Checkout 5xx", read.GetProperty("title").GetString());
        Assert.Equal("SEV1", read.GetProperty("severity").GetString());
        Assert.Equal("open", read.GetProperty("status").GetString());
        Assert.Equal(["checkout/prod", "payments"], read.GetProperty("services").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("incident.opened", read.GetProperty("timeline")[0].GetProperty("type").GetString());
        Assert.Equal("Incident", read.GetProperty("timeline")[0].GetProperty("kind").GetString());

        foreach (var (action, status) in new[] { ("ack", "acknowledged"), ("mitigate", "mitigated"), ("resolve", "resolved") })
        {
            var moved = await (await onCall.PostAsync($"/api/v1/incidents/{id}/{action}", null).EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
            Assert.Equal(status, moved.GetProperty("status").GetString());
        }
        var resolved = await fx.GetAsync(id);
        Assert.Equal(["incident.opened", "incident.acknowledged", "incident.mitigated", "incident.resolved"],
            resolved.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        Assert.NotNull(resolved.GetProperty("resolvedBy").GetString());

        var list = await (await fx.As[Roles.Viewer].GetAsync("/api/v1/incidents?status=resolved&service=payments").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Contains(list.EnumerateArray(), i => i.GetProperty("id").GetInt64() == id);
        var active = await (await fx.As[Roles.Viewer].GetAsync("/api/v1/incidents?status=active").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.DoesNotContain(active.EnumerateArray(), i => i.GetProperty("id").GetInt64() == id);
        await fx.As[Roles.Viewer].GetAsync("/api/v1/incidents?status=closed").EnsureStatusAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_move_that_does_not_fit_the_status_is_a_409_problem_and_changes_nothing()
    {
        var id = await fx.OpenAsync();
        var onCall = fx.As[Roles.OnCall];
        await onCall.PostAsync($"/api/v1/incidents/{id}/mitigate", null).EnsureStatusAsync(HttpStatusCode.OK);
        var before = await fx.SnapshotAsync();

        var back = await onCall.PostAsync($"/api/v1/incidents/{id}/ack", null).EnsureStatusAsync(HttpStatusCode.Conflict);
        Assert.Equal("application/problem+json", back.Content.Headers.ContentType?.MediaType);
        Assert.Contains("mitigated", (await back.ReadJsonAsync()).GetProperty("detail").GetString());
        await onCall.PostAsync($"/api/v1/incidents/{id}/mitigate", null).EnsureStatusAsync(HttpStatusCode.Conflict);
        await onCall.PostAsync($"/api/v1/incidents/{id}/reopen", null).EnsureStatusAsync(HttpStatusCode.BadRequest);
        await onCall.PostAsync("/api/v1/incidents/999999/ack", null).EnsureStatusAsync(HttpStatusCode.NotFound);

        Assert.Equal(before, await fx.SnapshotAsync());
    }

    [Theory]
    [InlineData("""{"title":"x","severity":"SEV5","services":["checkout"]}""")]
    [InlineData("""{"title":"x","severity":"urgent","services":["checkout"]}""")]
    [InlineData("""{"title":"x","services":["checkout"]}""")]
    [InlineData("""{"title":"","severity":"SEV2","services":["checkout"]}""")]
    [InlineData("""{"severity":"SEV2","services":["checkout"]}""")]
    [InlineData("""{"title":"x","severity":"SEV2","services":["check out"]}""")]
    [InlineData("""{"title":"x","severity":"SEV2","services":"checkout"}""")]
    [InlineData("""not json""")]
    public async Task Bad_input_is_a_400_and_nothing_is_saved(string body)
    {
        var before = await fx.SnapshotAsync();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var response = await fx.As[Roles.OnCall].PostAsync("/api/v1/incidents", content).EnsureStatusAsync(HttpStatusCode.BadRequest);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await fx.SnapshotAsync());
    }

    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.ReleaseManager)]
    [InlineData(Roles.Facilitator)]
    public async Task Roles_other_than_on_call_and_admin_read_but_are_refused_every_change_and_nothing_changes(string role)
    {
        var id = await fx.OpenAsync();
        var before = await fx.SnapshotAsync();
        var client = fx.As[role];

        await client.PostAsJsonAsync("/api/v1/incidents", new { title = "t", severity = "SEV2", services = new[] { "checkout" } }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Forbidden);
        foreach (var action in new[] { "ack", "mitigate", "resolve" })
            await client.PostAsync($"/api/v1/incidents/{id}/{action}", null).EnsureStatusAsync(HttpStatusCode.Forbidden);
        await client.PostAsJsonAsync($"/api/v1/incidents/{id}/notes", new { text = "hi" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Forbidden);
        await client.PutAsJsonAsync($"/api/v1/incidents/{id}/commander", new { commander = "admin" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Forbidden);
        await client.PutAsJsonAsync($"/api/v1/incidents/{id}/severity", new { severity = "SEV1" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Forbidden);
        await client.PostAsJsonAsync("/api/v1/incidents/from-alert", new { fingerprint = "x", severity = "SEV1" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Forbidden);

        Assert.Equal(before, await fx.SnapshotAsync());
        await client.GetAsync($"/api/v1/incidents/{id}").EnsureStatusAsync(HttpStatusCode.OK);
        await client.GetAsync($"/api/v1/incidents/{id}/postmortem").EnsureStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Admins_manage_incidents_too_notes_commander_and_severity_show_on_the_timeline()
    {
        var id = await fx.OpenAsync();
        var admin = fx.As[Roles.Admin];
        await admin.PostAsJsonAsync($"/api/v1/incidents/{id}/notes", new { text = "Paged the payments team" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        var withCommander = await (await admin.PutAsJsonAsync($"/api/v1/incidents/{id}/commander", new { commander = "admin" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal("admin", withCommander.GetProperty("commander").GetString());
        await admin.PutAsJsonAsync($"/api/v1/incidents/{id}/commander", new { commander = "no-such-user" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.BadRequest);
        await admin.PutAsJsonAsync($"/api/v1/incidents/{id}/severity", new { severity = 1 }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);

        var read = await fx.GetAsync(id);
        Assert.Equal("SEV1", read.GetProperty("severity").GetString());
        var sentences = read.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("sentence").GetString()).ToList();
        Assert.Contains(sentences, s => s!.EndsWith("Paged the payments team", StringComparison.Ordinal));
        Assert.Contains("admin is the incident commander.", sentences);
        Assert.Contains("Severity changed from SEV2 to SEV1.", sentences);
    }

    [Fact]
    public async Task The_postmortem_is_markdown_drawn_from_the_timeline()
    {
        var id = await fx.OpenAsync("Payments slow", "SEV3", "payments/prod");
        await fx.As[Roles.OnCall].PostAsync($"/api/v1/incidents/{id}/resolve", null).EnsureStatusAsync(HttpStatusCode.OK);
        var response = await fx.As[Roles.Viewer].GetAsync($"/api/v1/incidents/{id}/postmortem").EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("text/markdown", response.Content.Headers.ContentType?.MediaType);
        var md = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("# Postmortem (draft): Payments slow", md);
        Assert.Contains("- Severity: SEV3", md);
        Assert.Contains("- Services: payments/prod", md);
        Assert.Contains("## Action items", md);
        await fx.As[Roles.Viewer].GetAsync("/api/v1/incidents/999999/postmortem").EnsureStatusAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Opening_from_an_unknown_alert_is_a_clear_404_and_opens_nothing()
    {
        var before = await fx.SnapshotAsync();
        var response = await fx.As[Roles.OnCall].PostAsJsonAsync("/api/v1/incidents/from-alert", new { fingerprint = "abc123", severity = "SEV2" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.NotFound);
        Assert.Contains("abc123", (await response.ReadJsonAsync()).GetProperty("detail").GetString());
        Assert.Equal(before, await fx.SnapshotAsync());
    }

    [Fact]
    public async Task Hostile_text_in_a_title_or_note_is_stored_as_text_and_escaped_in_the_postmortem()
    {
        const string hostile = "<script>alert(1)</script>[x](javascript:alert(1))";
        var id = await fx.OpenAsync(hostile);
        await fx.As[Roles.OnCall].PostAsJsonAsync($"/api/v1/incidents/{id}/notes", new { text = hostile }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal(hostile, (await fx.GetAsync(id)).GetProperty("title").GetString());
        var md = await (await fx.As[Roles.Viewer].GetAsync($"/api/v1/incidents/{id}/postmortem")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", md);
        Assert.DoesNotContain("[x](javascript", md);
        Assert.Contains("\\<script\\>", md);
    }
}
