using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using OpsConsole.Core.Migrations.Sql;

namespace OpsConsole.Core.Migrations.Targets;

/// <summary>What the SQLite and PostgreSQL sessions share: statements, transactions and the history rows.</summary>
internal abstract class TargetSession(DbConnection connection, TargetSessionOptions options, ITargetDatabase target) : ITargetSession
{
    public DbConnection Connection { get; } = connection;
    protected TargetSessionOptions Options { get; } = options;
    protected ITargetDatabase Target { get; } = target;

    /// <summary>One row per applied change (the current state).</summary>
    protected abstract string ChangesTable { get; }

    /// <summary>Every deploy and revert, in order (the history).</summary>
    protected abstract string LogTable { get; }

    protected abstract int CommandTimeoutSeconds { get; }

    public abstract Task<IReadOnlyList<string>> CheckPermissionsAsync(CancellationToken ct = default);
    public abstract Task<LockAttempt> TryLockAsync(CancellationToken ct = default);
    public abstract Task<string?> LockHolderAsync(CancellationToken ct = default);
    public abstract Task EnsureHistoryAsync(DbTransaction? tx, CancellationToken ct = default);
    protected abstract Task<bool> HistoryExistsAsync(DbTransaction? tx, CancellationToken ct);
    public abstract Task<SchemaSnapshot> SnapshotAsync(DbTransaction? tx, CancellationToken ct = default);
    public abstract StatementError DescribeError(Exception error, MigrationScript script, SqlStatement statement);

    protected virtual object TimeValue(DateTime utc) => utc;
    protected virtual DateTime ReadTime(object value) => DateTime.SpecifyKind((DateTime)value, DateTimeKind.Utc);
    protected virtual object GuidValue(Guid id) => id;

    public SqlDialect Dialect => Target.Dialect;

    public async Task<long> CountRowsAsync(DbTransaction? tx, string table, CancellationToken ct = default)
    {
        // PostgreSQL snapshots name tables schema.table; SQLite names are whole.
        var parts = Dialect == SqlDialect.Postgres ? table.Split('.', 2) : [table];
        var quoted = string.Join('.', parts.Select(part => "\"" + part.Replace("\"", "\"\"") + "\""));
        return Convert.ToInt64(await ScalarAsync(tx, $"SELECT count(*) FROM {quoted}", ct), CultureInfo.InvariantCulture);
    }

    public async Task<DbTransaction> BeginAsync(CancellationToken ct = default) => await Connection.BeginTransactionAsync(ct);

    public virtual async Task<StatementResult> ExecuteAsync(DbTransaction? tx, SqlStatement statement, CancellationToken ct = default)
    {
        await using var command = Command(tx, statement.Text);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var result = new StatementResult(false, null);
        if (reader.FieldCount == 1 && await reader.ReadAsync(ct))
            result = new StatementResult(true, reader.IsDBNull(0) ? null : reader.GetValue(0));
        // Later result sets (a statement never has more than one here) and rows are drained on dispose.
        return result;
    }

