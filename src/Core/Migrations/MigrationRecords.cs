using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Migrations;

/// <summary>
/// Puts a finished run into the console's unit of work: an audit entry carrying the evidence's
/// SHA-256 (so the audit chain detects a changed record) and the run's event. The caller stores its
/// batch and the evidence document in the same unit and commits all of it with one SaveChangesAsync.
/// </summary>
public static class MigrationRecords
{
    public static string Subject(MigrationRunResult result) => $"{result.Evidence.Service}/{result.Evidence.Environment}";

    /// <summary>migration.applied, migration.reverted or migration.failed; null for a dry-run, which changes nothing worth announcing.</summary>
    public static string? EventType(MigrationRunResult result) => (result.Evidence.Kind, result.Outcome) switch
    {
        (MigrationRunKind.DryRun, _) => null,
        (MigrationRunKind.Apply, MigrationOutcome.Succeeded) => EventTypes.MigrationApplied,
        (MigrationRunKind.Revert, MigrationOutcome.Succeeded) => EventTypes.MigrationReverted,
        _ => EventTypes.MigrationFailed,
    };

    public static void Record(OpsDbContext db, EventOutbox outbox, Actor actor, MigrationRunResult result)
    {
        var e = result.Evidence;
        var summary = new
        {
            batchId = e.BatchId,
            kind = e.Kind.ToString(),
            outcome = e.Outcome.ToString(),
            service = e.Service,
            environment = e.Environment,
            target = e.Target,
            approvedBy = e.ApprovedBy,
            changes = e.Changes.Select(c => new { name = c.Name, checksum = c.Checksum, outcome = c.Outcome.ToString() }).ToList(),
            waivers = e.Waivers.Select(w => new { change = w.Change, rule = w.RuleId, by = w.By, reason = w.Reason }).ToList(),
            evidenceSha256 = result.Sha256,
            summary = e.Summary,
        };
        var action = e.Kind switch { MigrationRunKind.DryRun => "migration.dry-run", MigrationRunKind.Apply => "migration.apply", _ => "migration.revert" };
        AuditTrail.Record(db, actor, action, Subject(result), after: summary);
        if (EventType(result) is { } type) outbox.Add(db, actor, type, Subject(result), summary);
    }
}
