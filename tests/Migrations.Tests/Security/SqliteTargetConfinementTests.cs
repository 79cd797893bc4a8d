using Microsoft.Data.Sqlite;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Evidence;
using OpsConsole.Core.Migrations.Sql;
using OpsConsole.Core.Migrations.Targets;
using OpsConsole.Migrations.Tests.Shared;

namespace OpsConsole.Migrations.Tests.Security;

/// <summary>
/// A change applied to a SQLite target touches that file only: attaching another database (the
/// console's own store sits in a folder next to the targets), copying the target elsewhere, loading
/// code and file-level PRAGMAs are refused by the runner before sending, and by SQLite's authorizer
/// when SQL reaches the connection anyway. A change may not end the runner's transaction either.
/// </summary>
public sealed class SqliteTargetConfinementTests : IDisposable
{
    private readonly Workspace _ws = new();
    private readonly List<TestTarget> _targets = [];
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "opsconsole-migrations-tests", "store-" + Guid.NewGuid().ToString("N"));
    private readonly MigrationRunner _runner = new(new MigrationRunnerOptions { ConsoleVersion = "test" });

    public SqliteTargetConfinementTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        _ws.Dispose();
        foreach (var t in _targets) t.Dispose();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, true); } catch (IOException) { }
    }

    /// <summary>A stand-in for the console's store: a users table with one Admin.</summary>
    private async Task<string> ConsoleStoreAsync()
    {
        var path = Path.Combine(_folder, "opsconsole.db");
        await using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "CREATE TABLE AspNetUsers (Id TEXT PRIMARY KEY, UserName TEXT, Role TEXT); INSERT INTO AspNetUsers VALUES ('1', 'admin', 'Admin');";
        await cmd.ExecuteNonQueryAsync();
        return path;
    }

    private static async Task<long> UsersAsync(string store)
    {
        await using var c = new SqliteConnection($"Data Source={store};Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM AspNetUsers";
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task<TestTarget> TargetWithOrdersAsync()
    {
        var t = await TestTarget.CreateAsync("sqlite", null);
        _targets.Add(t);
        await t.ScalarAsync("CREATE TABLE orders (id INTEGER PRIMARY KEY); INSERT INTO orders (id) VALUES (1), (2), (3);");
        return t;
    }

    private MigrationRequest Request(TestTarget target) => new()
    {
        RequestedBy = Actors.ReleaseManager, Source = _ws.Source(), Target = target.Target, Environment = "dev",
    };

    private static string Quote(string path) => path.Replace("'", "''");

    [Fact]
    public async Task A_change_that_attaches_the_console_store_is_refused_before_anything_runs()
    {
        var store = await ConsoleStoreAsync();
        var target = await TargetWithOrdersAsync();
        _ws.Change("001_steal", $"ATTACH DATABASE '{Quote(store)}' AS ops;\nCREATE TABLE marker AS SELECT count(*) AS n FROM ops.AspNetUsers;\nDELETE FROM ops.AspNetUsers;",
            "SELECT 1;", "DROP TABLE marker;");

        foreach (var run in new[] { await _runner.ApplyAsync(Request(target)), await _runner.DryRunAsync(Request(target)) })
        {
            Assert.Equal(MigrationOutcome.Blocked, run.Outcome);
            Assert.Contains(run.Evidence.Errors, e => e.StartsWith("Refused: 001_steal/deploy.sql line 1") && e.Contains("ATTACH"));
            Assert.Empty(run.Changes);
        }
        Assert.False(await target.HasTableAsync("marker"));
        Assert.Empty(await target.HistoryAsync("shop"));
        Assert.Equal(1L, await UsersAsync(store));
    }

    [Theory]
    [InlineData("ATTACH DATABASE '{store}' AS ops")]
    [InlineData("VACUUM INTO '{copy}'")]
    [InlineData("SELECT load_extension('{copy}')")]
    [InlineData("PRAGMA writable_schema = 1")]
    [InlineData("PRAGMA journal_mode = OFF")]
    [InlineData("PRAGMA schema_version = 1")]
    [InlineData("DETACH DATABASE temp")]
    public async Task SQLite_itself_refuses_what_reaches_past_the_target_on_a_migration_connection(string sql)
    {
        var store = await ConsoleStoreAsync();
        var copy = Path.Combine(_folder, "copy.db");
        var target = await TargetWithOrdersAsync();
        var text = sql.Replace("{store}", Quote(store)).Replace("{copy}", Quote(copy));

        // Straight to the session, past the runner's own check: the connection is confined by SQLite.
        await using var session = await target.Target.ConnectAsync(new TargetSessionOptions(Guid.Empty, "test", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)));
        var statement = SqlSplitter.Split(text, SqlDialect.Sqlite).Single();
        var error = await Assert.ThrowsAnyAsync<SqliteException>(() => session.ExecuteAsync(null, statement));
        Assert.True(error.SqliteErrorCode == 23 || error.Message.Contains("not authorized") || error.Message.Contains("too many attached"), error.Message);
        Assert.False(File.Exists(copy));
        Assert.Equal(3L, await target.ScalarAsync("SELECT count(*) FROM orders"));
        // The console's own statements still run on the confined connection.
        await session.EnsureHistoryAsync(null);
        Assert.NotEmpty((await session.SnapshotAsync(null)).Tables);
        Assert.Empty(await session.CheckPermissionsAsync());
    }

    [Theory]
    [InlineData("VACUUM INTO '{copy}';", "VACUUM INTO")]
    [InlineData("SELECT load_extension('{copy}');", "load_extension")]
    [InlineData("PRAGMA writable_schema = ON;\nUPDATE sqlite_master SET sql = 'x' WHERE name = 'orders';", "writable_schema")]
    [InlineData("CREATE TABLE t (id INTEGER);\nDETACH DATABASE main;", "DETACH")]
    public async Task Apply_refuses_file_level_statements_by_name_and_runs_nothing(string deploy, string named)
    {
        var copy = Path.Combine(_folder, "copy.db");
        var target = await TargetWithOrdersAsync();
        _ws.Change("001_escape", deploy.Replace("{copy}", Quote(copy)), "SELECT 1;", "SELECT 1;");

        var apply = await _runner.ApplyAsync(Request(target));

        Assert.Equal(MigrationOutcome.Blocked, apply.Outcome);
        Assert.Contains(apply.Evidence.Errors, e => e.StartsWith("Refused: 001_escape/deploy.sql") && e.Contains(named, StringComparison.OrdinalIgnoreCase));
        Assert.False(File.Exists(copy));
        Assert.False(await target.HasTableAsync("t"));
        Assert.Empty(await target.HistoryAsync("shop"));
    }

    [Theory]
    [InlineData("DELETE FROM orders;\nCOMMIT;")]
    [InlineData("DELETE FROM orders;\nEND;")]
    [InlineData("DELETE FROM orders;\nROLLBACK;\nBEGIN;")]
    [InlineData("SAVEPOINT mine;\nDELETE FROM orders;\nRELEASE opsconsole_change;")]
    public async Task A_dry_run_cannot_commit_and_an_apply_cannot_end_its_transaction(string deploy)
    {
        var target = await TargetWithOrdersAsync();
        _ws.Change("001_wipe", deploy, "SELECT 1;", "SELECT 1;");

        var dry = await _runner.DryRunAsync(Request(target));
        Assert.Equal(MigrationOutcome.Blocked, dry.Outcome);
        Assert.Contains(dry.Evidence.Errors, e => e.StartsWith("Refused: 001_wipe/deploy.sql") && e.Contains("transaction"));
        Assert.Empty(dry.Changes);

        var apply = await _runner.ApplyAsync(Request(target));
        Assert.Equal(MigrationOutcome.Blocked, apply.Outcome);

        Assert.Equal(3L, await target.ScalarAsync("SELECT count(*) FROM orders"));
        Assert.Empty(await target.HistoryAsync("shop"));
        Assert.Equal(["001_wipe"], (await _runner.StatusAsync(_ws.Source(), target.Target)).Pending.Select(p => p.Name));
    }

    [Fact]
    public async Task A_revert_that_would_commit_or_attach_is_refused()
    {
        var target = await TargetWithOrdersAsync();
        _ws.Change("001_note", "ALTER TABLE orders ADD COLUMN note TEXT;", "SELECT note FROM orders WHERE 1 = 0;", "ALTER TABLE orders DROP COLUMN note;");
        Assert.Equal(MigrationOutcome.Succeeded, (await _runner.ApplyAsync(Request(target))).Outcome);
        _ws.Write("001_note/revert.sql", "DELETE FROM orders;\nCOMMIT;\nALTER TABLE orders DROP COLUMN note;");

        var revert = await _runner.RevertAsync(Request(target), RevertTarget.Last(1));

        Assert.Equal(MigrationOutcome.Blocked, revert.Outcome);
        Assert.Contains(revert.Evidence.Errors, e => e.StartsWith("Refused: 001_note/revert.sql line 2"));
        Assert.Equal(3L, await target.ScalarAsync("SELECT count(*) FROM orders"));
        Assert.Equal(["001_note"], (await target.HistoryAsync("shop")).Select(h => h.Name));
    }

    [Fact]
    public async Task A_dry_run_records_the_row_counts_of_the_tables_it_writes_and_leaves_them_unchanged()
    {
        var target = await TargetWithOrdersAsync();
        _ws.Change("001_purge", "DELETE FROM orders WHERE id > 1;", "SELECT 1;", "SELECT 1;");

        var dry = await _runner.DryRunAsync(Request(target));

        Assert.Equal(MigrationOutcome.Succeeded, dry.Outcome);
        var count = Assert.Single(dry.Evidence.RowCounts!);
        Assert.Equal(new TableRowCount("orders", 3, 3), count);
        Assert.Equal(3L, await target.ScalarAsync("SELECT count(*) FROM orders"));
    }
}
