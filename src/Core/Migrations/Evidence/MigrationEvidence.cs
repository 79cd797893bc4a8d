using OpsConsole.Core.Migrations.Lint;
using OpsConsole.Core.Migrations.Targets;

namespace OpsConsole.Core.Migrations.Evidence;

public sealed record ScriptEvidence(string File, string Sha256, string Sql);

/// <summary>Verify passes when it raises no error and no single-value query of it returns false or 0.</summary>
public sealed record VerifyEvidence(bool Passed, string Message);

/// <summary>Deploy, verify, revert, then compare with the schema before deploy: the revert is trusted only when they are equal.</summary>
public sealed record ReversibilityEvidence(bool Checked, bool Restored, string Note, IReadOnlyList<SchemaChange> Differences);

/// <summary>Rows of a table the batch writes, before and after a dry-run: a difference means data escaped the rehearsal.</summary>
public sealed record TableRowCount(string Table, long? Before, long? After);

public enum ChangeOutcome
{
    /// <summary>Deployed and verified, committed.</summary>
    Applied,
    /// <summary>Deployed and verified in the dry-run, then rolled back.</summary>
    Rehearsed,
    /// <summary>Its revert ran and was committed.</summary>
    Reverted,
    /// <summary>Failed; its transaction was rolled back.</summary>
    Failed,
    /// <summary>Applied by this batch, then reverted because a later change failed.</summary>
    RolledBack,
    /// <summary>Not run on purpose (see the note).</summary>
    Skipped,
    /// <summary>Not reached: an earlier change failed.</summary>
    NotRun,
}

public sealed record ChangeEvidence(
    string Name,
    int Sequence,
    MigrationPhase Phase,
    bool Transactional,
    string Checksum,
    IReadOnlyList<ScriptEvidence> Scripts,
    ChangeOutcome Outcome,
    DateTime? StartedAt,
    long DurationMs,
    VerifyEvidence? Verify,
    ReversibilityEvidence? Reversibility,
    SchemaDiff? Diff,
    StatementError? Error,
    string? Note);

/// <summary>
/// The immutable record of one run (dry-run, apply or revert): who asked and who approved, when,
/// against what (redacted), what ran with which checksums and how long it took, what lint found and
/// who waived it, the schema before and after, and every error. Sealed by <see cref="EvidenceSeal"/>.
/// </summary>
public sealed record MigrationEvidence(
    int Format,
    Guid BatchId,
    MigrationRunKind Kind,
    MigrationOutcome Outcome,
    string Summary,
    string Service,
    string Environment,
    MigrationPhase? Phase,
    string? RevertTarget,
    TargetKind TargetKind,
    string Target,
    string SourceOrigin,
    string SourceChecksum,
    string RequestedBy,
    string CorrelationId,
    string? ApprovedBy,
    DateTime? ApprovedAt,
    DateTime StartedAt,
    DateTime FinishedAt,
    long DurationMs,
    string ConsoleVersion,
    PreflightReport? Preflight,
    IReadOnlyList<MigrationWaiver> Waivers,
    IReadOnlyList<ChangeEvidence> Changes,
    SchemaSnapshot? SchemaBefore,
    SchemaSnapshot? SchemaAfter,
    SchemaDiff? Diff,
    IReadOnlyList<string> Errors,
    IReadOnlyList<TableRowCount>? RowCounts = null)
{
    public const int CurrentFormat = 1;
}
