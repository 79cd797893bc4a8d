using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Runbooks;
using OpsConsole.Core.Runbooks.Actions;

namespace OpsConsole.Core.Tests.Runbooks;

public sealed class RunbookLibraryTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private static async Task<T> WithLibraryAsync<T>(Shared.TestStore store, Func<RunbookLibrary, Task<T>> work)
    {
        await using var scope = store.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<RunbookLibrary>());
    }

    [Fact]
    public async Task Each_edit_is_a_version_with_author_and_an_audit_entry_and_event()
    {
        await using var store = await RunbookFixture.CreateAsync(_clock);
        await WithLibraryAsync(store, l => l.CreateAsync(RunbookFixture.OnCall, RunbookFixture.Markdown()));
        var v2 = await WithLibraryAsync(store, l => l.UpdateAsync(RunbookFixture.OnCall, "high-error-rate", RunbookFixture.Markdown(body: "New body."), "clearer"));
        var same = await WithLibraryAsync(store, l => l.UpdateAsync(RunbookFixture.OnCall, "high-error-rate", RunbookFixture.Markdown(body: "New body.")));
        Assert.Equal(2, v2.Version);
        Assert.Equal(2, same.Version);
        var versions = await WithLibraryAsync(store, l => l.VersionsAsync("high-error-rate"));
        Assert.Equal([2, 1], versions.Select(v => v.Number));
        Assert.All(versions, v => Assert.Equal("olga", v.Author));
        Assert.Equal("clearer", versions[0].Comment);

        await using var db = store.NewContext();
        Assert.Equal(2, await db.AuditEntries.CountAsync(a => a.Action.StartsWith("runbook.")));
        Assert.Equal(2, await db.OutboxEvents.CountAsync(e => e.Type == EventTypes.RunbookUpdated));
        Assert.True((await AuditTrail.VerifyAsync(db)).IsIntact);
    }

    [Fact]
    public async Task A_diff_shows_the_changed_lines()
    {
        await using var store = await RunbookFixture.CreateAsync(_clock);
        await WithLibraryAsync(store, l => l.CreateAsync(RunbookFixture.OnCall, RunbookFixture.Markdown(body: "line a\n\nline b")));
        await WithLibraryAsync(store, l => l.UpdateAsync(RunbookFixture.OnCall, "high-error-rate", RunbookFixture.Markdown(body: "line a\n\nline c")));
        var diff = await WithLibraryAsync(store, l => l.DiffAsync("high-error-rate", 1, 2));
        Assert.Equal(1, diff.Inserted);
        Assert.Equal(1, diff.Deleted);
        Assert.Contains(diff.Lines, l => l.Kind == DiffLineKind.Deleted && l.Text == "line b");
        Assert.Contains(diff.Lines, l => l.Kind == DiffLineKind.Inserted && l.Text == "line c");
    }

    [Fact]
    public async Task An_unknown_action_is_refused_naming_the_step_and_nothing_is_saved()
    {
        await using var store = await RunbookFixture.CreateAsync(_clock);
        var md = RunbookFixture.Markdown(body: "- [ ] one\n- [ ] two\n\n```action\nname: rm\npath: /\n```\n");
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => WithLibraryAsync(store, l => l.CreateAsync(RunbookFixture.OnCall, md)));
        Assert.Contains("step 3: unknown action 'rm'", e.Message, StringComparison.Ordinal);
        var bad = RunbookFixture.Markdown(body: "```action\nname: rollout.abort\nservice: checkout\n```\n");
        e = await Assert.ThrowsAsync<InvalidInputException>(() => WithLibraryAsync(store, l => l.CreateAsync(RunbookFixture.OnCall, bad)));
        Assert.Contains("step 1 (rollout.abort)", e.Message, StringComparison.Ordinal);
        Assert.Contains("environment", e.Message, StringComparison.Ordinal);
        await using var db = store.NewContext();
        Assert.Equal(0, await db.Runbooks.CountAsync());
        Assert.Equal(0, await db.AuditEntries.CountAsync());
    }

    [Fact]
    public async Task A_viewer_cannot_create_or_edit()
    {
        await using var store = await RunbookFixture.CreateAsync(_clock);
        await Assert.ThrowsAsync<AccessDeniedException>(() => WithLibraryAsync(store, l => l.CreateAsync(RunbookFixture.Viewer, RunbookFixture.Markdown())));
        await WithLibraryAsync(store, l => l.CreateAsync(RunbookFixture.OnCall, RunbookFixture.Markdown()));
        await Assert.ThrowsAsync<AccessDeniedException>(() => WithLibraryAsync(store, l => l.UpdateAsync(RunbookFixture.Viewer, "high-error-rate", RunbookFixture.Markdown(body: "x"))));
        Assert.Equal(1, (await WithLibraryAsync(store, l => l.GetAsync("high-error-rate"))).Version);
    }

    [Fact]
    public async Task Import_creates_then_versions_only_changed_files_and_keeps_console_edits_until_the_file_changes()
    {
        await using var store = await RunbookFixture.CreateAsync(_clock);
        var files = new[] { new RunbookFile("a.md", RunbookFixture.Markdown("Alpha")), new RunbookFile("b.md", "---\ntitle: [broken\n---\n") };
        var first = await WithLibraryAsync(store, l => l.ImportAsync(files));
        Assert.Equal(["a"], first.Created);
        Assert.Contains("not valid YAML", first.Errors["b.md"], StringComparison.Ordinal);

        var again = await WithLibraryAsync(store, l => l.ImportAsync(files));
        Assert.Empty(again.Created);
        Assert.Empty(again.Updated);
        Assert.Equal(["a"], again.Unchanged);

        await WithLibraryAsync(store, l => l.UpdateAsync(RunbookFixture.OnCall, "a", RunbookFixture.Markdown("Alpha", body: "edited in the console")));
        await WithLibraryAsync(store, l => l.ImportAsync(files));
        Assert.Equal(2, (await WithLibraryAsync(store, l => l.GetAsync("a"))).Version);

        var changed = new[] { new RunbookFile("a.md", RunbookFixture.Markdown("Alpha", body: "file changed")) };
        var third = await WithLibraryAsync(store, l => l.ImportAsync(changed));
        Assert.Equal(["a"], third.Updated);
        var a = await WithLibraryAsync(store, l => l.GetAsync("a"));
        Assert.Equal(3, a.Version);
        Assert.Contains("file changed", a.Markdown, StringComparison.Ordinal);
        var (name, text) = await WithLibraryAsync(store, l => l.ExportAsync("a", 2));
        Assert.Equal("a.md", name);
        Assert.Contains("edited in the console", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_finds_title_body_and_tags_with_encoded_highlighted_snippets()
    {
        await using var store = await RunbookFixture.CreateAsync(_clock);
        await WithLibraryAsync(store, l => l.CreateAsync(RunbookFixture.OnCall, RunbookFixture.Markdown("Checkout latency", body: "When <b>p99</b> latency rises, look at the canary revision.")));
        await WithLibraryAsync(store, l => l.CreateAsync(RunbookFixture.OnCall, RunbookFixture.Markdown("Disk full", body: "Free space on the volume.", extra: "slug: disk\n")));
        var hits = await WithLibraryAsync(store, l => l.ListAsync("canary"));
        var hit = Assert.Single(hits);
        Assert.Equal("checkout-latency", hit.Slug);
        Assert.Contains("<mark>canary</mark>", hit.SnippetHtml, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;p99&lt;/b&gt;", hit.SnippetHtml, StringComparison.Ordinal);
        Assert.Equal("disk", Assert.Single(await WithLibraryAsync(store, l => l.ListAsync("volumes"))).Slug); // stemmed
        Assert.Equal(2, (await WithLibraryAsync(store, l => l.ListAsync("errors"))).Count); // tags
        Assert.Empty(await WithLibraryAsync(store, l => l.ListAsync("\" OR 1=1 --")));
        Assert.Equal("checkout-latency", Assert.Single(await WithLibraryAsync(store, l => l.ListAsync("lat"))).Slug); // prefix
    }

    [Fact]
    public async Task The_matcher_finds_runbooks_for_alert_labels_and_staleness_reports_what_needs_care()
    {
        await using var store = await RunbookFixture.CreateAsync(_clock);
        await WithLibraryAsync(store, l => l.CreateAsync(RunbookFixture.OnCall, RunbookFixture.Markdown()));
        await WithLibraryAsync(store, l => l.CreateAsync(RunbookFixture.OnCall, "---\ntitle: Orphan\nlast_reviewed: 2025-01-01\nalerts: ['{alertname=\"Disk\", env=~\"prod|staging\"}']\n---\nx\n"));
        var matcher = store.Services.GetRequiredService<IRunbookMatcher>();
        var found = await matcher.ForAlertLabelsAsync(new Dictionary<string, string> { ["alertname"] = "HighErrorRate", ["service"] = "checkout" }, default);
        Assert.Equal("high-error-rate", Assert.Single(found).Slug);
        Assert.Equal("orphan", Assert.Single(await matcher.ForAlertLabelsAsync(new Dictionary<string, string> { ["alertname"] = "Disk", ["env"] = "prod" }, default)).Slug);
        Assert.Empty(await matcher.ForAlertLabelsAsync(new Dictionary<string, string> { ["alertname"] = "Disk", ["env"] = "dev" }, default));

        await using var scope = store.Services.CreateAsyncScope();
        var report = await scope.ServiceProvider.GetRequiredService<RunbookStaleness>().ReportForAlertNamesAsync(["HighErrorRate", "Nobody", "Disk"]);
        Assert.Equal("orphan", Assert.Single(report.NotReviewed).Slug);
        Assert.Equal("orphan", Assert.Single(report.NoOwner).Slug);
        Assert.Equal(["Nobody", "Disk"], report.UncoveredAlerts);
    }

    [Fact]
    public async Task Another_capability_adds_its_action_by_registering_it()
    {
        await using var store = await Shared.TestStore.CreateAsync(s =>
        {
            s.AddSingleton<TimeProvider>(_clock);
            s.AddSingleton(new OpsConsole.Core.Egress.EgressPolicy());
            s.AddRunbooks();
            s.AddSingleton<IRunbookAction, FakeSilence>();
        });
        var registry = store.Services.GetRequiredService<RunbookActionRegistry>();
        Assert.NotNull(registry.Find("silence.create"));
        Assert.Contains("rollout.rollback", registry.Names);
    }

    private sealed class FakeSilence : IRunbookAction
    {
        public string Name => "silence.create";
        public string Describe(RunbookActionArguments arguments) => "silence";
        public void Validate(RunbookActionArguments arguments) { }
        public Task<RunbookActionOutcome> RunAsync(OpsConsole.Core.Access.Actor actor, RunbookActionArguments arguments, CancellationToken ct) =>
            Task.FromResult(new RunbookActionOutcome(true, "ok"));
    }
}
