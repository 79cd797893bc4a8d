using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Tests.Shared;

/// <summary>
/// Which engine the test stores run on. SQLite files by default; with OPS_TEST_STORE=postgres and
/// OPS_TEST_STORE_SERVER (an Npgsql connection string to a server's maintenance database, as a
/// superuser) every store is a fresh database of its own on that server. ./test.sh runs the Core and
/// Console suites a second time that way, against a throwaway server it starts.
/// </summary>
public static class TestStores
{
    public static StoreKind Kind { get; } = StoreProvider.Parse(Environment.GetEnvironmentVariable("OPS_TEST_STORE"));

    public static bool IsPostgres => Kind == StoreKind.Postgres;

    private static string Server => Environment.GetEnvironmentVariable("OPS_TEST_STORE_SERVER") is { Length: > 0 } s ? s
        : throw new InvalidOperationException("OPS_TEST_STORE=postgres needs OPS_TEST_STORE_SERVER, a connection string to the server's 'postgres' database (./test.sh sets both).");

    /// <summary>
    /// A connection string to a database named after <paramref name="key"/> (the same key, the same
    /// database: a console restarted on its data folder finds its store again), created when missing.
    /// </summary>
    public static string PostgresDatabase(string key)
    {
        var name = "t_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..20];
        var admin = new NpgsqlConnectionStringBuilder(Server) { Pooling = false };
        using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            connection.Open();
            using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", name);
            if (exists.ExecuteScalar() is null)
            {
                // A copy of a database this process migrated once: a file copy on the server, instead of
                // running every migration again for each of the suite's hundreds of stores.
                using var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE {MigratedTemplate.Value}", connection);
                create.ExecuteNonQuery();
            }
        }
        // Small idle pools that close quickly: hundreds of test databases must not hold the server's connections.
        return new NpgsqlConnectionStringBuilder(Server)
        {
            Database = name, Pooling = true, MinPoolSize = 0, MaxPoolSize = 20, ConnectionIdleLifetime = 2, ConnectionPruningInterval = 1,
        }.ConnectionString;
    }

    private static readonly Lazy<string> MigratedTemplate = new(CreateMigratedTemplate, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// A database with every migration and the store's guards applied, which no one stays connected to
    /// (PostgreSQL copies only such a database). One per test process, so parallel suites on one server do
    /// not share it. The stores copied from it still migrate as the console does: nothing is pending.
    /// </summary>
    private static string CreateMigratedTemplate()
    {
        var name = $"tpl_{Environment.ProcessId}_{Guid.NewGuid():N}"[..40];
        var admin = new NpgsqlConnectionStringBuilder(Server) { Pooling = false };
        using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            create.ExecuteNonQuery();
        }
        var template = new NpgsqlConnectionStringBuilder(Server) { Database = name, Pooling = false }.ConnectionString;
        var options = new DbContextOptionsBuilder<OpsDbContext>();
        options.UseStore(StoreKind.Postgres, template);
        using (var db = new OpsDbContext(options.Options))
            StoreProvider.MigrateAsync(db).GetAwaiter().GetResult();
        return name;
    }

    /// <summary>Drops a test database (its connections closed first).</summary>
    public static void DropPostgresDatabase(string connectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        using (var pooled = new NpgsqlConnection(connectionString)) NpgsqlConnection.ClearPool(pooled);
        var admin = new NpgsqlConnectionStringBuilder(Server) { Pooling = false };
        using var connection = new NpgsqlConnection(admin.ConnectionString);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
        drop.ExecuteNonQuery();
    }

    /// <summary>The store for a test: a SQLite file at <paramref name="sqlitePath"/>, or a fresh PostgreSQL database keyed by that path.</summary>
    public static string ConnectionString(string sqlitePath) =>
        IsPostgres ? PostgresDatabase(sqlitePath) : $"Data Source={sqlitePath};Pooling=False";

    public static DbContextOptionsBuilder UseTestStore(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseStore(Kind, connectionString);

    /// <summary>SQL that drops one of the audit trail's guards (what an attacker with the database's owner rights does first).</summary>
    public static string DropAuditTriggerSql(string trigger, bool? postgres = null) =>
        postgres ?? IsPostgres ? $"DROP TRIGGER \"{trigger}\" ON \"AuditEntries\"" : $"DROP TRIGGER {trigger}";

    /// <summary>An open connection straight to a test store, outside the console (as an attacker with the database would have).</summary>
    public static System.Data.Common.DbConnection OpenConnection(string connectionString)
    {
        System.Data.Common.DbConnection connection = !connectionString.StartsWith("Data Source=", StringComparison.Ordinal)
            ? new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString)
            : new Microsoft.Data.Sqlite.SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Releases a test store: SQLite's pooled handles, or the PostgreSQL database itself.</summary>
    public static void Release(string connectionString)
    {
        if (IsPostgres)
        {
            try { DropPostgresDatabase(connectionString); }
            catch (NpgsqlException) { /* the throwaway server goes away with its databases */ }
        }
        else Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
