using Npgsql;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Targets.Postgres;
using OpsConsole.Migrations.Tests.Shared;

namespace OpsConsole.Migrations.Tests.Security;

/// <summary>
/// On PostgreSQL a change may not reach the server's files or programs, other databases, the
/// server's configuration or roles: the runner refuses such statements by name before sending
/// anything, even to a role that could run them, and preflight refuses a target role that could
/// reach beyond its database.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class PostgresTargetConfinementTests(PostgresServer server) : IDisposable
{
    private readonly Workspace _ws = new();
    private readonly MigrationRunner _runner = new(new MigrationRunnerOptions { ConsoleVersion = "test" });

    public void Dispose() => _ws.Dispose();

    private MigrationRequest Request(PostgresTarget target) => new()
    {
        RequestedBy = Actors.ReleaseManager, Source = _ws.Source(), Target = target, Environment = "dev",
    };

    /// <summary>The target connected as the server's superuser: everything the SQL asks would succeed if it were sent.</summary>
    private async Task<(string Database, PostgresTarget Target)> SuperuserTargetAsync()
    {
        var database = await server.CreateDatabaseAsync();
        await server.ExecuteAsync("CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders VALUES (1), (2), (3);", database);
        return (database, new PostgresTarget(server.ConnectionString(database)));
    }

    private async Task<object?> AdminScalarAsync(string sql, string database = "postgres")
    {
        await using var c = new NpgsqlConnection(database == "postgres" ? server.AdminConnectionString : server.ConnectionString(database) + ";Pooling=false");
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return await cmd.ExecuteScalarAsync();
    }

    [Theory]
    [InlineData("COPY (SELECT 1) TO PROGRAM 'touch {marker}';", "PROGRAM")]
    [InlineData("COPY orders TO '{marker}';", "server file")]
    [InlineData("ALTER SYSTEM SET work_mem = '64MB';", "ALTER SYSTEM")]
    [InlineData("CREATE ROLE {role} LOGIN SUPERUSER;", "CREATE ROLE")]
    [InlineData("ALTER ROLE postgres PASSWORD 'taken';", "ALTER ROLE")]
    [InlineData("CREATE EXTENSION IF NOT EXISTS dblink;", "dblink")]
    [InlineData("SELECT lo_export(lo_from_bytea(0, 'x'), '{marker}');", "lo_export")]
    [InlineData("GRANT pg_execute_server_program TO PUBLIC;", "role membership")]
    [InlineData("DO $$ BEGIN EXECUTE 'CREATE ROLE {role} SUPERUSER'; END $$;", "CREATE ROLE")]
    [InlineData("COMMIT;", "transaction")]
    public async Task Statements_that_reach_past_the_target_are_refused_by_name_and_nothing_runs(string deploy, string named)
    {
        var (database, target) = await SuperuserTargetAsync();
        var marker = Path.Combine(Path.GetTempPath(), "opsconsole-escape-" + Guid.NewGuid().ToString("N"));
        var role = "escaped_" + Guid.NewGuid().ToString("N")[..8];
        _ws.Change("001_escape", "DELETE FROM orders;\n" + deploy.Replace("{marker}", marker).Replace("{role}", role), "SELECT 1;", "SELECT 1;");

        foreach (var run in new[] { await _runner.ApplyAsync(Request(target)), await _runner.DryRunAsync(Request(target)) })
        {
            Assert.Equal(MigrationOutcome.Blocked, run.Outcome);
            Assert.Contains(run.Evidence.Errors, e => e.StartsWith("Refused: 001_escape/deploy.sql line 2") && e.Contains(named, StringComparison.OrdinalIgnoreCase));
            Assert.Empty(run.Changes);
        }
        Assert.False(File.Exists(marker));
        Assert.Equal(0L, await AdminScalarAsync($"SELECT count(*) FROM pg_roles WHERE rolname = '{role}'"));
        Assert.Equal(0L, await AdminScalarAsync("SELECT count(*) FROM pg_file_settings WHERE name = 'work_mem'"));
        Assert.Equal(3L, await AdminScalarAsync("SELECT count(*) FROM orders", database));
        Assert.Equal(false, await AdminScalarAsync("SELECT to_regclass('opsconsole_migrations.changes') IS NOT NULL", database));
    }

    [Fact]
    public async Task Preflight_refuses_a_target_role_that_can_reach_beyond_its_database()
    {
        var (_, superuser) = await SuperuserTargetAsync();
        using var owner = await TestTarget.CreateAsync("postgres", server);
        var writer = "writer_" + owner.Database;
        await server.ExecuteAsync($"CREATE ROLE {writer} LOGIN; GRANT pg_write_server_files TO {writer}; GRANT ALL ON DATABASE {owner.Database} TO {writer}");
        await server.ExecuteAsync($"GRANT ALL ON SCHEMA public TO {writer}", owner.Database!);
        _ws.Change("001_a", "CREATE TABLE a (id int);", "SELECT id FROM a WHERE false;", "DROP TABLE a;");

        var asSuperuser = await _runner.PreflightAsync(Request(superuser));
        Assert.Contains(asSuperuser.Blockers, b => b.Contains("is a superuser") && b.Contains("NOSUPERUSER"));
        var asWriter = await _runner.PreflightAsync(Request(new PostgresTarget(server.ConnectionString(owner.Database!, writer))));
        Assert.Contains(asWriter.Blockers, b => b.Contains("pg_write_server_files"));
        Assert.Equal(MigrationOutcome.Blocked, (await _runner.ApplyAsync(Request(superuser))).Outcome);

        // The role a deployment should use (owner of its database, nothing more) passes.
        var fine = await _runner.PreflightAsync(Request((PostgresTarget)owner.Target));
        Assert.True(fine.Passed, string.Join("; ", fine.Blockers));
    }
}
