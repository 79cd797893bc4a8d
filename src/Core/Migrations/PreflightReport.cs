using OpsConsole.Core.Migrations.Lint;
using OpsConsole.Core.Migrations.Targets;

namespace OpsConsole.Core.Migrations;

/// <summary>
/// Everything checked before a run touches the target. <see cref="Blockers"/> lists, in words, each
/// reason the run may not go ahead; an empty list means it may.
/// </summary>
public sealed record PreflightReport(
    string Target,
    bool Connected,
    IReadOnlyList<string> PermissionProblems,
    IReadOnlyList<AppliedChange> Applied,
    IReadOnlyList<PendingChange> Pending,
    IReadOnlyList<string> Batch,
    IReadOnlyList<DriftItem> Drift,
    IReadOnlyList<string> OutOfOrder,
    string? LockHeldBy,
    IReadOnlyList<LintFinding> Findings,
    IReadOnlyList<string> Blockers)
{
    public bool Passed => Blockers.Count == 0;
}
