using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using OpsConsole.Console.Tests.Migrations;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Migrations.Tests.Shared;
using static OpsConsole.Console.Tests.Security.MigrationAttackKit;

namespace OpsConsole.Console.Tests.Security;

/// <summary>A console whose migration targets live on a real PostgreSQL server the test starts.</summary>
public sealed class PostgresConsole : IAsyncLifetime
{
    public PostgresServer Server { get; } = new();
    public MigrationConsoleFactory Factory { get; } = new();

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        await Factory.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// The same attacks as on SQLite, through the API of a running console against a real PostgreSQL
/// target: a ReleaseManager's bundle that runs a program on the database server, changes server
/// settings or roles, or commits from inside a dry-run. Each is refused by name and the target's
/// rows, roles and history stay as they were; a target that connects as a superuser is refused whole.
/// </summary>
public sealed class MigrationPostgresEscapeTests(PostgresConsole pg) : IClassFixture<PostgresConsole>
{
    private MigrationConsoleFactory Factory => pg.Factory;

    /// <summary>A database of its own with an `orders` table of 3 rows, owned by a plain role the target connects as.</summary>
    private async Task<(string Database, string Owner)> TargetAsync(string service, bool asSuperuser = false)
    {
        var database = await pg.Server.CreateDatabaseAsync();
        var owner = "owner_" + database;
        var password = Guid.NewGuid().ToString("N");
        await pg.Server.ExecuteAsync($"CREATE ROLE {owner} LOGIN NOSUPERUSER NOCREATEROLE PASSWORD '{password}'; ALTER DATABASE {database} OWNER TO {owner}");
        await pg.Server.ExecuteAsync($"ALTER SCHEMA public OWNER TO {owner}; CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders VALUES (1), (2), (3); ALTER TABLE orders OWNER TO {owner}", database);
        var connectionString = asSuperuser ? pg.Server.ConnectionString(database) : pg.Server.ConnectionString(database, owner, password);
        using var admin = Factory.CreateAdminClient();
        await admin.PutAsJsonAsync($"/api/v1/migrations/{service}/dev/target", new { provider = "postgres", connectionString, requiresApproval = false }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.OK);
        return (database, owner);
    }

    private async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(pg.Server.ConnectionString(database) + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private async Task<JsonElement> RunAsync(HttpClient client, string service, string kind) =>
        await MigrationConsoleFactory.WaitForBatchAsync(client, await MigrationConsoleFactory.PostRunAsync(client, $"/api/v1/migrations/{service}/dev/{kind}"),
            "Succeeded", "Failed");

    private async Task AssertUnchangedAsync(HttpClient admin, string users, string service, string database)
    {
        Assert.Equal(users, await UsersAndRolesAsync(Factory));
        await ConsoleState.AssertAuditIntactAsync(admin);
        Assert.Empty(Names(await StatusAsync(admin, service), "applied"));
        Assert.Equal(3L, await ScalarAsync(database, "SELECT count(*) FROM orders"));
        Assert.Equal(0L, await ScalarAsync(database, "SELECT count(*) FROM pg_roles WHERE rolname = 'intruder'"));
    }

    [Theory]
    [InlineData("program", "COPY (SELECT 1) TO PROGRAM 'touch {marker}';", "COPY")]
    [InlineData("system", "ALTER SYSTEM SET log_statement = 'none';", "ALTER SYSTEM")]
    [InlineData("role", "CREATE ROLE intruder LOGIN SUPERUSER PASSWORD 'x';", "CREATE ROLE")]
    [InlineData("hidden", "DO $$ BEGIN EXECUTE 'CREATE ROLE intruder SUPERUSER'; END $$;", "ROLE")]
    public async Task A_change_that_reaches_past_its_database_is_refused_by_name_and_nothing_runs(string name, string sql, string named)
    {
        var service = $"pg-escape-{name}";
        var marker = Path.Combine(Path.GetTempPath(), $"opsconsole-escape-{Guid.NewGuid():N}");
        var (database, _) = await TargetAsync(service);
        var (_, rm) = await Factory.UserClientAsync(Core.Access.Roles.ReleaseManager);
        using var admin = Factory.CreateAdminClient();
        var users = await UsersAndRolesAsync(Factory);
        await UploadAsync(rm, service, "1.0.0", new Change("001_escape", sql.Replace("{marker}", marker) + "\nDELETE FROM orders;\n"));

        foreach (var kind in new[] { "apply", "dry-run" })
        {
            var batch = await RunAsync(rm, service, kind);
            Assert.Equal("Failed", batch.GetProperty("status").GetString());
            Assert.Contains("Refused: 001_escape/deploy.sql", Messages(batch));
            Assert.Contains(named, Messages(batch));
        }
        Assert.False(File.Exists(marker));
        Assert.Equal(0L, await ScalarAsync(database, "SELECT count(*) FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'"));
        await AssertUnchangedAsync(admin, users, service, database);
    }

    [Fact]
    public async Task A_dry_run_of_a_change_that_commits_leaves_the_rows_and_the_pending_change_as_they_were()
    {
        const string service = "pg-escape-commit";
        var (database, _) = await TargetAsync(service);
        var (_, rm) = await Factory.UserClientAsync(Core.Access.Roles.ReleaseManager);
        using var admin = Factory.CreateAdminClient();
        var users = await UsersAndRolesAsync(Factory);
        await UploadAsync(rm, service, "1.0.0", new Change("001_purge", "DELETE FROM orders;\nCOMMIT;\n"));

        var batch = await RunAsync(rm, service, "dry-run");

        Assert.Equal("Failed", batch.GetProperty("status").GetString());
        Assert.Contains("COMMIT", Messages(batch));
        Assert.Equal(["001_purge"], Names(await StatusAsync(admin, service), "pending"));
        await AssertUnchangedAsync(admin, users, service, database);
    }

    [Fact]
    public async Task A_target_that_connects_as_a_superuser_is_refused_before_any_statement_runs()
    {
        const string service = "pg-escape-superuser";
        var (database, _) = await TargetAsync(service, asSuperuser: true);
        var (_, rm) = await Factory.UserClientAsync(Core.Access.Roles.ReleaseManager);
        using var admin = Factory.CreateAdminClient();
        var users = await UsersAndRolesAsync(Factory);
        // Harmless to a statement check, but a superuser could have been steered to anything by SQL built at run time.
        await UploadAsync(rm, service, "1.0.0", new Change("001_purge", "DELETE FROM orders;\n"));

        var batch = await RunAsync(rm, service, "apply");

        Assert.Equal("Failed", batch.GetProperty("status").GetString());
        Assert.Contains("superuser", Messages(batch), StringComparison.OrdinalIgnoreCase);
        await AssertUnchangedAsync(admin, users, service, database);
    }
}
