using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Evidence;
using OpsConsole.Core.Migrations.Lint;
using OpsConsole.Migrations.Tests.Shared;

namespace OpsConsole.Migrations.Tests;

/// <summary>The engine against both real targets: a SQLite file and a database on the test PostgreSQL server.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class EngineTests(PostgresServer server) : IDisposable
{
    private readonly Workspace _ws = new();
    private readonly List<TestTarget> _targets = [];
    private readonly MigrationRunner _runner = new(new MigrationRunnerOptions { ConsoleVersion = "test" });

    public void Dispose()
    {
        _ws.Dispose();
        foreach (var t in _targets) t.Dispose();
    }

    private async Task<TestTarget> TargetAsync(string kind)
    {
        var target = await TestTarget.CreateAsync(kind, server);
        _targets.Add(target);
        return target;
    }

    private MigrationRequest Request(TestTarget target, MigrationSource? source = null, Actor? actor = null) => new()
    {
        RequestedBy = actor ?? Actors.ReleaseManager,
        Source = source ?? _ws.Source(),
        Target = target.Target,
        Environment = "staging",
    };

    private Workspace ThreeChanges() => _ws
        .Change("001_create_orders", "CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER NOT NULL);", "SELECT id, total FROM orders WHERE 1 = 0;", "DROP TABLE orders;")
        .Change("002_add_note", "ALTER TABLE orders ADD COLUMN note TEXT;", "SELECT note FROM orders WHERE 1 = 0;", "ALTER TABLE orders DROP COLUMN note;")
        .Change("003_create_customers", "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);\nCREATE INDEX ix_customers_name ON customers (name);",
            "SELECT id, name FROM customers WHERE 1 = 0;", "DROP TABLE customers;");

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Applying_twice_changes_nothing_the_second_time(string kind)
    {
        var target = await TargetAsync(kind);
        ThreeChanges();

        var first = await _runner.ApplyAsync(Request(target));
        Assert.Equal(MigrationOutcome.Succeeded, first.Outcome);
        Assert.All(first.Changes, c => Assert.Equal(ChangeOutcome.Applied, c.Outcome));
        Assert.All(first.Changes, c => Assert.True(c.Verify!.Passed));
        var schema = (await target.SnapshotAsync()).ToText();
        var history = await target.HistoryAsync("shop");
        Assert.Equal(["001_create_orders", "002_add_note", "003_create_customers"], history.Select(h => h.Name));
        Assert.All(history, h => Assert.Equal((first.Evidence.BatchId, "rita"), (h.BatchId, h.AppliedBy)));

        var second = await _runner.ApplyAsync(Request(target));
        Assert.Equal(MigrationOutcome.Succeeded, second.Outcome);
        Assert.Empty(second.Changes);
        Assert.Contains("Nothing to apply", second.Evidence.Summary);
        Assert.True(second.Evidence.Diff!.IsEmpty);
        Assert.Equal(schema, (await target.SnapshotAsync()).ToText());
        Assert.Equal(history, await target.HistoryAsync("shop"), new AppliedComparer());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_changed_file_of_an_applied_change_is_drift_that_fails_preflight_and_names_the_file(string kind)
    {
        var target = await TargetAsync(kind);
        ThreeChanges();
        Assert.Equal(MigrationOutcome.Succeeded, (await _runner.ApplyAsync(Request(target))).Outcome);

        _ws.Write("002_add_note/deploy.sql", "ALTER TABLE orders ADD COLUMN note VARCHAR(200);");
        _ws.Change("004_more", "CREATE TABLE more (id INTEGER);", "SELECT id FROM more WHERE 1 = 0;", "DROP TABLE more;");
        var preflight = await _runner.PreflightAsync(Request(target));

        Assert.False(preflight.Passed);
        var drift = Assert.Single(preflight.Drift);
        Assert.Equal("002_add_note", drift.Change);
        Assert.Equal(["002_add_note/deploy.sql"], drift.Files);
        Assert.Contains(preflight.Blockers, b => b.Contains("002_add_note/deploy.sql"));

        var apply = await _runner.ApplyAsync(Request(target));
        Assert.Equal(MigrationOutcome.Blocked, apply.Outcome);
        Assert.False(await target.HasTableAsync("more"));
        Assert.Contains(apply.Evidence.Errors, e => e.Contains("Drift") && e.Contains("002_add_note/deploy.sql"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Dry_run_rehearses_on_the_real_target_and_leaves_its_schema_and_history_unchanged(string kind)
    {
        var target = await TargetAsync(kind);
        ThreeChanges();
        var source = _ws.Source();
        var firstOnly = source with { Changes = source.Changes.Take(1).ToList() };
        Assert.Equal(MigrationOutcome.Succeeded, (await _runner.ApplyAsync(Request(target, firstOnly))).Outcome);
        var before = (await target.SnapshotAsync()).ToText();

        var dry = await _runner.DryRunAsync(Request(target, source));

        Assert.Equal(MigrationOutcome.Succeeded, dry.Outcome);
        Assert.Equal([ChangeOutcome.Rehearsed, ChangeOutcome.Rehearsed], dry.Changes.Select(c => c.Outcome));
        Assert.All(dry.Changes, c => Assert.True(c.Reversibility is { Checked: true, Restored: true }, c.Reversibility?.Note));
        Assert.Contains(dry.Evidence.Diff!.Changes, c => c is { Kind: SchemaChangeKind.Added, Object: "column", Name: "note" });
        Assert.Contains(dry.Evidence.Diff!.Changes, c => c.Kind == SchemaChangeKind.Added && c.Object == "table" && c.Name.EndsWith("customers"));
        Assert.Contains("index ix_customers_name", dry.Changes[1].Diff!.UnifiedText);
        Assert.Contains("+   column note", dry.Evidence.Diff!.UnifiedText);
        Assert.Equal(before, (await target.SnapshotAsync()).ToText());
        Assert.Equal(["001_create_orders"], (await target.HistoryAsync("shop")).Select(h => h.Name));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Reversibility_check_catches_a_revert_that_does_not_restore_the_schema(string kind)
    {
        var target = await TargetAsync(kind);
        _ws.Change("001_create_orders", "CREATE TABLE orders (id INTEGER PRIMARY KEY);", "SELECT id FROM orders WHERE 1 = 0;", "DROP TABLE orders;")
            .Change("002_add_columns", "ALTER TABLE orders ADD COLUMN note TEXT;\nALTER TABLE orders ADD COLUMN code TEXT;\nCREATE INDEX ix_orders_code ON orders (code);",
                "SELECT note, code FROM orders WHERE 1 = 0;",
                "DROP INDEX ix_orders_code;\nALTER TABLE orders DROP COLUMN note;");

        var dry = await _runner.DryRunAsync(Request(target) with
        {
            Waivers = [new MigrationWaiver("002_add_columns", "create-index-not-concurrently", "rita", "orders is empty in this test")],
        });

        Assert.Equal(MigrationOutcome.Failed, dry.Outcome);
        var bad = dry.Changes.Single(c => c.Name == "002_add_columns");
        Assert.Equal(ChangeOutcome.Rehearsed, bad.Outcome);
        Assert.False(bad.Reversibility!.Restored);
        var leftover = Assert.Single(bad.Reversibility.Differences);
        Assert.Equal((SchemaChangeKind.Added, "column", "code"), (leftover.Kind, leftover.Object, leftover.Name));
        Assert.True(dry.Changes.Single(c => c.Name == "001_create_orders").Reversibility!.Restored);
        Assert.Contains(dry.Evidence.Errors, e => e.Contains("002_add_columns") && e.Contains("does not restore"));
        Assert.Empty((await target.SnapshotAsync()).Tables);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_failure_mid_batch_stops_there_rolls_that_change_back_and_names_file_statement_and_line(string kind)
    {
        var target = await TargetAsync(kind);
        _ws.Change("001_create_orders", "CREATE TABLE orders (id INTEGER PRIMARY KEY);", "SELECT id FROM orders WHERE 1 = 0;", "DROP TABLE orders;")
            .Change("002_half", "CREATE TABLE lines (id INTEGER);\n\nINSERT INTO missing_table (id)\n  VALUES (1);\n", "SELECT id FROM lines WHERE 1 = 0;", "DROP TABLE lines;")
            .Change("003_never", "CREATE TABLE never (id INTEGER);", "SELECT id FROM never WHERE 1 = 0;", "DROP TABLE never;");

        var apply = await _runner.ApplyAsync(Request(target));

        Assert.Equal(MigrationOutcome.Failed, apply.Outcome);
        Assert.Equal([ChangeOutcome.Applied, ChangeOutcome.Failed, ChangeOutcome.NotRun], apply.Changes.Select(c => c.Outcome));
        var error = apply.Changes[1].Error!;
        Assert.Equal(("deploy.sql", 1, 3), (error.File, error.StatementIndex, error.Line));
        Assert.Contains("missing_table", error.Message);
        Assert.StartsWith("INSERT INTO missing_table", error.Statement);
        Assert.Contains(apply.Evidence.Errors, e => e.Contains("002_half") && e.Contains("line 3"));
        Assert.True(await target.HasTableAsync("orders"));
        Assert.False(await target.HasTableAsync("lines"));
        Assert.Equal(["001_create_orders"], (await target.HistoryAsync("shop")).Select(h => h.Name));
        Assert.Contains(apply.Evidence.SchemaAfter!.Tables, t => t.Name.EndsWith("orders"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task On_failure_the_batch_can_revert_what_it_already_applied(string kind)
    {
        var target = await TargetAsync(kind);
        _ws.Change("001_create_orders", "CREATE TABLE orders (id INTEGER PRIMARY KEY);", "SELECT id FROM orders WHERE 1 = 0;", "DROP TABLE orders;")
            .Change("002_add_note", "ALTER TABLE orders ADD COLUMN note TEXT;", "SELECT note FROM orders WHERE 1 = 0;", "ALTER TABLE orders DROP COLUMN note;")
            .Change("003_bad_verify", "CREATE TABLE flags (on_off INTEGER);", "SELECT count(*) FROM flags;", "DROP TABLE flags;");

        var apply = await _runner.ApplyAsync(Request(target), new ApplyOptions { RevertAppliedOnFailure = true });

        Assert.Equal(MigrationOutcome.Failed, apply.Outcome);
        Assert.Equal([ChangeOutcome.RolledBack, ChangeOutcome.RolledBack, ChangeOutcome.Failed], apply.Changes.Select(c => c.Outcome));
        Assert.False(apply.Changes[2].Verify!.Passed);
        Assert.Contains("returned 0", apply.Changes[2].Verify!.Message);
        Assert.Empty((await target.SnapshotAsync()).Tables);
        Assert.Empty(await target.HistoryAsync("shop"));
        Assert.True(apply.Evidence.Diff!.IsEmpty);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Revert_undoes_the_last_n_or_back_to_a_named_change(string kind)
    {
        var target = await TargetAsync(kind);
        ThreeChanges();
        var applied = await _runner.ApplyAsync(Request(target) with
        {
            Waivers = [new MigrationWaiver("003_create_customers", "create-index-not-concurrently", "rita", "new table")],
        });
        Assert.Equal(MigrationOutcome.Succeeded, applied.Outcome);

        var last = await _runner.RevertAsync(Request(target), RevertTarget.Last(1));
        Assert.Equal(MigrationOutcome.Succeeded, last.Outcome);
        Assert.Equal(("003_create_customers", ChangeOutcome.Reverted), (last.Changes.Single().Name, last.Changes.Single().Outcome));
        Assert.False(await target.HasTableAsync("customers"));

        var back = await _runner.RevertAsync(Request(target), RevertTarget.To("001_create_orders"));
        Assert.Equal(MigrationOutcome.Succeeded, back.Outcome);
        Assert.Equal(["002_add_note"], back.Changes.Select(c => c.Name));
        Assert.Equal(["001_create_orders"], (await target.HistoryAsync("shop")).Select(h => h.Name));
        Assert.DoesNotContain((await target.SnapshotAsync()).Tables.Single().Columns, c => c.Name == "note");

        var again = await _runner.ApplyAsync(Request(target));
        Assert.Equal(2, again.Changes.Count(c => c.Outcome == ChangeOutcome.Applied));

        var tooMany = await _runner.RevertAsync(Request(target), RevertTarget.Last(5));
        Assert.Equal(MigrationOutcome.Blocked, tooMany.Outcome);
        var unknown = await _runner.RevertAsync(Request(target), RevertTarget.To("007_nope"));
        Assert.Equal(MigrationOutcome.Blocked, unknown.Outcome);
        Assert.Contains("007_nope is not applied", unknown.Evidence.Summary);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Revert_is_refused_where_a_revert_script_is_missing(string kind)
    {
        var target = await TargetAsync(kind);
        _ws.Change("001_create_orders", "CREATE TABLE orders (id INTEGER PRIMARY KEY);", "SELECT id FROM orders WHERE 1 = 0;", "DROP TABLE orders;")
            .Change("002_one_way", "CREATE TABLE archive (id INTEGER);", "SELECT id FROM archive WHERE 1 = 0;");
        var blocked = await _runner.ApplyAsync(Request(target));
        Assert.Equal(MigrationOutcome.Blocked, blocked.Outcome);
        Assert.Contains(blocked.Evidence.Errors, e => e.Contains("missing-revert") && e.Contains("002_one_way"));

        var waived = await _runner.ApplyAsync(Request(target) with
        {
            Waivers = [new MigrationWaiver("002_one_way", "missing-revert", "rita", "Archive tables are never dropped.")],
        });
        Assert.Equal(MigrationOutcome.Succeeded, waived.Outcome);
        var finding = Assert.Single(waived.Evidence.Preflight!.Findings);
        Assert.Equal("Archive tables are never dropped.", finding.Waiver!.Reason);
        Assert.Contains("Archive tables are never dropped.", waived.Markdown);

        var revert = await _runner.RevertAsync(Request(target), RevertTarget.Last(2));
        Assert.Equal(MigrationOutcome.Blocked, revert.Outcome);
        Assert.Contains("002_one_way has no revert.sql", revert.Evidence.Summary);
        Assert.True(await target.HasTableAsync("archive"));
        Assert.True(await target.HasTableAsync("orders"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Lint_errors_block_the_whole_batch_until_waived(string kind)
    {
        var target = await TargetAsync(kind);
        _ws.Change("001_create_orders", "CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT);", "SELECT id FROM orders WHERE 1 = 0;", "DROP TABLE orders;");
        Assert.Equal(MigrationOutcome.Succeeded, (await _runner.ApplyAsync(Request(target))).Outcome);
        _ws.Change("002_add_code", "ALTER TABLE orders ADD COLUMN code TEXT;", "SELECT code FROM orders WHERE 1 = 0;", "ALTER TABLE orders DROP COLUMN code;")
            .Change("003_rename_note", "ALTER TABLE orders RENAME COLUMN note TO remark;", "SELECT remark FROM orders WHERE 1 = 0;", "ALTER TABLE orders RENAME COLUMN remark TO note;");

        var blocked = await _runner.ApplyAsync(Request(target));
        Assert.Equal(MigrationOutcome.Blocked, blocked.Outcome);
        Assert.Empty(blocked.Changes);
        Assert.DoesNotContain((await target.SnapshotAsync()).Tables.Single().Columns, c => c.Name == "code");
        var finding = Assert.Single(blocked.Evidence.Preflight!.Findings);
        Assert.Equal(("rename", "003_rename_note", 1), (finding.RuleId, finding.Change, finding.Line));

        var waiver = new MigrationWaiver("003_rename_note", "rename", "rita", "No released version reads note yet.");
        var applied = await _runner.ApplyAsync(Request(target) with { Waivers = [waiver], ApprovedBy = "ada", ApprovedAt = DateTime.UtcNow });
        Assert.Equal(MigrationOutcome.Succeeded, applied.Outcome);
        Assert.Equal([waiver], applied.Evidence.Waivers);
        Assert.Equal("ada", applied.Evidence.ApprovedBy);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_pending_change_that_sorts_before_an_applied_one_is_out_of_order(string kind)
    {
        var target = await TargetAsync(kind);
        _ws.Change("001_a", "CREATE TABLE a (id INTEGER);", "SELECT id FROM a WHERE 1 = 0;", "DROP TABLE a;")
            .Change("003_c", "CREATE TABLE c (id INTEGER);", "SELECT id FROM c WHERE 1 = 0;", "DROP TABLE c;");
        Assert.Equal(MigrationOutcome.Succeeded, (await _runner.ApplyAsync(Request(target))).Outcome);
        _ws.Change("002_b", "CREATE TABLE b (id INTEGER);", "SELECT id FROM b WHERE 1 = 0;", "DROP TABLE b;");

        var preflight = await _runner.PreflightAsync(Request(target));
        Assert.Equal(["002_b"], preflight.OutOfOrder);
        Assert.Contains(preflight.Blockers, b => b.Contains("Out of order: 002_b"));
        Assert.Equal(MigrationOutcome.Blocked, (await _runner.ApplyAsync(Request(target))).Outcome);

        var allowed = await _runner.ApplyAsync(Request(target) with { AllowOutOfOrder = true });
        Assert.Equal(MigrationOutcome.Succeeded, allowed.Outcome);
        Assert.True(await target.HasTableAsync("b"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Phase_expand_runs_pending_expand_changes_up_to_the_first_contract_change(string kind)
    {
        var target = await TargetAsync(kind);
        _ws.Change("001_a", "CREATE TABLE a (id INTEGER, old TEXT);", "SELECT id FROM a WHERE 1 = 0;", "DROP TABLE a;")
            .Change("002_drop_old", "ALTER TABLE a DROP COLUMN old;", "SELECT id FROM a WHERE 1 = 0;", "ALTER TABLE a ADD COLUMN old TEXT;", "phase: contract\n")
            .Change("003_b", "CREATE TABLE b (id INTEGER);", "SELECT id FROM b WHERE 1 = 0;", "DROP TABLE b;");

        var expand = await _runner.ApplyAsync(Request(target) with { Phase = MigrationPhase.Expand });
        Assert.Equal(["001_a"], expand.Changes.Select(c => c.Name));
        var contract = await _runner.ApplyAsync(Request(target) with { Phase = MigrationPhase.Contract });
        Assert.Equal(MigrationOutcome.Succeeded, contract.Outcome);
        Assert.Equal(["002_drop_old"], contract.Changes.Select(c => c.Name));
        var warning = Assert.Single(contract.Evidence.Preflight!.Findings);
        Assert.Equal(("drop-column", LintSeverity.Warning), (warning.RuleId, warning.Severity));
        Assert.Equal(["003_b"], (await _runner.ApplyAsync(Request(target) with { Phase = MigrationPhase.Expand })).Changes.Select(c => c.Name));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Concurrent_apply_on_another_connection_is_refused_naming_the_running_batch(string kind)
    {
        var target = await TargetAsync(kind);
        _ws.Change("001_a", "CREATE TABLE a (id INTEGER);", "SELECT id FROM a WHERE 1 = 0;", "DROP TABLE a;");
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var progress = new RecordingProgress(p =>
        {
            if (p.Step != "change-started") return;
            holding.Set();
            release.Wait(TimeSpan.FromSeconds(30));
        });
        var first = Request(target);
        var running = Task.Run(() => _runner.ApplyAsync(first, progress: progress));
        Assert.True(holding.Wait(TimeSpan.FromSeconds(30)), "the first apply reached its change");

        var second = await _runner.ApplyAsync(Request(target));
        var preflight = await _runner.PreflightAsync(Request(target));
        release.Set();
        var firstResult = await running;

        Assert.Equal(MigrationOutcome.Blocked, second.Outcome);
        Assert.Contains($"Batch {first.BatchId} is already running", second.Evidence.Summary);
        Assert.Empty(second.Changes);
        Assert.Contains(preflight.Blockers, b => b.Contains($"Batch {first.BatchId} is already running"));
        Assert.Equal(MigrationOutcome.Succeeded, firstResult.Outcome);
        Assert.Single(await target.HistoryAsync("shop"));
        Assert.Equal(MigrationOutcome.Succeeded, (await _runner.ApplyAsync(Request(target))).Outcome);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Progress_is_reported_step_by_step_and_evidence_records_every_change(string kind)
    {
        var target = await TargetAsync(kind);
        ThreeChanges();
        var progress = new RecordingProgress();

        var result = await _runner.ApplyAsync(Request(target) with
        {
            Waivers = [new MigrationWaiver("003_create_customers", "create-index-not-concurrently", "rita", "new table")],
        }, progress: progress);

        Assert.Equal(MigrationOutcome.Succeeded, result.Outcome);
        Assert.Equal("connecting", progress.Reports[0].Step);
        Assert.Equal("finished", progress.Reports[^1].Step);
        Assert.Equal(3, progress.Reports.Count(r => r.Step == "change-finished"));
        Assert.Equal([1, 2, 3], progress.Reports.Where(r => r.Step == "change-finished").Select(r => r.Completed));
        Assert.All(progress.Reports.Where(r => r.Step.StartsWith("change")), r => Assert.Equal(3, r.Total));

        var e = result.Evidence;
        Assert.Equal((MigrationRunKind.Apply, "shop", "staging", "rita", "test"), (e.Kind, e.Service, e.Environment, e.RequestedBy, e.ConsoleVersion));
        Assert.Equal(target.Target.Description, e.Target);
        Assert.True(e.FinishedAt >= e.StartedAt);
        var change = e.Changes[2];
        Assert.Equal(_ws.Source().Changes[2].Checksum, change.Checksum);
        Assert.Equal(["deploy.sql", "verify.sql", "revert.sql"], change.Scripts.Select(s => s.File));
        Assert.Contains("CREATE INDEX ix_customers_name", change.Scripts[0].Sql);
        Assert.Empty(e.SchemaBefore!.Tables);
        Assert.Equal(2, e.SchemaAfter!.Tables.Count);
        Assert.True(EvidenceSeal.Verify(result.Document, result.Sha256).Intact);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Only_a_release_manager_runs_migrations(string kind)
    {
        var target = await TargetAsync(kind);
        ThreeChanges();
        await Assert.ThrowsAsync<AccessDeniedException>(() => _runner.ApplyAsync(Request(target, actor: Actors.Viewer)));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _runner.DryRunAsync(Request(target, actor: Actors.Viewer)));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _runner.RevertAsync(Request(target, actor: Actors.Viewer), RevertTarget.Last(1)));
        Assert.True((await _runner.PreflightAsync(Request(target, actor: Actors.Viewer))).Connected);
        await Assert.ThrowsAsync<InvalidInputException>(() => _runner.ApplyAsync(Request(target) with
        {
            Waivers = [new MigrationWaiver("001_create_orders", "drop-table", "rita", " ")],
        }));
        Assert.Empty((await target.SnapshotAsync()).Tables);
    }

    private sealed class AppliedComparer : IEqualityComparer<Core.Migrations.Targets.AppliedChange>
    {
        public bool Equals(Core.Migrations.Targets.AppliedChange? x, Core.Migrations.Targets.AppliedChange? y) =>
            x is not null && y is not null && (x.Name, x.Checksum, x.AppliedAt, x.BatchId, x.DurationMs) == (y.Name, y.Checksum, y.AppliedAt, y.BatchId, y.DurationMs)
            && x.FileChecksums.OrderBy(p => p.Key).SequenceEqual(y.FileChecksums.OrderBy(p => p.Key));

        public int GetHashCode(Core.Migrations.Targets.AppliedChange obj) => obj.Name.GetHashCode();
    }
}