    public async Task<IReadOnlyList<AppliedChange>> ReadHistoryAsync(string service, DbTransaction? tx, CancellationToken ct = default)
    {
        if (!await HistoryExistsAsync(tx, ct)) return [];
        await using var command = Command(tx,
            $"SELECT change_name, sequence, phase, checksum, file_checksums, applied_at, applied_by, batch_id, duration_ms FROM {ChangesTable} WHERE service = @service ORDER BY applied_at, sequence");
        Parameter(command, "service", service);
        var applied = new List<AppliedChange>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            applied.Add(new AppliedChange(
                service,
                reader.GetString(0),
                Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture),
                Enum.Parse<MigrationPhase>(reader.GetString(2), ignoreCase: true),
                reader.GetString(3),
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(4)) ?? [],
                ReadTime(reader.GetValue(5)),
                reader.GetString(6),
                Guid.Parse(Convert.ToString(reader.GetValue(7), CultureInfo.InvariantCulture)!),
                Convert.ToInt64(reader.GetValue(8), CultureInfo.InvariantCulture)));
        }
        return applied;
    }

    public async Task RecordDeployAsync(DbTransaction? tx, AppliedChange change, CancellationToken ct = default)
    {
        // History row and log row in one round trip: per change this is on the critical path of a batch.
        var (changeRow, logRow) = DeployRows(change);
        await using var command = Command(tx, changeRow.Sql + ";\n" + logRow.Sql);
        foreach (var (n, v) in changeRow.Parameters.Concat(logRow.Parameters).DistinctBy(p => p.Name)) Parameter(command, n, v);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<StatementResult> ExecuteThenRecordDeployAsync(DbTransaction tx, SqlStatement statement, AppliedChange change, CancellationToken ct = default)
    {
        if (!Connection.CanCreateBatch)
        {
            var result = await ExecuteAsync(tx, statement, ct);
            try { await RecordDeployAsync(tx, change, ct); }
            catch (DbException e) { throw new HistoryWriteException(e); }
            return result;
        }
        // The statement, then the history and log rows, in one batch: one round trip instead of two.
        // Should the statement fail or say no, the caller rolls the transaction back, rows included.
        await using var batch = Connection.CreateBatch();
        batch.Transaction = tx;
        batch.Timeout = CommandTimeoutSeconds;
        var verify = batch.CreateBatchCommand();
        verify.CommandText = statement.Text;
        batch.BatchCommands.Add(verify);
        var (changeRow, logRow) = DeployRows(change);
        foreach (var (sql, parameters) in new[] { changeRow, logRow })
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = sql;
            foreach (var (n, v) in parameters)
            {
                var p = command.CreateParameter()!;
                p.ParameterName = n;
                p.Value = v ?? DBNull.Value;
                command.Parameters.Add(p);
            }
            batch.BatchCommands.Add(command);
        }
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(ct);
            var outcome = new StatementResult(false, null);
            if (reader.FieldCount == 1 && await reader.ReadAsync(ct))
                outcome = new StatementResult(true, reader.IsDBNull(0) ? null : reader.GetValue(0));
            // The history rows' results (and any error of theirs) come after the statement's.
            while (await reader.NextResultAsync(ct)) { }
            return outcome;
        }
        catch (DbException e) when (e.BatchCommand is { } failed && !ReferenceEquals(failed, verify))
        {
            throw new HistoryWriteException(e);
        }
    }

    private ((string Sql, (string Name, object? Value)[] Parameters) Change, (string Sql, (string Name, object? Value)[] Parameters) Log) DeployRows(AppliedChange change) => (
        ($"INSERT INTO {ChangesTable} (service, change_name, sequence, phase, checksum, file_checksums, applied_at, applied_by, batch_id, duration_ms) " +
            "VALUES (@service, @name, @sequence, @phase, @checksum, @files, @at, @by, @batch, @duration)",
            [("service", change.Service), ("name", change.Name), ("sequence", change.Sequence), ("phase", change.Phase.ToString().ToLowerInvariant()),
             ("checksum", change.Checksum), ("files", JsonSerializer.Serialize(change.FileChecksums)), ("at", TimeValue(change.AppliedAt)),
             ("by", change.AppliedBy), ("batch", GuidValue(change.BatchId)), ("duration", change.DurationMs)]),
        ($"INSERT INTO {LogTable} (service, change_name, action, checksum, at, by_actor, batch_id, duration_ms) " +
            "VALUES (@service, @name, @action, @checksum, @at, @by, @batch, @duration)",
            [("service", change.Service), ("name", change.Name), ("action", "deploy"), ("checksum", change.Checksum), ("at", TimeValue(change.AppliedAt)),
             ("by", change.AppliedBy), ("batch", GuidValue(change.BatchId)), ("duration", change.DurationMs)]));

    public async Task RecordRevertAsync(DbTransaction? tx, AppliedChange change, Guid batchId, string by, DateTime at, long durationMs, CancellationToken ct = default)
    {
        await using (var command = Command(tx, $"DELETE FROM {ChangesTable} WHERE service = @service AND change_name = @name"))
        {
            Parameter(command, "service", change.Service);
            Parameter(command, "name", change.Name);
            await command.ExecuteNonQueryAsync(ct);
        }
        await LogAsync(tx, change, "revert", batchId, by, at, durationMs, ct);
    }

    private async Task LogAsync(DbTransaction? tx, AppliedChange change, string action, Guid batchId, string by, DateTime at, long durationMs, CancellationToken ct)
    {
        await using var command = Command(tx,
            $"INSERT INTO {LogTable} (service, change_name, action, checksum, at, by_actor, batch_id, duration_ms) VALUES (@service, @name, @action, @checksum, @at, @by, @batch, @duration)");
        Parameter(command, "service", change.Service);
        Parameter(command, "name", change.Name);
        Parameter(command, "action", action);
        Parameter(command, "checksum", change.Checksum);
        Parameter(command, "at", TimeValue(at));
        Parameter(command, "by", by);
        Parameter(command, "batch", GuidValue(batchId));
        Parameter(command, "duration", durationMs);
        await command.ExecuteNonQueryAsync(ct);
    }

    protected DbCommand Command(DbTransaction? tx, string sql)
    {
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        command.CommandTimeout = CommandTimeoutSeconds;
        return command;
    }

    protected static void Parameter(DbCommand command, string name, object? value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        command.Parameters.Add(p);
    }

    protected async Task<List<object?[]>> RowsAsync(DbTransaction? tx, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(tx, sql);
        foreach (var (n, v) in parameters) Parameter(command, n, v);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(ct))
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    protected async Task<object?> ScalarAsync(DbTransaction? tx, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(tx, sql);
        foreach (var (n, v) in parameters) Parameter(command, n, v);
        var value = await command.ExecuteScalarAsync(ct);
        return value is DBNull ? null : value;
    }

    /// <summary>Maps a character offset inside the statement to a 1-based line and column in its file.</summary>
    protected static (int Line, int Column) FilePosition(MigrationScript script, SqlStatement statement, int offsetInStatement) =>
        SqlSplitter.Position(script.Sql, Math.Clamp(statement.Offset + offsetInStatement, 0, Math.Max(0, script.Sql.Length - 1)));

    public abstract ValueTask DisposeAsync();
}
