using Npgsql;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Targets;
using OpsConsole.Core.Migrations.Targets.Postgres;
using OpsConsole.Core.Migrations.Targets.Sqlite;

namespace OpsConsole.Migrations.Tests.Shared;

/// <summary>A real, empty target database for one test: a SQLite file or a database on the test PostgreSQL server.</summary>
public sealed class TestTarget : IDisposable
{
    private readonly string? _folder;

    private TestTarget(string kind, ITargetDatabase target, string connectionString, string? folder, PostgresServer? server, string? database)
    {
        Kind = kind;
        Target = target;
        ConnectionString = connectionString;
        _folder = folder;
        Server = server;
        Database = database;
    }

    public string Kind { get; }
    public ITargetDatabase Target { get; }
    public string ConnectionString { get; }
    public PostgresServer? Server { get; }
    public string? Database { get; }

    public static async Task<TestTarget> CreateAsync(string kind, PostgresServer? server, string? password = null)
    {
        if (kind == "sqlite")
        {
            var folder = Path.Combine(Path.GetTempPath(), "opsconsole-migrations-tests", "db-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            var cs = $"Data Source={Path.Combine(folder, "target.db")}";
            return new TestTarget(kind, new SqliteTarget(cs), cs, folder, null, null);
        }
        ArgumentNullException.ThrowIfNull(server);
        var database = await server.CreateDatabaseAsync();
        // As a deployment should: the target role owns the database and its public schema, and is no superuser
        // (preflight refuses a role that can reach beyond its database).
        var owner = "owner_" + database;
        await server.ExecuteAsync($"CREATE ROLE {owner} LOGIN NOSUPERUSER NOCREATEROLE PASSWORD '{password ?? Guid.NewGuid().ToString("N")}'; ALTER DATABASE {database} OWNER TO {owner}");
        await server.ExecuteAsync($"ALTER SCHEMA public OWNER TO {owner}", database);
        var connectionString = server.ConnectionString(database, owner, password);
        return new TestTarget(kind, new PostgresTarget(connectionString), connectionString, null, server, database);
    }

    /// <summary>Reads the target's schema through the engine's own snapshot (what the diff and the reversibility check compare).</summary>
    public async Task<SchemaSnapshot> SnapshotAsync()
    {
        await using var session = await Target.ConnectAsync(new TargetSessionOptions(Guid.Empty, "test", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)));
        return await session.SnapshotAsync(null);
    }

    public async Task<IReadOnlyList<AppliedChange>> HistoryAsync(string service)
    {
        await using var session = await Target.ConnectAsync(new TargetSessionOptions(Guid.Empty, "test", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)));
        return await session.ReadHistoryAsync(service, null);
    }

    public async Task<bool> HasTableAsync(string table) =>
        (await SnapshotAsync()).Tables.Any(t => t.Name == table || t.Name == "public." + table);

    /// <summary>Runs SQL directly against the target (outside the engine).</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        if (Kind == "sqlite")
        {
            await using var c = new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString + ";Pooling=False");
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            return await cmd.ExecuteScalarAsync();
        }
        await using var connection = new NpgsqlConnection(ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public void Dispose()
    {
        if (_folder is not null)
        {
            try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
        }
    }
}
