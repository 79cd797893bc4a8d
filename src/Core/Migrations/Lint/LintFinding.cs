namespace OpsConsole.Core.Migrations.Lint;

/// <summary>
/// A ReleaseManager's decision to accept the findings of one rule in one change, with the reason.
/// The orchestration records who may waive; the engine only honours and reports them.
/// </summary>
public sealed record MigrationWaiver(string Change, string RuleId, string By, string Reason);

/// <summary>One place where a rule fired, with what to do about it.</summary>
public sealed record LintFinding(
    string RuleId,
    LintSeverity Severity,
    string Change,
    string File,
    int Line,
    string Statement,
    string Message,
    string Explanation,
    string SafePattern,
    MigrationWaiver? Waiver = null)
{
    public bool Waived => Waiver is not null;

    /// <summary>An error nobody waived stops the run.</summary>
    public bool Blocks => Severity == LintSeverity.Error && Waiver is null;
}
