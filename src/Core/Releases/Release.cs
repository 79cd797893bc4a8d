namespace OpsConsole.Core.Releases;

/// <summary>
/// A build of one service that CI registered: what it is (version, commit), where it came from
/// (build, artifact) and what changed (changelog). Immutable once registered: a repeat with the
/// same content is the same release, a different content for the same service and version is a
/// conflict. Test results arrive later as <see cref="ReleaseCheck"/>s.
/// </summary>
public sealed class Release
{
    public const int MaxChangelogLength = 20_000;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Service { get; set; }
    public required string Version { get; set; }
    public required string CommitSha { get; set; }
    public DateTime CommitTime { get; set; }
    public string? BuildUrl { get; set; }
    public string? ArtifactRef { get; set; }
    public string Changelog { get; set; } = "";
    public required string RegisteredBy { get; set; }
    public DateTime RegisteredAt { get; set; }

    /// <summary>SHA-256 of the registered content, so an identical repeat is recognised without comparing field by field.</summary>
    public required string ContentHash { get; set; }

    public List<ReleaseCheck> Checks { get; set; } = [];
}

/// <summary>
/// One named check (e.g. <c>unit</c>, <c>e2e</c>) reported for a release from a JUnit XML report.
/// A later report under the same name replaces the earlier one (a re-run of the CI job).
/// </summary>
public sealed class ReleaseCheck
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ReleaseId { get; set; }
    public required string Name { get; set; }
    public bool Passed { get; set; }
    public int Tests { get; set; }
    public int Failures { get; set; }
    public int Errors { get; set; }
    public int Skipped { get; set; }
    public double DurationSeconds { get; set; }

    /// <summary>The names of the failed test cases (at most a few dozen), as a JSON array.</summary>
    public string FailedTestsJson { get; set; } = "[]";
    public required string ReportedBy { get; set; }
    public DateTime ReportedAt { get; set; }
}
