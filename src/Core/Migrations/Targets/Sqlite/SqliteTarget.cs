using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using OpsConsole.Core.Migrations.Sql;

namespace OpsConsole.Core.Migrations.Targets.Sqlite;

/// <summary>
/// A SQLite database file. SQLite has no advisory lock, so the migration lock is an exclusive lock on
/// a file beside the database (released by the operating system if the console dies); the holder's
/// batch is written to a second file so a refused run can say who holds it.
/// </summary>
public sealed class SqliteTarget : ITargetDatabase
{
    private readonly string _connectionString;

    public SqliteTarget(string connectionString)
    {
        SqliteConnectionStringBuilder builder;
        try
        {
            builder = new SqliteConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            throw new Domain.InvalidInputException("connectionString", "The SQLite connection string cannot be read.");
        }
        // A pooled connection would keep the file open after the run; migrations connect rarely.
        builder.Pooling = false;
        _connectionString = builder.ConnectionString;
        DataSource = builder.DataSource;
        Password = builder.Password;
        IsFile = DataSource.Length > 0 && DataSource != ":memory:" && builder.Mode != SqliteOpenMode.Memory;
    }

    internal string DataSource { get; }
    private string Password { get; }
    private bool IsFile { get; }

    public TargetKind Kind => TargetKind.Sqlite;
    public SqlDialect Dialect => SqlDialect.Sqlite;

    /// <summary>The file name only: the folder it lives in says something about the host and is not needed to recognise it.</summary>
    public string Description => IsFile ? $"sqlite:{Path.GetFileName(DataSource)}" : "sqlite:(memory)";

    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        text = text.Replace(_connectionString, "(connection string)", StringComparison.Ordinal);
        if (Password.Length > 0) text = text.Replace(Password, "(secret)", StringComparison.Ordinal);
        if (IsFile) text = text.Replace(DataSource, Path.GetFileName(DataSource), StringComparison.Ordinal);
        return text;
    }

    public async Task<ITargetSession> ConnectAsync(TargetSessionOptions options, CancellationToken ct = default)
    {
        var connection = new SqliteConnection(_connectionString)
        {
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.LockTimeout.TotalSeconds)),
        };
        try
        {
            await connection.OpenAsync(ct);
            SqliteConfinement.Apply(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        return new SqliteSession(connection, options, this);
    }

    internal string? LockFile => IsFile ? Path.GetFullPath(DataSource) + ".migrate-lock" : null;
    internal string? HolderFile => IsFile ? Path.GetFullPath(DataSource) + ".migrate-holder" : null;
}

