using Npgsql;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Evidence;
using OpsConsole.Core.Migrations.Targets.Postgres;
using OpsConsole.Migrations.Tests.Shared;

namespace OpsConsole.Migrations.Tests;

/// <summary>What only a PostgreSQL server shows: timeouts, privileges, positions in errors, a backend that dies mid-run.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class PostgresTests(PostgresServer server) : IDisposable
{
    private readonly Workspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private MigrationRequest Request(TestTarget target) => new()
    {
        RequestedBy = Actors.ReleaseManager,
        Source = _ws.Source(),
        Target = target.Target,
        Environment = "prod",
    };

    [Fact]
    public async Task Statement_timeout_stops_a_slow_change_and_rolls_it_back()
    {
        using var target = await TestTarget.CreateAsync("postgres", server);
        _ws.Change("001_slow", "CREATE TABLE slow (id int);\nSELECT pg_sleep(10);", "SELECT 1;", "DROP TABLE slow;");
        var runner = new MigrationRunner(new MigrationRunnerOptions { StatementTimeout = TimeSpan.FromSeconds(1) });

        var started = DateTime.UtcNow;
        var result = await runner.ApplyAsync(Request(target));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(8));
        Assert.Equal(MigrationOutcome.Failed, result.Outcome);
        var error = result.Changes.Single().Error!;
        Assert.Equal(("57014", 2), (error.SqlState, error.Line));
        Assert.Contains("statement timeout", error.Message);
        Assert.False(await target.HasTableAsync("slow"));
    }

    [Fact]
    public async Task Lock_timeout_gives_up_instead_of_queueing_behind_a_long_transaction()
    {
        using var target = await TestTarget.CreateAsync("postgres", server);
        await target.ScalarAsync("CREATE TABLE busy (id int)");
        _ws.Change("001_alter_busy", "ALTER TABLE busy ADD COLUMN note text;", "SELECT note FROM busy WHERE false;", "ALTER TABLE busy DROP COLUMN note;");
        await using var blocker = new NpgsqlConnection(target.ConnectionString + ";Pooling=false");
        await blocker.OpenAsync();
        await using var tx = await blocker.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE busy IN ACCESS SHARE MODE", blocker, tx)) await lockTable.ExecuteNonQueryAsync();

        var runner = new MigrationRunner(new MigrationRunnerOptions { LockTimeout = TimeSpan.FromMilliseconds(500) });
        var result = await runner.ApplyAsync(Request(target));

        Assert.Equal(MigrationOutcome.Failed, result.Outcome);
        Assert.Equal("55P03", result.Changes.Single().Error!.SqlState);
        await tx.RollbackAsync();
        Assert.Equal(MigrationOutcome.Succeeded, (await runner.ApplyAsync(Request(target))).Outcome);
    }

    [Fact]
    public async Task Preflight_reports_missing_privileges_and_apply_is_refused()
    {
        using var target = await TestTarget.CreateAsync("postgres", server);
        var role = "limited_" + target.Database;
        await server.ExecuteAsync($"CREATE ROLE {role} LOGIN; REVOKE CREATE ON DATABASE {target.Database} FROM PUBLIC; REVOKE CREATE ON SCHEMA public FROM PUBLIC", target.Database!);
        _ws.Change("001_a", "CREATE TABLE a (id int);", "SELECT id FROM a WHERE false;", "DROP TABLE a;");
        var limited = new PostgresTarget(server.ConnectionString(target.Database!, role));
        var request = Request(target) with { Target = limited };

        var preflight = await new MigrationRunner().PreflightAsync(request);
        Assert.True(preflight.Connected);
        Assert.Contains(preflight.PermissionProblems, p => p.Contains("may not create objects in schema public"));
        Assert.Contains(preflight.PermissionProblems, p => p.Contains("may not create the history schema"));
        Assert.False(preflight.Passed);

        var apply = await new MigrationRunner().ApplyAsync(request);
        Assert.Equal(MigrationOutcome.Blocked, apply.Outcome);
        Assert.Empty(apply.Changes);
        Assert.False(await target.HasTableAsync("a"));
    }

    [Fact]
    public async Task Errors_point_at_the_line_and_column_in_the_file()
    {
        using var target = await TestTarget.CreateAsync("postgres", server);
        _ws.Change("001_typo", "CREATE TABLE a (id int);\nCREATE TABLE b (\n    id int,\n    name txet\n);", "SELECT 1;", "DROP TABLE b; DROP TABLE a;");

        var dry = await new MigrationRunner().DryRunAsync(Request(target));

        var error = dry.Changes.Single().Error!;
        Assert.Equal(ChangeOutcome.Failed, dry.Changes.Single().Outcome);
        Assert.Equal((1, 4, 10), (error.StatementIndex, error.Line, error.Column));
        Assert.Contains("txet", error.Message);
        Assert.Equal("42704", error.SqlState);
        Assert.Contains("line 4, column 10", dry.Markdown);
    }

    [Fact]
    public async Task Connection_string_secrets_never_reach_evidence()
    {
        const string password = "Sup3r-Secret-Pa55";
        using var target = await TestTarget.CreateAsync("postgres", server, password);
        _ws.Change("001_a", "CREATE TABLE a (id int);", "SELECT id FROM a WHERE false;", "DROP TABLE a;");

        var ok = await new MigrationRunner().ApplyAsync(Request(target));
        var unreachable = new PostgresTarget($"Host=127.0.0.1;Port=1;Database=nowhere;Username=deployer;Password={password};Timeout=2");
        var failed = await new MigrationRunner().ApplyAsync(Request(target) with { Target = unreachable });

        Assert.Equal(MigrationOutcome.Succeeded, ok.Outcome);
        Assert.Equal(MigrationOutcome.Blocked, failed.Outcome);
        Assert.Contains(failed.Evidence.Errors, e => e.StartsWith("Cannot connect to postgresql://127.0.0.1:1/nowhere"));
        foreach (var text in new[] { ok.Document, ok.Markdown, failed.Document, failed.Markdown })
        {
            Assert.DoesNotContain(password, text);
            Assert.DoesNotContain("Password", text, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Equal($"postgresql://127.0.0.1:{server.Port}/{target.Database}", ok.Evidence.Target);
    }

    [Fact]
    public async Task A_target_that_goes_away_mid_run_leaves_the_batch_failed_the_target_consistent_and_evidence_true()
    {
        using var target = await TestTarget.CreateAsync("postgres", server);
        _ws.Change("001_a", "CREATE TABLE a (id int);", "SELECT id FROM a WHERE false;", "DROP TABLE a;")
            .Change("002_b", "CREATE TABLE b (id int);\nSELECT pg_sleep(5);", "SELECT id FROM b WHERE false;", "DROP TABLE b;");
        var request = Request(target);
        var progress = new RecordingProgress(p =>
        {
            if (p is not { Step: "change-started", Change: "002_b" }) return;
            // Kill the runner's backend a moment after the change starts: the server goes away under it.
            _ = Task.Run(async () =>
            {
                await Task.Delay(700);
                await server.ExecuteAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{PostgresTarget.ApplicationPrefix} apply {request.BatchId}'");
            });
        });

        var result = await new MigrationRunner().ApplyAsync(request, progress: progress);

        Assert.Equal(MigrationOutcome.Failed, result.Outcome);
        Assert.Equal([ChangeOutcome.Applied, ChangeOutcome.Failed], result.Changes.Select(c => c.Outcome));
        Assert.NotEmpty(result.Evidence.Errors);
        Assert.True(await target.HasTableAsync("a"));
        Assert.False(await target.HasTableAsync("b"));
        Assert.Equal(["001_a"], (await target.HistoryAsync("shop")).Select(h => h.Name));
        Assert.True(EvidenceSeal.Verify(result.Document, result.Sha256).Intact);
        Assert.Equal(MigrationOutcome.Succeeded, (await new MigrationRunner().ApplyAsync(Request(target))).Outcome);
    }

    [Fact]
    public async Task Non_transactional_changes_run_outside_a_transaction_and_function_bodies_run_whole()
    {
        using var target = await TestTarget.CreateAsync("postgres", server);
        _ws.Change("001_orders", """
                CREATE TABLE orders (id int PRIMARY KEY, total int NOT NULL);
                CREATE FUNCTION order_total_positive() RETURNS trigger LANGUAGE plpgsql AS $fn$
                BEGIN
                    IF NEW.total < 0 THEN RAISE EXCEPTION 'negative total; refused'; END IF;
                    RETURN NEW;
                END;
                $fn$;
                CREATE TRIGGER orders_total BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION order_total_positive();
                """, "SELECT count(*) = 1 FROM pg_trigger WHERE tgname = 'orders_total';", "DROP TABLE orders; DROP FUNCTION order_total_positive();")
            .Change("002_index_total", "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_orders_total ON orders (total);",
                "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_orders_total';", "DROP INDEX CONCURRENTLY IF EXISTS ix_orders_total;", "transactional: false\n");

        var dry = await new MigrationRunner().DryRunAsync(Request(target));
        Assert.Equal([ChangeOutcome.Rehearsed, ChangeOutcome.Skipped], dry.Changes.Select(c => c.Outcome));

        var apply = await new MigrationRunner().ApplyAsync(Request(target));
        Assert.Equal(MigrationOutcome.Succeeded, apply.Outcome);
        Assert.Contains(apply.Evidence.SchemaAfter!.Find("public.orders")!.Indexes, i => i.Name == "ix_orders_total");
        var revert = await new MigrationRunner().RevertAsync(Request(target), RevertTarget.Last(1));
        Assert.Equal(MigrationOutcome.Succeeded, revert.Outcome);
        Assert.Contains(revert.Evidence.Diff!.Changes, c => c is { Kind: SchemaChangeKind.Removed, Name: "ix_orders_total" });
    }
}
