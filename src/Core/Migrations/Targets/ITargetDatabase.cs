using System.Data.Common;
using OpsConsole.Core.Migrations.Sql;

namespace OpsConsole.Core.Migrations.Targets;

public enum TargetKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A database a service's migrations run against. It holds the connection string, which is a secret:
/// only <see cref="Description"/> (no credentials) leaves it, and <see cref="Redact"/> scrubs the
/// secret from any text (driver messages) before that text reaches evidence, logs or events.
/// </summary>
public interface ITargetDatabase
{
    TargetKind Kind { get; }
    SqlDialect Dialect { get; }

    /// <summary>Where the target is, without credentials: safe for evidence and the UI.</summary>
    string Description { get; }

    Task<ITargetSession> ConnectAsync(TargetSessionOptions options, CancellationToken ct = default);

    string Redact(string text);
}

/// <summary>How a session behaves: who it runs for (named in the lock) and its timeouts.</summary>
public sealed record TargetSessionOptions(Guid BatchId, string Purpose, TimeSpan LockTimeout, TimeSpan StatementTimeout);

/// <summary>The outcome of asking for the target's migration lock.</summary>
public sealed record LockAttempt(bool Acquired, string? HeldBy);

/// <summary>What a statement returned: the first value of its first row when it returned exactly one column.</summary>
public sealed record StatementResult(bool HasSingleValue, object? Value);

/// <summary>
/// One connection to a target for one run. Its lock, once taken, is held until the session ends, so
/// two runners against the same database never interleave. Methods taking a transaction run inside
/// it; with null they run on their own (autocommit).
/// </summary>
public interface ITargetSession : IAsyncDisposable
{
    DbConnection Connection { get; }

    SqlDialect Dialect { get; }

    /// <summary>The number of rows of a table named as <see cref="SnapshotAsync"/> names it.</summary>
    Task<long> CountRowsAsync(DbTransaction? tx, string table, CancellationToken ct = default);

    /// <summary>Problems that would stop a migration: read-only target, missing privileges.</summary>
    Task<IReadOnlyList<string>> CheckPermissionsAsync(CancellationToken ct = default);

    /// <summary>Takes the migration lock without waiting; when another run holds it, says which batch.</summary>
    Task<LockAttempt> TryLockAsync(CancellationToken ct = default);

    /// <summary>Who holds the lock now (null: free), without taking it.</summary>
    Task<string?> LockHolderAsync(CancellationToken ct = default);

    Task<DbTransaction> BeginAsync(CancellationToken ct = default);

    Task EnsureHistoryAsync(DbTransaction? tx, CancellationToken ct = default);

    Task<IReadOnlyList<AppliedChange>> ReadHistoryAsync(string service, DbTransaction? tx, CancellationToken ct = default);

    Task RecordDeployAsync(DbTransaction? tx, AppliedChange change, CancellationToken ct = default);

    /// <summary>
    /// Runs <paramref name="statement"/> (a change's last verify statement) and records the deploy,
    /// inside <paramref name="tx"/>, in one round trip where the driver can batch. A failure of the
    /// statement is thrown as the driver threw it; a failure to record as <see cref="HistoryWriteException"/>.
    /// </summary>
    Task<StatementResult> ExecuteThenRecordDeployAsync(DbTransaction tx, SqlStatement statement, AppliedChange change, CancellationToken ct = default);

    Task RecordRevertAsync(DbTransaction? tx, AppliedChange change, Guid batchId, string by, DateTime at, long durationMs, CancellationToken ct = default);

    Task<SchemaSnapshot> SnapshotAsync(DbTransaction? tx, CancellationToken ct = default);

    Task<StatementResult> ExecuteAsync(DbTransaction? tx, SqlStatement statement, CancellationToken ct = default);

    /// <summary>Turns a driver exception for <paramref name="statement"/> into a redacted error with its position in the file.</summary>
    StatementError DescribeError(Exception error, MigrationScript script, SqlStatement statement);
}

/// <summary>Writing a change's history rows failed (not the change's own SQL); the message is the driver's.</summary>
public sealed class HistoryWriteException(Exception inner) : Exception(inner.Message, inner);

/// <summary>A change as the target's history records it.</summary>
public sealed record AppliedChange(
    string Service,
    string Name,
    int Sequence,
    MigrationPhase Phase,
    string Checksum,
    IReadOnlyDictionary<string, string> FileChecksums,
    DateTime AppliedAt,
    string AppliedBy,
    Guid BatchId,
    long DurationMs);

/// <summary>A failed statement: which file, which statement, where (1-based line and column), and the database's message.</summary>
public sealed record StatementError(string File, int StatementIndex, int Line, int Column, string Statement, string Message, string? SqlState)
{
    public override string ToString() => $"{File} statement {StatementIndex + 1} (line {Line}, column {Column}): {Message}";
}
