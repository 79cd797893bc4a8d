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
}

/// <summary>
/// A service's migration target in one environment: SQLite or PostgreSQL, with the connection string
/// kept protected (ASP.NET Data Protection): it is never returned, logged or put in evidence; only
/// <see cref="Description"/> (no credentials) is shown.
/// </summary>
public sealed class MigrationTargetConfig
{
    public required string Service { get; set; }
    public required string Environment { get; set; }
    public Targets.TargetKind Provider { get; set; }
    public required string ProtectedConnectionString { get; set; }
    public required string Description { get; set; }
    /// <summary>Apply and revert wait for a ReleaseManager other than the requester (prod in the demo).</summary>
    public bool RequiresApproval { get; set; }
    public required string UpdatedBy { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public sealed record ChangeResult(string Name, string Phase, string Outcome, long DurationMs, bool? VerifyPassed, string? Verify,
    bool? Reversible, string? Error, IReadOnlyList<string> SchemaChanges, string? Note);

public sealed record FindingResult(string RuleId, string Severity, string Change, string File, int Line, string Message, string Explanation,
    string SafePattern, string? WaivedBy, string? WaiverReason);

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
            (e.Preflight?.Findings ?? []).Select(f => new FindingResult(f.RuleId, f.Severity.ToString(), f.Change, f.File, f.Line, f.Message,
                f.Explanation, f.SafePattern, f.Waiver?.By, f.Waiver?.Reason)).ToList(),
            e.Preflight?.Blockers ?? [],
            e.Errors,
            e.Diff is null ? null : e.Diff.UnifiedText);
    }
}
