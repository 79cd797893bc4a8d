namespace OpsConsole.Core.Migrations;

/// <summary>
/// When a change may run relative to a rollout: expand changes are compatible with the version still
/// running and go first; contract changes remove what only the old version needed and go after the
/// rollout succeeded.
/// </summary>
public enum MigrationPhase
{
    Expand,
    Contract,
}

/// <summary>One SQL file of a change, as read: its text and the SHA-256 of its bytes.</summary>
public sealed record MigrationScript(string FileName, string Sql, string Sha256);

/// <summary>
/// One ordered change of a service: deploy, verify and (ideally) revert scripts. Its checksum covers
/// the three scripts, so editing any of them after the change was applied is drift.
/// </summary>
public sealed record MigrationChange(
    string Name,
    int Sequence,
    MigrationPhase Phase,
    bool Transactional,
    string? Description,
    MigrationScript Deploy,
    MigrationScript Verify,
    MigrationScript? Revert,
    string Checksum)
{
    public IEnumerable<MigrationScript> Scripts => Revert is null ? [Deploy, Verify] : [Deploy, Verify, Revert];

    /// <summary>Per-file checksums, kept in the target's history so drift can name the files that changed.</summary>
    public IReadOnlyDictionary<string, string> FileChecksums =>
        Scripts.ToDictionary(s => s.FileName, s => s.Sha256, StringComparer.Ordinal);
}