internal sealed class SqliteSession(SqliteConnection connection, TargetSessionOptions options, SqliteTarget target)
    : TargetSession(connection, options, target)
{
    private FileStream? _lock;

    protected override string ChangesTable => "opsconsole_migrations_changes";
    protected override string LogTable => "opsconsole_migrations_log";
    protected override int CommandTimeoutSeconds => Math.Max(1, (int)Math.Ceiling(Options.LockTimeout.TotalSeconds));

    protected override object TimeValue(DateTime utc) => utc.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
    protected override DateTime ReadTime(object value) =>
        DateTime.Parse(Convert.ToString(value, CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
    protected override object GuidValue(Guid id) => id.ToString();

    /// <summary>
    /// SQLite has no server-side statement timeout and its command Cancel does nothing, so a timer
    /// interrupts the connection (sqlite3_interrupt) when a statement outlives the timeout.
    /// </summary>
    public override async Task<StatementResult> ExecuteAsync(DbTransaction? tx, SqlStatement statement, CancellationToken ct = default)
    {
        var gate = new object();
        var running = true;
        var handle = ((SqliteConnection)Connection).Handle;
        await using var timer = new Timer(_ =>
        {
            lock (gate)
                if (running && handle is not null) SQLitePCL.raw.sqlite3_interrupt(handle);
        }, null, Options.StatementTimeout > TimeSpan.Zero ? Options.StatementTimeout : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        try
        {
            return await base.ExecuteAsync(tx, statement, ct);
        }
        finally
        {
            lock (gate) running = false;
        }
    }

    public override async Task<IReadOnlyList<string>> CheckPermissionsAsync(CancellationToken ct = default)
    {
        var problems = new List<string>();
        if (Convert.ToInt64(await ScalarAsync(null, "PRAGMA query_only", ct), CultureInfo.InvariantCulture) != 0)
            problems.Add("The SQLite connection is query-only.");
        // Opened read-only (Mode=ReadOnly, or a file the process may not write): SQLite says so per database.
        if (SQLitePCL.raw.sqlite3_db_readonly(((SqliteConnection)Connection).Handle, "main") == 1)
            problems.Add("The SQLite database cannot be written: it is open read-only.");
        else
        {
            try
            {
                // A write transaction takes the file's reserved lock: refused while another writer holds it past the busy timeout.
                using var tx = ((SqliteConnection)Connection).BeginTransaction(deferred: false);
                tx.Rollback();
            }
            catch (SqliteException e)
            {
                problems.Add("The SQLite database cannot be written: " + Target.Redact(e.Message));
            }
        }
        return problems;
    }

    public override Task<LockAttempt> TryLockAsync(CancellationToken ct = default)
    {
        var target = (SqliteTarget)Target;
        if (target.LockFile is null || _lock is not null) return Task.FromResult(new LockAttempt(true, null));
        try
        {
            _lock = new FileStream(target.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            File.WriteAllText(target.HolderFile!, $"{Options.Purpose} {Options.BatchId}");
            return Task.FromResult(new LockAttempt(true, null));
        }
        catch (IOException)
        {
            return Task.FromResult(new LockAttempt(false, ReadHolder(target)));
        }
    }

    public override Task<string?> LockHolderAsync(CancellationToken ct = default)
    {
        var target = (SqliteTarget)Target;
        if (target.LockFile is null || _lock is not null) return Task.FromResult<string?>(null);
        try
        {
            using var probe = new FileStream(target.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return Task.FromResult<string?>(null);
        }
        catch (IOException)
        {
            return Task.FromResult<string?>(ReadHolder(target));
        }
    }

    private static string ReadHolder(SqliteTarget target)
    {
        try
        {
            var text = File.ReadAllText(target.HolderFile!).Trim();
            return text.Length > 0 ? text : "another run";
        }
        catch (IOException)
        {
            return "another run";
        }
    }

    public override async Task EnsureHistoryAsync(DbTransaction? tx, CancellationToken ct = default)
    {
        await using var command = Command(tx, $"""
            CREATE TABLE IF NOT EXISTS {ChangesTable} (
                service TEXT NOT NULL,
                change_name TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                phase TEXT NOT NULL,
                checksum TEXT NOT NULL,
                file_checksums TEXT NOT NULL,
                applied_at TEXT NOT NULL,
                applied_by TEXT NOT NULL,
                batch_id TEXT NOT NULL,
                duration_ms INTEGER NOT NULL,
                PRIMARY KEY (service, change_name));
            CREATE TABLE IF NOT EXISTS {LogTable} (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                service TEXT NOT NULL,
                change_name TEXT NOT NULL,
                action TEXT NOT NULL,
                checksum TEXT NOT NULL,
                at TEXT NOT NULL,
                by_actor TEXT NOT NULL,
                batch_id TEXT NOT NULL,
                duration_ms INTEGER NOT NULL);
            """);
        await command.ExecuteNonQueryAsync(ct);
    }

    protected override async Task<bool> HistoryExistsAsync(DbTransaction? tx, CancellationToken ct) =>
        await ScalarAsync(tx, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = @name", ct, ("name", ChangesTable)) is not null;

    public override async Task<SchemaSnapshot> SnapshotAsync(DbTransaction? tx, CancellationToken ct = default)
    {
        var objects = await RowsAsync(tx,
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' " +
            "AND name NOT LIKE 'opsconsole\\_migrations\\_%' ESCAPE '\\' ORDER BY name", ct);
        var tables = new List<TableSchema>();
        foreach (var row in objects)
        {
            var kind = (string)row[0]!;
            var name = (string)row[1]!;
            var sql = row[2] as string ?? "";
            var columns = (await RowsAsync(tx, "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_xinfo(@t) ORDER BY cid", ct, ("t", name)))
                .Select(c => new ColumnSchema((string)c[0]!, (string)c[1]!, Convert.ToInt64(c[2], CultureInfo.InvariantCulture) == 0, c[3] as string))
                .ToList();
            if (kind == "view")
            {
                tables.Add(new TableSchema(name, "view", columns, [], [], Normalise(sql)));
                continue;
            }
            var indexes = new List<IndexSchema>();
            var constraints = new List<ConstraintSchema>();
            var pk = (await RowsAsync(tx, "SELECT name FROM pragma_table_xinfo(@t) WHERE pk > 0 ORDER BY pk", ct, ("t", name))).Select(r => (string)r[0]!).ToList();
            if (pk.Count > 0) constraints.Add(new ConstraintSchema("primary key", "primary key", $"PRIMARY KEY ({string.Join(", ", pk)})"));
            foreach (var index in await RowsAsync(tx, "SELECT name, \"unique\", origin, partial FROM pragma_index_list(@t) ORDER BY name", ct, ("t", name)))
            {
                var indexName = (string)index[0]!;
                var origin = (string)index[2]!;
                var cols = (await RowsAsync(tx, "SELECT name FROM pragma_index_info(@i) ORDER BY seqno", ct, ("i", indexName))).Select(r => r[0] as string ?? "(expression)");
                if (origin == "c")
                {
                    var definition = await ScalarAsync(tx, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = @i", ct, ("i", indexName)) as string;
                    indexes.Add(new IndexSchema(indexName, Normalise(definition ?? "")));
                }
                else if (origin == "u")
                {
                    var definition = $"UNIQUE ({string.Join(", ", cols)})";
                    constraints.Add(new ConstraintSchema(definition, "unique", definition));
                }
            }
            foreach (var fk in (await RowsAsync(tx, "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(@t) ORDER BY id, seq", ct, ("t", name)))
                         .GroupBy(r => Convert.ToInt64(r[0], CultureInfo.InvariantCulture)))
            {
                var first = fk.First();
                var definition = $"FOREIGN KEY ({string.Join(", ", fk.Select(r => r[2]))}) REFERENCES {first[1]} ({string.Join(", ", fk.Select(r => r[3] ?? ""))})"
                                 + $" ON UPDATE {first[4]} ON DELETE {first[5]}";
                constraints.Add(new ConstraintSchema(definition, "foreign key", definition));
            }
            foreach (var check in Checks(sql))
                constraints.Add(new ConstraintSchema(check, "check", check));
            tables.Add(new TableSchema(name, "table", columns, indexes, constraints));
        }
        return new SchemaSnapshot(tables);
    }

    /// <summary>SQLite keeps CHECK constraints only in the table's SQL text: find each CHECK (...) there.</summary>
    private static IEnumerable<string> Checks(string tableSql)
    {
        var statement = SqlSplitter.Split(tableSql, SqlDialect.Sqlite) is [var first, ..] ? first : null;
        if (statement is null) yield break;
        var tokens = statement.Tokens;
        for (var i = 0; i + 1 < tokens.Count; i++)
        {
            if (!tokens[i].Is("CHECK") || tokens[i + 1].Text != "(") continue;
            var depth = 0;
            var end = i + 1;
            for (; end < tokens.Count; end++)
            {
                if (tokens[end].Text == "(") depth++;
                else if (tokens[end].Text == ")" && --depth == 0) break;
            }
            if (end >= tokens.Count) yield break;
            yield return "CHECK " + Normalise(tableSql[tokens[i + 1].Offset..(tokens[end].Offset + 1)]);
        }
    }

    private static string Normalise(string sql) =>
        string.Join(' ', sql.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));

    public override StatementError DescribeError(Exception error, MigrationScript script, SqlStatement statement)
    {
        var message = error switch
        {
            SqliteException { SqliteErrorCode: SqliteConfinement.NotAuthorized } s => $"refused by the console's target guard ({s.Message}): " +
                "a change may not attach or write other database files, load extensions, or use PRAGMAs that change files or schema trust",
            SqliteException { SqliteErrorCode: 9 } => $"interrupted: the statement ran longer than the statement timeout ({Options.StatementTimeout.TotalSeconds:0.#} s)",
            SqliteException s => s.Message,
            _ => error.Message,
        };
        var code = error is SqliteException se ? $"SQLITE_{se.SqliteErrorCode}" : null;
        return new StatementError(script.FileName, statement.Index, statement.Line, statement.Column, statement.Excerpt(400), Target.Redact(message), code);
    }

    public override async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        if (_lock is not null)
        {
            var target = (SqliteTarget)Target;
            try { File.Delete(target.HolderFile!); } catch (IOException) { }
            await _lock.DisposeAsync();
            _lock = null;
        }
    }
}
