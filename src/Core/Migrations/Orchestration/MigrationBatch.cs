using System.Text.Json;
using OpsConsole.Core.Migrations.Lint;

namespace OpsConsole.Core.Migrations.Orchestration;

public enum MigrationBatchStatus
{
    Pending,
    AwaitingApproval,
    Running,
    Succeeded,
    Failed,
}

/// <summary>
/// One requested run (dry-run, apply or revert) of a service's migrations against one target: who
/// asked and who approved, when it may run, its live progress and, once finished, the per-change
/// results and the sealed evidence with its SHA-256 (which the audit chain also holds).
/// </summary>
public sealed class MigrationBatch
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Service { get; set; }
    public required string Environment { get; set; }
    public MigrationRunKind Kind { get; set; }
    public MigrationBatchStatus Status { get; set; }
    public required string RequestedBy { get; set; }
    public DateTime RequestedAt { get; set; }
    public string? ApprovedBy { get; set; }
    public DateTime? ApprovedAt { get; set; }
    public DateTime? ScheduledFor { get; set; }
    public string WaiversJson { get; set; } = "[]";
    /// <summary>Revert only: how many changes, or back to which change.</summary>
    public int? RevertCount { get; set; }
    public string? RevertTo { get; set; }
    public bool RequiresApproval { get; set; }
    /// <summary>Only pending changes of this phase (a deployment plan's expand or contract step); null: every pending change.</summary>
    public MigrationPhase? Phase { get; set; }
    /// <summary>The deployment plan this batch is a step of, if any.</summary>
    public Guid? PlanId { get; set; }

    /// <summary>Where the SQL came from when the batch was requested (folder, or bundle with its version).</summary>
    public string? SourceOrigin { get; set; }
    /// <summary>The checksum of the whole source at request time: the job refuses to run when the current source differs.</summary>
    public string? SourceChecksum { get; set; }
    /// <summary>The changes as requested, with the SQL of each (<see cref="RecordedBatch"/>): what an approver sees is what may run.</summary>
    public string? ChangesJson { get; set; }

    public int Completed { get; set; }
    public int Total { get; set; }
    public string? Message { get; set; }
    public int Attempts { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public MigrationOutcome? Outcome { get; set; }
    /// <summary>What the run found and did, for the API and the UI (<see cref="MigrationBatchResult"/>).</summary>
    public string? ResultJson { get; set; }
    public string? EvidenceJson { get; set; }
    public string? EvidenceSha256 { get; set; }
    public DateTime UpdatedAt { get; set; }

    public bool IsFinished => Status is MigrationBatchStatus.Succeeded or MigrationBatchStatus.Failed;

    public IReadOnlyList<MigrationWaiver> Waivers => JsonSerializer.Deserialize<List<MigrationWaiver>>(WaiversJson, MigrationBatchResult.Json) ?? [];

    public MigrationBatchResult? Result => ResultJson is null ? null : JsonSerializer.Deserialize<MigrationBatchResult>(ResultJson, MigrationBatchResult.Json);

    public RecordedBatch? Recorded => ChangesJson is null ? null : JsonSerializer.Deserialize<RecordedBatch>(ChangesJson, MigrationBatchResult.Json);

    /// <summary>When the approval stops being valid (null: not approved, or approval not needed).</summary>
    public DateTime? ApprovalExpiresAt(MigrationApprovalPolicy policy) => RequiresApproval && ApprovedAt is { } at ? at + policy.Validity : null;
}

public sealed record RecordedScript(string File, string Sha256, string Sql);

public sealed record RecordedChange(string Name, string Phase, bool Transactional, string Checksum, IReadOnlyList<RecordedScript> Scripts);

/// <summary>
/// What a batch will run, fixed when it is requested: the changes (name, checksum, SQL of each
/// script) with their lint findings and refused statements. <see cref="Scope"/> says how the list
/// was chosen (the target's pending changes, or every change of the source when the target could
/// not be read at request time).
/// </summary>
public sealed record RecordedBatch(string Scope, IReadOnlyList<RecordedChange> Changes, IReadOnlyList<FindingResult> Findings, IReadOnlyList<string> Refused)
{
    public IReadOnlyDictionary<string, string> Checksums => Changes.ToDictionary(c => c.Name, c => c.Checksum, StringComparer.Ordinal);

    public static RecordedBatch From(string scope, IReadOnlyList<MigrationChange> changes, Sql.SqlDialect dialect, IReadOnlyList<MigrationWaiver> waivers) =>
        new(scope,
            changes.Select(c => new RecordedChange(c.Name, c.Phase.ToString().ToLowerInvariant(), c.Transactional, c.Checksum,
                c.Scripts.Select(s => new RecordedScript(s.FileName, s.Sha256, s.Sql)).ToList())).ToList(),
            MigrationLinter.Lint(changes, dialect, waivers).Select(FindingResult.From).ToList(),
            Sql.StatementGuard.Scan(changes, dialect).Select(r => r.ToString()).ToList());
}

public sealed record ChangeResult(string Name, string Phase, string Outcome, long DurationMs, bool? VerifyPassed, string? Verify,
    bool? Reversible, string? Error, IReadOnlyList<string> SchemaChanges, string? Note);

public sealed record FindingResult(string RuleId, string Severity, string Change, string File, int Line, string Message, string Explanation,
    string SafePattern, string? WaivedBy, string? WaiverReason)
{
    public static FindingResult From(LintFinding f) =>
        new(f.RuleId, f.Severity.ToString(), f.Change, f.File, f.Line, f.Message, f.Explanation, f.SafePattern, f.Waiver?.By, f.Waiver?.Reason);
}

/// <summary>The readable part of a finished run, kept beside the evidence document.</summary>
public sealed record MigrationBatchResult(
    string Outcome,
    string Summary,
    string Target,
    IReadOnlyList<ChangeResult> Changes,
    IReadOnlyList<FindingResult> Findings,
    IReadOnlyList<string> Blockers,
    IReadOnlyList<string> Errors,
    string? Diff)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static MigrationBatchResult From(MigrationRunResult run)
    {
        var e = run.Evidence;
        return new MigrationBatchResult(
            e.Outcome.ToString(), e.Summary, e.Target,
            e.Changes.Select(c => new ChangeResult(c.Name, c.Phase.ToString().ToLowerInvariant(), c.Outcome.ToString(), c.DurationMs,
                c.Verify?.Passed, c.Verify?.Message, c.Reversibility is { Checked: true } r ? r.Restored : null,
                c.Error?.ToString(), c.Diff?.Changes.Select(d => d.ToString()).ToList() ?? [], c.Note)).ToList(),
            (e.Preflight?.Findings ?? []).Select(FindingResult.From).ToList(),
            e.Preflight?.Blockers ?? [],
            e.Errors,
            e.Diff is null ? null : e.Diff.UnifiedText);
    }
}
