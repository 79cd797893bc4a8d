using OpsConsole.Core.Migrations.Targets;

namespace OpsConsole.Core.Migrations;

/// <summary>An applied change whose files no longer match what ran, or that the source no longer has.</summary>
public sealed record DriftItem(string Change, string Reason, IReadOnlyList<string> Files, string AppliedChecksum, string? SourceChecksum);

/// <summary>A change not yet applied, in source order.</summary>
public sealed record PendingChange(string Name, int Sequence, MigrationPhase Phase, string Checksum);

/// <summary>
/// Source compared with a target's history: what is applied, what is pending, what drifted, and
/// pending changes that sort before an applied one (out of order: applying them now would run them
/// after changes their author expected to come later).
/// </summary>
public sealed record MigrationStatus(
    string Service,
    IReadOnlyList<AppliedChange> Applied,
    IReadOnlyList<PendingChange> Pending,
    IReadOnlyList<DriftItem> Drift,
    IReadOnlyList<string> OutOfOrder)
{
    public static MigrationStatus Compare(MigrationSource source, IReadOnlyList<AppliedChange> applied)
    {
        var appliedByName = applied.ToDictionary(a => a.Name, StringComparer.Ordinal);
        var drift = new List<DriftItem>();
        foreach (var a in applied)
        {
            var change = source.Find(a.Name);
            if (change is null)
            {
                drift.Add(new DriftItem(a.Name, "applied on the target but missing from the source", [], a.Checksum, null));
                continue;
            }
            if (change.Checksum == a.Checksum) continue;
            var now = change.FileChecksums;
            var files = now.Keys.Union(a.FileChecksums.Keys)
                .Where(f => now.GetValueOrDefault(f) != a.FileChecksums.GetValueOrDefault(f))
                .Select(f => $"{a.Name}/{f}")
                .Order(StringComparer.Ordinal).ToList();
            drift.Add(new DriftItem(a.Name, "changed after it was applied", files, a.Checksum, change.Checksum));
        }
        var pending = source.Changes.Where(c => !appliedByName.ContainsKey(c.Name))
            .Select(c => new PendingChange(c.Name, c.Sequence, c.Phase, c.Checksum)).ToList();
        var highest = applied.Select(a => source.Find(a.Name)?.Sequence ?? a.Sequence).DefaultIfEmpty(int.MinValue).Max();
        var outOfOrder = pending.Where(p => p.Sequence < highest).Select(p => p.Name).ToList();
        return new MigrationStatus(source.Service, applied, pending, drift, outOfOrder);
    }
}
