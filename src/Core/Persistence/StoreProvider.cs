using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;

namespace OpsConsole.Core.Persistence;

/// <summary>Which database engine holds the console's own store.</summary>
public enum StoreKind
{
    /// <summary>The embedded default: one SQLite file, one process.</summary>
    Sqlite,
    /// <summary>A PostgreSQL database that several replicas share.</summary>
    Postgres,
}

/// <summary>
/// Everything that differs between the two store engines, in one place: how the context is
/// configured, how migrations are applied, and the guards the store enforces itself. Entity mappings
/// stay provider-neutral, so a capability's IEntityTypeConfiguration works on both unchanged.
/// </summary>
public static class StoreProvider
{
    /// <summary>The assembly holding the PostgreSQL migrations (SQLite's stay in Core).</summary>
    public const string PostgresMigrationsAssembly = "OpsConsole.Core.Postgres";

    // Session-level lock held while one replica migrates; the others wait, then find nothing pending.
    private const long MigrationLockKey = 0x4f7073_4d696772; // "Ops" "Migr"
    // Transaction-level lock around an audit append: one writer extends the chain at a time, across processes.
    internal const long AuditAppendLockKey = 0x4f7073_41756474; // "Ops" "Audt"
    // Transaction-level lock around the first run's preparation: one replica creates the first admin.
    private const long FirstRunLockKey = 0x4f7073_46727374; // "Ops" "Frst"

    public static StoreKind Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "sqlite" => StoreKind.Sqlite,
        "postgres" or "postgresql" or "npgsql" => StoreKind.Postgres,
        _ => throw new InvalidOperationException($"OPS_STORE must be 'sqlite' (the default) or 'postgres', not '{value}'."),
    };

    /// <summary>Configures the context for the engine; the connection string is a file's SQLite string or an Npgsql one.</summary>
    public static DbContextOptionsBuilder UseStore(this DbContextOptionsBuilder options, StoreKind kind, string connectionString) => kind switch
    {
        StoreKind.Postgres => options.UseNpgsql(connectionString, pg => pg.MigrationsAssembly(PostgresMigrationsAssembly)),
        _ => options.UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly(typeof(OpsDbContext).Assembly.GetName().Name)),
    };

    public static bool IsPostgres(this DatabaseFacade database) => database.IsNpgsql();

    /// <summary>
    /// Applies pending migrations. On PostgreSQL under a session advisory lock, so replicas starting
    /// at once migrate one after another (the later ones find nothing pending), then (re)installs the
    /// store's own guards; on SQLite it switches the file to WAL, so readers never wait for writers.
    /// </summary>
    public static async Task MigrateAsync(OpsDbContext db, CancellationToken ct = default)
    {
        if (!db.Database.IsPostgres())
        {
            await db.Database.MigrateAsync(ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            return;
        }

        // The lock lives on a connection of its own, held across EF's own connections and transactions.
        var builder = new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString()) { Pooling = false };
        await using var lockConnection = new NpgsqlConnection(builder.ConnectionString);
        await lockConnection.OpenAsync(ct);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", lockConnection))
        {
            take.Parameters.AddWithValue("key", MigrationLockKey);
            take.CommandTimeout = 0; // wait as long as another replica migrates
            await take.ExecuteNonQueryAsync(ct);
        }
        try
        {
            await db.Database.MigrateAsync(ct);
            await db.Database.ExecuteSqlRawAsync(PostgresGuards, ct);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", lockConnection);
            release.Parameters.AddWithValue("key", MigrationLockKey);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>The channel on which the store announces committed outbox events (PostgreSQL delivers a NOTIFY at commit).</summary>
    public const string OutboxChannel = "opsconsole_outbox";

    /// <summary>
    /// Replicas hear of each other's events at once: inserting outbox rows notifies
    /// <see cref="OutboxChannel"/> when the transaction commits.
    /// The audit trail is append-only in the store itself: UPDATE, DELETE and TRUNCATE of audit rows
    /// raise an error whoever runs them. Installed after every migration rather than written into a
    /// generated migration, so regenerating the PostgreSQL migrations can never drop it.
    /// </summary>
    internal const string PostgresGuards = """
        CREATE OR REPLACE FUNCTION ops_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('opsconsole_outbox', '');
            RETURN NULL;
        END $$;
        DROP TRIGGER IF EXISTS "OutboxEvents_Notify" ON "OutboxEvents";
        CREATE TRIGGER "OutboxEvents_Notify" AFTER INSERT ON "OutboxEvents"
            FOR EACH STATEMENT EXECUTE FUNCTION ops_outbox_notify();
        CREATE OR REPLACE FUNCTION ops_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit entries are append-only' USING ERRCODE = 'insufficient_privilege';
        END
        $$;
        DROP TRIGGER IF EXISTS "AuditEntries_NoUpdate" ON "AuditEntries";
        CREATE TRIGGER "AuditEntries_NoUpdate" BEFORE UPDATE ON "AuditEntries"
            FOR EACH ROW EXECUTE FUNCTION ops_audit_append_only();
        DROP TRIGGER IF EXISTS "AuditEntries_NoDelete" ON "AuditEntries";
        CREATE TRIGGER "AuditEntries_NoDelete" BEFORE DELETE ON "AuditEntries"
            FOR EACH ROW EXECUTE FUNCTION ops_audit_append_only();
        DROP TRIGGER IF EXISTS "AuditEntries_NoTruncate" ON "AuditEntries";
        CREATE TRIGGER "AuditEntries_NoTruncate" BEFORE TRUNCATE ON "AuditEntries"
            FOR EACH STATEMENT EXECUTE FUNCTION ops_audit_append_only();
        """;

    /// <summary>Inside the current transaction: waits until no other process is appending to the audit chain.</summary>
    internal static Task LockAuditAppendAsync(DatabaseFacade database, CancellationToken ct) =>
        database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({AuditAppendLockKey})", ct);

    /// <summary>Inside the current transaction: waits until no other process is preparing an empty store (its first admin).</summary>
    internal static Task LockFirstRunAsync(DatabaseFacade database, CancellationToken ct) =>
        database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({FirstRunLockKey})", ct);
}
