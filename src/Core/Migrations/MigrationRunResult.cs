using OpsConsole.Core.Migrations.Evidence;

namespace OpsConsole.Core.Migrations;

/// <summary>The evidence of a finished run with its seal: the hash for the audit chain and the downloadable document.</summary>
public sealed record MigrationRunResult(MigrationEvidence Evidence, string Sha256, string Document)
{
    public MigrationOutcome Outcome => Evidence.Outcome;
    public IReadOnlyList<ChangeEvidence> Changes => Evidence.Changes;
    public string Markdown => EvidenceReport.ToMarkdown(Evidence, Sha256);
}
