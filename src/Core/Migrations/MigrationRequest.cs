using OpsConsole.Core.Access;
using OpsConsole.Core.Migrations.Lint;
using OpsConsole.Core.Migrations.Targets;

namespace OpsConsole.Core.Migrations;

/// <summary>
/// One run asked of the engine: which source against which target, for whom, and under which
/// decisions (approval, waivers) the orchestration already made and recorded.
/// </summary>
public sealed record MigrationRequest
{
    public required Actor RequestedBy { get; init; }
    public required MigrationSource Source { get; init; }
    public required ITargetDatabase Target { get; init; }
    public required string Environment { get; init; }

    /// <summary>The batch this run belongs to; the orchestration passes the id of the batch it stored.</summary>
    public Guid BatchId { get; init; } = Guid.CreateVersion7();

    /// <summary>
    /// Only pending changes of this phase, from the first pending one up to the first of the other
    /// phase (an expand change after a pending contract change waits for that contract change).
    /// Null: every pending change.
    /// </summary>
    public MigrationPhase? Phase { get; init; }

    public IReadOnlyList<MigrationWaiver> Waivers { get; init; } = [];
    public string? ApprovedBy { get; init; }
    public DateTime? ApprovedAt { get; init; }

    /// <summary>
    /// The changes (name to checksum) the batch was requested and approved with; null: any pending
    /// change. A change to run that is not among them, or whose checksum differs, blocks the run.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ApprovedChanges { get; init; }

    /// <summary>Apply pending changes that sort before an applied one instead of refusing.</summary>
    public bool AllowOutOfOrder { get; init; }
}

/// <summary>Options of an apply.</summary>
public sealed record ApplyOptions
{
    public static readonly ApplyOptions Default = new();

    /// <summary>When a change fails, also revert the changes this batch already applied (newest first).</summary>
    public bool RevertAppliedOnFailure { get; init; }
}

/// <summary>Which applied changes a revert undoes: the last <see cref="Count"/>, or every one applied after <see cref="ToChange"/>.</summary>
public sealed record RevertTarget(int? Count, string? ToChange)
{
    public static RevertTarget Last(int count) => new(count, null);

    /// <summary>Back to <paramref name="change"/>: it stays applied, everything after it is reverted.</summary>
    public static RevertTarget To(string change) => new(null, change);

    public override string ToString() => ToChange is null ? $"last {Count}" : $"back to {ToChange}";
}

/// <summary>Engine settings: timeouts applied to every target session, and the version stamped into evidence.</summary>
public sealed record MigrationRunnerOptions
{
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How long one statement may run; zero: no limit.</summary>
    public TimeSpan StatementTimeout { get; init; } = TimeSpan.FromMinutes(5);
    public string ConsoleVersion { get; init; } = DefaultVersion();

    private static string DefaultVersion() =>
        typeof(MigrationRunner).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion
        ?? typeof(MigrationRunner).Assembly.GetName().Version?.ToString() ?? "unknown";
}

public enum MigrationRunKind
{
    DryRun,
    Apply,
    Revert,
}

/// <summary>Succeeded; Failed while running (the target is as it was before the failing change); Blocked before touching anything.</summary>
public enum MigrationOutcome
{
    Succeeded,
    Failed,
    Blocked,
}

/// <summary>A step of a run, for live progress in the UI.</summary>
public sealed record MigrationProgress(Guid BatchId, MigrationRunKind Kind, string Step, string? Change, int Completed, int Total, string Message);
