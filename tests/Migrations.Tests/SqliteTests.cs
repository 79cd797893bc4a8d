using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Evidence;
using OpsConsole.Core.Migrations.Targets.Sqlite;
using OpsConsole.Migrations.Tests.Shared;

namespace OpsConsole.Migrations.Tests;

/// <summary>What only a SQLite file shows: an interrupted slow statement, trigger bodies, a read-only file.</summary>
public sealed class SqliteTests : IDisposable
{
    private readonly Workspace _ws = new();
    private readonly List<TestTarget> _targets = [];

    public void Dispose()
    {
        _ws.Dispose();
        foreach (var t in _targets) t.Dispose();
    }

    private async Task<TestTarget> TargetAsync()
    {
        var t = await TestTarget.CreateAsync("sqlite", null);
        _targets.Add(t);
        return t;
    }

    private MigrationRequest Request(TestTarget target) => new()
    {
        RequestedBy = Actors.ReleaseManager,
        Source = _ws.Source(),
        Target = target.Target,
        Environment = "dev",
    };

    [Fact]
    public async Task A_statement_running_past_the_timeout_is_interrupted_and_its_change_rolled_back()
    {
        var target = await TargetAsync();
        _ws.Change("001_slow", "CREATE TABLE slow (id INTEGER);\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c;",
            "SELECT 1;", "DROP TABLE slow;");
        var runner = new MigrationRunner(new MigrationRunnerOptions { StatementTimeout = TimeSpan.FromMilliseconds(500) });

        var started = DateTime.UtcNow;
        var result = await runner.ApplyAsync(Request(target));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Equal(MigrationOutcome.Failed, result.Outcome);
        Assert.Contains("statement timeout", result.Changes.Single().Error!.Message);
        Assert.False(await target.HasTableAsync("slow"));
        Assert.Empty(await target.HistoryAsync("shop"));
    }

    [Fact]
    public async Task Trigger_bodies_run_whole_and_verify_can_say_no_with_a_zero()
    {
        var target = await TargetAsync();
        _ws.Change("001_orders", """
                CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER NOT NULL, updated TEXT);
                CREATE TRIGGER orders_touch AFTER UPDATE ON orders BEGIN
                    UPDATE orders SET updated = CASE WHEN new.total > 0 THEN 'paid' ELSE 'open' END WHERE id = new.id;
                END;
                """, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'orders_touch';", "DROP TABLE orders;");

        var result = await new MigrationRunner().ApplyAsync(Request(target));

        Assert.Equal(MigrationOutcome.Succeeded, result.Outcome);
        Assert.True(result.Changes.Single().Verify!.Passed);
        Assert.True(EvidenceSeal.Verify(result.Document, result.Sha256).Intact);
    }

    [Fact]
    public async Task A_read_only_file_is_a_permission_problem_in_preflight()
    {
        var target = await TargetAsync();
        await target.ScalarAsync("CREATE TABLE existing (id INTEGER)");
        _ws.Change("001_a", "CREATE TABLE a (id INTEGER);", "SELECT id FROM a WHERE 1 = 0;", "DROP TABLE a;");
        var readOnly = new SqliteTarget(target.ConnectionString + ";Mode=ReadOnly");

        var preflight = await new MigrationRunner().PreflightAsync(Request(target) with { Target = readOnly });

        Assert.Contains(preflight.PermissionProblems, p => p.Contains("cannot be written"));
        Assert.False(preflight.Passed);
    }
}
