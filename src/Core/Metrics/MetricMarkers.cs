using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Metrics;

/// <summary>Something that happened to a service/environment, marked on its dashboard's time axis.</summary>
/// <param name="Kind">deploy, rollback, migration, incident or drill (what the dashboard colours by).</param>
/// <param name="Text">The event's sentence, as the event feed shows it.</param>
public sealed record MetricMarker(DateTimeOffset At, string Type, string Kind, string Text, string EventId);

/// <summary>The events whose subject is a service/environment that a dashboard marks: rollouts, rollbacks, migrations, incidents, drills.</summary>
public static class MetricMarkers
{
    public const int MaxMarkers = 500;

    public static readonly IReadOnlyDictionary<string, string> KindByType = new Dictionary<string, string>
    {
        [EventTypes.DeployStarted] = "deploy",
        [EventTypes.DeployCompleted] = "deploy",
        [EventTypes.RollbackExecuted] = "rollback",
        [EventTypes.MigrationApplied] = "migration",
        [EventTypes.MigrationFailed] = "migration",
        [EventTypes.MigrationReverted] = "migration",
        [EventTypes.IncidentOpened] = "incident",
        [EventTypes.IncidentResolved] = "incident",
        [EventTypes.DrillCompleted] = "drill",
    };

    /// <summary>The marked events of the target in [from, to), oldest first, at most <see cref="MaxMarkers"/> (the newest).</summary>
    public static async Task<IReadOnlyList<MetricMarker>> ReadAsync(OpsDbContext db, ServiceEnvironment target, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        var subject = target.ToString();
        var types = KindByType.Keys.ToList();
        var (start, end) = (from.UtcDateTime, to.UtcDateTime);
        var events = await db.OutboxEvents.AsNoTracking()
            .Where(e => e.Subject == subject && types.Contains(e.Type) && e.Time >= start && e.Time < end)
            .OrderByDescending(e => e.Position).Take(MaxMarkers).ToListAsync(ct);
        return events.OrderBy(e => e.Time).ThenBy(e => e.Position)
            .Select(e => new MetricMarker(new DateTimeOffset(e.Time, TimeSpan.Zero), e.Type, KindByType[e.Type], EventSentence.For(EventEnvelope.From(e)), e.Id))
            .ToList();
    }
}
