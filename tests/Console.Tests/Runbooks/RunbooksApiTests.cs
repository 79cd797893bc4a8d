using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Tests.Runbooks;

/// <summary>The runbooks API over a whole console (fake cluster) that imported the repository's runbooks/ folder at start.</summary>
public sealed class RunbooksApiTests(FakeClusterConsoleFactory factory) : IClassFixture<FakeClusterConsoleFactory>
{
    private static string Markdown(string slug, string body = "Some text.", string extra = "") =>
        $"---\ntitle: Runbook {slug}\nslug: {slug}\nservices: [checkout]\nalerts: ['alertname=\"Alert{slug}\"']\nowners: [sre]\nlast_reviewed: 2026-11-01\ntags: [api-test]\n{extra}---\n\n# Runbook {slug}\n\n{body}\n";

    private async Task<HttpClient> ClientAsync(string role)
    {
        var (_, secret) = await factory.CreateAdminClient().CreateTokenAsync(role);
        return factory.CreateTokenClient(secret);
    }

    [Fact]
    public async Task The_repository_runbooks_are_imported_at_start_with_front_matter_and_steps()
    {
        var viewer = await ClientAsync(Roles.Viewer);
        var list = await (await viewer.GetAsync("/api/v1/runbooks").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        var slugs = list.EnumerateArray().Select(r => r.GetProperty("slug").GetString()).ToList();
        foreach (var slug in new[] { "console-access", "high-error-rate", "high-latency", "failed-rollout", "migration-failure", "rollback-procedure" })
            Assert.Contains(slug, slugs);
        var one = await (await viewer.GetAsync("/api/v1/runbooks/high-error-rate").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal("High error rate on a service", one.GetProperty("title").GetString());
        Assert.True(one.GetProperty("version").GetInt32() >= 1);
        Assert.StartsWith("---", one.GetProperty("markdown").GetString(), StringComparison.Ordinal);
        var html = one.GetProperty("html").GetString()!;
        Assert.Contains("Step 3: rollout.abort", html, StringComparison.Ordinal);
        Assert.Contains("<table>", html, StringComparison.Ordinal);
        Assert.Contains(one.GetProperty("steps").EnumerateArray(), s => s.GetProperty("action").GetString() == "rollout.rollback");
    }

    [Fact]
    public async Task OnCall_creates_and_edits_with_versions_diff_and_export()
    {
        var oncall = await ClientAsync(Roles.OnCall);
        var slug = Names.Unique("rb").ToLowerInvariant();
        var created = await (await oncall.PostAsJsonAsync("/api/v1/runbooks", new { markdown = Markdown(slug, "first text") }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        Assert.Equal(slug, created.GetProperty("slug").GetString());
        await oncall.PutAsJsonAsync($"/api/v1/runbooks/{slug}", new { markdown = Markdown(slug, "second text"), comment = "clearer" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.OK);
        var versions = await (await oncall.GetAsync($"/api/v1/runbooks/{slug}/versions")).ReadJsonAsync();
        Assert.Equal(2, versions.GetArrayLength());
        var diff = await (await oncall.GetAsync($"/api/v1/runbooks/{slug}/diff?from=1&to=2").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Contains(diff.GetProperty("lines").EnumerateArray(), l => l.GetProperty("kind").GetString() == "Inserted" && l.GetProperty("text").GetString() == "second text");
        var export = await oncall.GetAsync($"/api/v1/runbooks/{slug}/versions/1/markdown").EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal($"{slug}.md", export.Content.Headers.ContentDisposition?.FileName);
        Assert.Contains("first text", await export.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await oncall.PostAsJsonAsync("/api/v1/runbooks", new { markdown = Markdown(slug) }, TestApi.Json)).StatusCode);
    }

    [Fact]
    public async Task Search_answers_with_highlighted_snippets()
    {
        var oncall = await ClientAsync(Roles.OnCall);
        var slug = Names.Unique("rb").ToLowerInvariant();
        await oncall.PostAsJsonAsync("/api/v1/runbooks", new { markdown = Markdown(slug, "Drain the zeppelinqueue before <b>anything</b> else.") }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created);
        var hits = await (await oncall.GetAsync("/api/v1/runbooks?q=zeppelinqueue").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        var hit = Assert.Single(hits.EnumerateArray());
        Assert.Equal(slug, hit.GetProperty("slug").GetString());
        var snippet = hit.GetProperty("snippetHtml").GetString()!;
        Assert.Contains("<mark>zeppelinqueue</mark>", snippet, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;", snippet, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_runbooks_are_refused_with_the_reason_and_nothing_is_saved()
    {
        var oncall = await ClientAsync(Roles.OnCall);
        var before = await factory.WithStoreAsync(db => db.Runbooks.CountAsync());
        var slug = Names.Unique("rb").ToLowerInvariant();
        var unknown = await oncall.PostAsJsonAsync("/api/v1/runbooks", new { markdown = Markdown(slug, "- [ ] a\n- [ ] b\n\n```action\nname: rm\nargs: -rf /\n```\n") }, TestApi.Json);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("step 3: unknown action 'rm'", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var broken = await oncall.PostAsJsonAsync("/api/v1/runbooks", new { markdown = "---\ntitle: [oops\n---\nbody" }, TestApi.Json);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Contains("front matter", await broken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await factory.WithStoreAsync(db => db.Runbooks.CountAsync()));
    }

    [Fact]
    public async Task A_viewer_reads_but_cannot_edit_or_run_and_nothing_changes()
    {
        var oncall = await ClientAsync(Roles.OnCall);
        var viewer = await ClientAsync(Roles.Viewer);
        var slug = Names.Unique("rb").ToLowerInvariant();
        await oncall.PostAsJsonAsync("/api/v1/runbooks", new { markdown = Markdown(slug, "- [ ] a task") }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        var run = await (await oncall.PostAsJsonAsync($"/api/v1/runbooks/{slug}/runs", new { }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        var runId = run.GetProperty("id").GetGuid();
        var state = await factory.WithStoreAsync(async db => (await db.Runbooks.CountAsync(), await db.RunbookVersions.CountAsync(), await db.RunbookRuns.CountAsync(),
            await db.AuditEntries.CountAsync()));

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/v1/runbooks", new { markdown = Markdown(slug + "x") }, TestApi.Json)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PutAsJsonAsync($"/api/v1/runbooks/{slug}", new { markdown = Markdown(slug, "changed") }, TestApi.Json)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync($"/api/v1/runbooks/{slug}/runs", new { }, TestApi.Json)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync($"/api/v1/runbook-runs/{runId}/steps/1/done", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync($"/api/v1/runbook-runs/{runId}/steps/1/skip", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync($"/api/v1/runbook-runs/{runId}/steps/1/note", new { note = "x" }, TestApi.Json)).StatusCode);

        Assert.Equal(state, await factory.WithStoreAsync(async db => (await db.Runbooks.CountAsync(), await db.RunbookVersions.CountAsync(), await db.RunbookRuns.CountAsync(),
            await db.AuditEntries.CountAsync())));
        var read = await (await viewer.GetAsync($"/api/v1/runbook-runs/{runId}").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal("pending", read.GetProperty("steps")[0].GetProperty("state").GetString());
        await ConsoleState.AssertAuditIntactAsync(factory.CreateAdminClient());
    }

    [Fact]
    public async Task A_step_runs_rollout_abort_against_a_running_rollout_and_the_run_log_holds_the_output()
    {
        var oncall = await ClientAsync(Roles.OnCall);
        var service = Names.Unique("svc").ToLowerInvariant();
        var rolloutId = await factory.StartRolloutAsync(oncall, service);
        var slug = Names.Unique("rb").ToLowerInvariant();
        await oncall.PostAsJsonAsync("/api/v1/runbooks", new
        {
            markdown = Markdown(slug, $"- [ ] look first\n\n```action\nname: rollout.abort\nservice: {service}\nenvironment: dev\n```\n"),
        }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        var run = await (await oncall.PostAsJsonAsync($"/api/v1/runbooks/{slug}/runs", new { incidentId = 7 }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        var runId = run.GetProperty("id").GetGuid();

        var step = await (await oncall.PostAsJsonAsync($"/api/v1/runbook-runs/{runId}/steps/2/run", new { note = "canary is red" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal("done", step.GetProperty("state").GetString());
        Assert.Contains(rolloutId.ToString(), step.GetProperty("output").GetString(), StringComparison.Ordinal);

        var rollout = await (await oncall.GetAsync($"/api/v1/rollouts/{rolloutId}")).ReadJsonAsync();
        Assert.Equal("Aborted", rollout.GetProperty("phase").GetString());
        var md = await (await oncall.GetAsync($"/api/v1/runbook-runs/{runId}/markdown").EnsureStatusAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync();
        Assert.Contains("2. **done**", md, StringComparison.Ordinal);
        Assert.Contains("Incident: #7", md, StringComparison.Ordinal);
        Assert.Contains("canary is red", md, StringComparison.Ordinal);

        var executed = await factory.WithStoreAsync(db => db.OutboxEvents.Where(e => e.Type == EventTypes.RunbookStepExecuted && e.Subject == $"{service}/dev").ToListAsync());
        var data = JsonDocument.Parse(Assert.Single(executed).CloudEventJson).RootElement.GetProperty("data");
        Assert.Equal(7, data.GetProperty("incidentId").GetInt64());
        Assert.Equal(RolloutPhase.Aborted, await factory.WithStoreAsync(db => db.Rollouts.Where(r => r.Id == rolloutId).Select(r => r.Phase).SingleAsync()));
    }

    [Fact]
    public async Task A_step_whose_action_needs_another_role_is_refused_and_recorded_nowhere()
    {
        var oncall = await ClientAsync(Roles.OnCall);
        var slug = Names.Unique("rb").ToLowerInvariant();
        await oncall.PostAsJsonAsync("/api/v1/runbooks", new { markdown = Markdown(slug, "```action\nname: migration.dryrun\nservice: checkout\nenvironment: dev\n```\n") }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created);
        var run = await (await oncall.PostAsJsonAsync($"/api/v1/runbooks/{slug}/runs", new { }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        var runId = run.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Forbidden, (await oncall.PostAsync($"/api/v1/runbook-runs/{runId}/steps/1/run", null)).StatusCode);
        var read = await (await oncall.GetAsync($"/api/v1/runbook-runs/{runId}")).ReadJsonAsync();
        Assert.Equal("pending", read.GetProperty("steps")[0].GetProperty("state").GetString());
    }
}
