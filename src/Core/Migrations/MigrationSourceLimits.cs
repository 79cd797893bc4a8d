namespace OpsConsole.Core.Migrations;

/// <summary>
/// Bounds on what a source may hold. An uploaded bundle is untrusted input: the limits keep a zip bomb
/// or a data dump disguised as a migration from exhausting the console.
/// </summary>
public sealed record MigrationSourceLimits
{
    public static readonly MigrationSourceLimits Default = new();

    public long MaxFileBytes { get; init; } = 1024 * 1024;
    public long MaxBundleBytes { get; init; } = 32L * 1024 * 1024;
    public int MaxChanges { get; init; } = 2000;
}
