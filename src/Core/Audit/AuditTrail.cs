using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Audit;

/// <summary>
/// Adds audit entries to the unit of work of the change they describe, so the entry and the change
/// commit together. Sequence and hashes are assigned by <see cref="OpsDbContext"/> at save time.
/// </summary>
public static class AuditTrail
{
    private static readonly JsonSerializerOptions SummaryJson = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    public static AuditEntry Record(OpsDbContext db, Actor actor, string action, string target, object? before = null, object? after = null)
    {
        var entry = new AuditEntry
        {
            At = DateTime.UtcNow,
            Actor = actor.Name,
            Action = action,
            Target = target,
            CorrelationId = actor.CorrelationId,
            Before = Summarise(before),
            After = Summarise(after),
        };
        db.AuditEntries.Add(entry);
        return entry;
    }

    private static string? Summarise(object? value) => value switch
    {
        null => null,
        string s => s,
        _ => JsonSerializer.Serialize(value, SummaryJson),
    };

    public static async Task<AuditVerification> VerifyAsync(OpsDbContext db, CancellationToken ct = default)
    {
        // Streamed in sequence order: a long trail is checked without loading it whole.
        var entries = db.AuditEntries.AsNoTracking().OrderBy(e => e.Sequence).AsAsyncEnumerable();
        var walk = new AuditChainWalk();
        await foreach (var e in entries.WithCancellation(ct))
            if (walk.Next(e) is { } broken) return broken;
        return walk.Result();
    }
}
