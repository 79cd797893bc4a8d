using System.Data.Common;
using System.Globalization;
using Npgsql;
using OpsConsole.Core.Migrations.Sql;

namespace OpsConsole.Core.Migrations.Targets.Postgres;

/// <summary>
/// A PostgreSQL database. The migration lock is a session-level advisory lock: it dies with the
/// connection, and the holder is found from pg_locks and the holder's application_name, which names
/// its batch. Every session sets lock_timeout and statement_timeout so a migration waiting behind a
/// long transaction gives up instead of queueing every other query behind it.
/// </summary>
public sealed class PostgresTarget : ITargetDatabase
{
    // The two keys of pg_try_advisory_lock(int, int): "OPSC" and "MIGR", so the lock is recognisable in pg_locks.
    internal const int LockClass = 0x4F505343;
    internal const int LockObject = 0x4D494752;
    // application_name keeps 63 bytes: prefix, purpose and batch id must fit whole for the holder to be named.
    internal const string ApplicationPrefix = "opsconsole";

    private readonly string _connectionString;
    private readonly string _password;

    public PostgresTarget(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            throw new Domain.InvalidInputException("connectionString", "The PostgreSQL connection string cannot be read.");
        }
        _connectionString = builder.ConnectionString;
        _password = builder.Password ?? "";
        Description = $"postgresql://{builder.Host}:{builder.Port}/{builder.Database}";
    }

    public TargetKind Kind => TargetKind.Postgres;
    public SqlDialect Dialect => SqlDialect.Postgres;
    public string Description { get; }

    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        text = text.Replace(_connectionString, "(connection string)", StringComparison.Ordinal);
        if (_password.Length > 0) text = text.Replace(_password, "(secret)", StringComparison.Ordinal);
        return text;
    }

    public async Task<ITargetSession> ConnectAsync(TargetSessionOptions options, CancellationToken ct = default)
    {
        var builder = new NpgsqlConnectionStringBuilder(_connectionString)
        {
            ApplicationName = $"{ApplicationPrefix} {options.Purpose} {options.BatchId}",
            // A pooled physical connection would outlive the run together with its advisory lock.
            Pooling = false,
            // The server's statement_timeout governs; the client waits a little longer so the server's error wins.
            // Zero turns both off, as statement_timeout = 0 does on the server.
            CommandTimeout = options.StatementTimeout > TimeSpan.Zero ? (int)Math.Ceiling(options.StatementTimeout.TotalSeconds) + 10 : 0,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            await using var set = connection.CreateCommand();
            set.CommandText = $"SET lock_timeout = {(long)options.LockTimeout.TotalMilliseconds}; SET statement_timeout = {(long)options.StatementTimeout.TotalMilliseconds}";
            await set.ExecuteNonQueryAsync(ct);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        return new PostgresSession(connection, options, this, builder.CommandTimeout);
    }
}

internal sealed class PostgresSession(NpgsqlConnection connection, TargetSessionOptions options, PostgresTarget target, int commandTimeout)
    : TargetSession(connection, options, target)
{
    private const string HistorySchema = "opsconsole_migrations";
    private bool _locked;

    protected override string ChangesTable => $"{HistorySchema}.changes";
    protected override string LogTable => $"{HistorySchema}.log";
    protected override int CommandTimeoutSeconds => commandTimeout;

    public override async Task<IReadOnlyList<string>> CheckPermissionsAsync(CancellationToken ct = default)
    {
        var problems = new List<string>();
        var row = (await RowsAsync(null, """
            SELECT pg_is_in_recovery(),
                   current_schema(),
                   CASE WHEN current_schema() IS NULL THEN false ELSE has_schema_privilege(current_schema(), 'CREATE') END,
                   to_regnamespace(@schema) IS NOT NULL,
                   has_database_privilege(current_database(), 'CREATE'),
                   CASE WHEN to_regclass(@changes) IS NULL THEN NULL ELSE has_table_privilege(@changes, 'SELECT, INSERT, DELETE') END,
                   CASE WHEN to_regclass(@log) IS NULL THEN NULL ELSE has_table_privilege(@log, 'SELECT, INSERT') END,
                   current_user,
                   r.rolsuper,
                   r.rolcreaterole,
                   pg_has_role(current_user, 'pg_write_server_files', 'MEMBER'),
                   pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER'),
                   pg_has_role(current_user, 'pg_read_server_files', 'MEMBER')
            FROM pg_roles r WHERE r.rolname = current_user
            """, ct, ("schema", HistorySchema), ("changes", ChangesTable), ("log", LogTable))).Single();
        var user = (string)row[7]!;
        // What a migration can reach is what its role can: a role that can act beyond its own database
        // (files, programs, other roles) would let a change's SQL do the same, whatever the runner refuses.
        var beyond = new List<string>();
        if ((bool)row[8]!) beyond.Add("is a superuser");
        if ((bool)row[9]!) beyond.Add("may create roles (CREATEROLE)");
        if ((bool)row[10]!) beyond.Add("is a member of pg_write_server_files");
        if ((bool)row[11]!) beyond.Add("is a member of pg_execute_server_program");
        if ((bool)row[12]!) beyond.Add("is a member of pg_read_server_files");
        if (beyond.Count > 0)
            problems.Add($"The target role {user} {string.Join(", ", beyond)}: a migration could reach beyond its database. " +
                         "Connect the target as a role that owns the application's schema and has none of these (NOSUPERUSER NOCREATEROLE, no pg_*_server_* roles).");
        if ((bool)row[0]!) problems.Add("The target is a read-only standby (in recovery).");
        if (row[1] is null) problems.Add($"The search_path of {user} names no existing schema: changes would have nowhere to create objects.");
        else if (!(bool)row[2]!) problems.Add($"{user} may not create objects in schema {row[1]}.");
        if (!(bool)row[3]! && !(bool)row[4]!) problems.Add($"{user} may not create the history schema {HistorySchema} (needs CREATE on the database, or the schema created beforehand).");
        if (row[5] is false) problems.Add($"{user} may not read and write {ChangesTable}.");
        if (row[6] is false) problems.Add($"{user} may not read and write {LogTable}.");
        return problems;
    }

    public override async Task<LockAttempt> TryLockAsync(CancellationToken ct = default)
    {
        if (_locked) return new LockAttempt(true, null);
        var acquired = (bool)(await ScalarAsync(null, "SELECT pg_try_advisory_lock(@k1, @k2)", ct,
            ("k1", PostgresTarget.LockClass), ("k2", PostgresTarget.LockObject)))!;
        if (acquired)
        {
            _locked = true;
            return new LockAttempt(true, null);
        }
        return new LockAttempt(false, await LockHolderAsync(ct) ?? "another run");
    }

    public override async Task<string?> LockHolderAsync(CancellationToken ct = default)
    {
        if (_locked) return null;
        var rows = await RowsAsync(null, """
            SELECT a.application_name
            FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid::bigint = @k1 AND l.objid::bigint = @k2 AND l.objsubid = 2
            """, ct, ("k1", (long)PostgresTarget.LockClass), ("k2", (long)PostgresTarget.LockObject));
        if (rows.Count == 0) return null;
        var application = rows[0][0] as string ?? "";
        return application.StartsWith(PostgresTarget.ApplicationPrefix + " ", StringComparison.Ordinal)
            ? application[(PostgresTarget.ApplicationPrefix.Length + 1)..]
            : "another run";
    }

    public override async Task EnsureHistoryAsync(DbTransaction? tx, CancellationToken ct = default)
    {
        await using var command = Command(tx, $"""
            CREATE SCHEMA IF NOT EXISTS {HistorySchema};
            CREATE TABLE IF NOT EXISTS {ChangesTable} (
                service text NOT NULL,
                change_name text NOT NULL,
                sequence integer NOT NULL,
                phase text NOT NULL,
                checksum text NOT NULL,
                file_checksums text NOT NULL,
                applied_at timestamptz NOT NULL,
                applied_by text NOT NULL,
                batch_id uuid NOT NULL,
                duration_ms bigint NOT NULL,
                PRIMARY KEY (service, change_name));
            CREATE TABLE IF NOT EXISTS {LogTable} (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                service text NOT NULL,
                change_name text NOT NULL,
                action text NOT NULL,
                checksum text NOT NULL,
                at timestamptz NOT NULL,
                by_actor text NOT NULL,
                batch_id uuid NOT NULL,
                duration_ms bigint NOT NULL);
            """);
        await command.ExecuteNonQueryAsync(ct);
    }

    protected override async Task<bool> HistoryExistsAsync(DbTransaction? tx, CancellationToken ct) =>
        await ScalarAsync(tx, "SELECT to_regclass(@t) IS NOT NULL", ct, ("t", ChangesTable)) is true;

    private const string UserSchemas =
        "n.nspname NOT IN ('pg_catalog', 'information_schema', 'opsconsole_migrations') AND n.nspname NOT LIKE 'pg\\_%'";

    public override async Task<SchemaSnapshot> SnapshotAsync(DbTransaction? tx, CancellationToken ct = default)
    {
        var relations = await RowsAsync(tx, $"""
            SELECT c.oid::bigint, n.nspname || '.' || c.relname, c.relkind::text,
                   CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm') AND {UserSchemas}
            ORDER BY 2
            """, ct);
        var columns = (await RowsAsync(tx, $"""
            SELECT a.attrelid::bigint, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm') AND {UserSchemas}
            ORDER BY a.attrelid, a.attnum
            """, ct)).ToLookup(r => (long)r[0]!);
        var indexes = (await RowsAsync(tx, $"""
            SELECT i.indrelid::bigint, ic.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE {UserSchemas}
            ORDER BY 2
            """, ct)).ToLookup(r => (long)r[0]!);
        var constraints = (await RowsAsync(tx, $"""
            SELECT con.conrelid::bigint, con.conname, con.contype::text, pg_get_constraintdef(con.oid)
            FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE {UserSchemas}
            ORDER BY 2
            """, ct)).ToLookup(r => (long)r[0]!);

        var tables = new List<TableSchema>();
        foreach (var r in relations)
        {
            var oid = (long)r[0]!;
            var kind = (string)r[2]! switch { "v" => "view", "m" => "materialized view", _ => "table" };
            tables.Add(new TableSchema(
                (string)r[1]!,
                kind,
                columns[oid].Select(c => new ColumnSchema((string)c[1]!, (string)c[2]!, !(bool)c[3]!, c[4] as string)).ToList(),
                indexes[oid].Select(i => new IndexSchema((string)i[1]!, (string)i[2]!)).ToList(),
                constraints[oid].Select(k => new ConstraintSchema((string)k[1]!, ConstraintKind((string)k[2]!), (string)k[3]!)).ToList(),
                r[3] is string definition ? string.Join(' ', definition.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)) : null));
        }
        return new SchemaSnapshot(tables);
    }

    private static string ConstraintKind(string contype) => contype switch
    {
        "p" => "primary key",
        "u" => "unique",
        "f" => "foreign key",
        "c" => "check",
        "x" => "exclusion",
        "n" => "not null",
        _ => contype,
    };

    public override StatementError DescribeError(Exception error, MigrationScript script, SqlStatement statement)
    {
        if (error is PostgresException pg)
        {
            var (line, column) = pg.Position > 0 ? FilePosition(script, statement, pg.Position - 1) : (statement.Line, statement.Column);
            var message = pg.MessageText + (pg.Detail is { Length: > 0 } d ? $" ({d})" : "") + (pg.Hint is { Length: > 0 } h ? $" Hint: {h}" : "");
            return new StatementError(script.FileName, statement.Index, line, column, statement.Excerpt(400), Target.Redact(message), pg.SqlState);
        }
        return new StatementError(script.FileName, statement.Index, statement.Line, statement.Column, statement.Excerpt(400), Target.Redact(error.Message),
            (error as NpgsqlException)?.SqlState);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_locked && Connection.State == System.Data.ConnectionState.Open)
        {
            try
            {
                await ScalarAsync(null, "SELECT pg_advisory_unlock(@k1, @k2)", CancellationToken.None,
                    ("k1", PostgresTarget.LockClass), ("k2", PostgresTarget.LockObject));
            }
            catch (NpgsqlException)
            {
                // The lock dies with the connection, which closes next.
            }
        }
        _locked = false;
        await Connection.DisposeAsync();
    }
}
