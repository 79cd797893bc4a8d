using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Incidents;

/// <summary>Incident settings: whether a rollback in a production environment opens an incident on its own.</summary>
/// <param name="OpenOnProdRollback"><c>OPS_INCIDENT_ON_PROD_ROLLBACK</c> (default true).</param>
/// <param name="ProdEnvironments"><c>OPS_INCIDENT_PROD_ENVIRONMENTS</c> (default <c>prod</c>).</param>
public sealed record IncidentSettings(bool OpenOnProdRollback, IReadOnlySet<string> ProdEnvironments)
{
    public static readonly IncidentSettings Default = new(true, new HashSet<string>(StringComparer.Ordinal) { "prod" });

    /// <summary>Reads the two settings; anything but "false"/"0"/"no"/"off" leaves the automatic incident on.</summary>
    public static IncidentSettings From(string? onProdRollback, string? prodEnvironments)
    {
        var on = onProdRollback?.Trim().ToLowerInvariant() is not ("false" or "0" or "no" or "off");
        var envs = (prodEnvironments ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(e => e.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        return new IncidentSettings(on, envs.Count == 0 ? Default.ProdEnvironments : envs);
    }
}

/// <summary>
/// Opens an incident when a rollout rolls back in a production environment. It is an event sink, so
/// the incident, its audit entry and its <c>incident.opened</c> event commit in the same transaction
/// that marks the <c>rollback.executed</c> event relayed: a crash redoes both or neither, and the
/// store's unique index on the originating event id keeps it to one incident per rollback even when
/// the event is relayed twice.
/// </summary>
public sealed class ProdRollbackIncidents(IncidentSettings settings, EventOutbox outbox, TimeProvider clock, ILogger<ProdRollbackIncidents> logger) : IEventSink
{
    public const IncidentSeverity Severity = IncidentSeverity.Sev2;

    public async Task OnEventAsync(EventEnvelope envelope, OpsDbContext db, CancellationToken ct)
    {
        if (!settings.OpenOnProdRollback || envelope.Type != EventTypes.RollbackExecuted) return;
        try
        {
            await OpenAsync(envelope, db, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not DbUpdateException)
        {
            // A rollback event this sink cannot read must not hold up every later event.
            logger.LogError(ex, "No incident could be opened for rollback event {EventId}", envelope.Id);
        }
    }

    private async Task OpenAsync(EventEnvelope e, OpsDbContext db, CancellationToken ct)
    {
        var (service, environment, version, stable, reason, drill) = Read(e);
        // A rollback drill rolls back on purpose; the drill opens its own incident when it fails.
        if (drill) return;
        if (service is null || environment is null || !settings.ProdEnvironments.Contains(environment)) return;
        if (db.Incidents.Local.Any(i => i.OriginEventId == e.Id) || await db.Incidents.AnyAsync(i => i.OriginEventId == e.Id, ct)) return;

        var now = clock.GetUtcNow().UtcDateTime;
        if (now < e.Time) now = e.Time; // the rollback comes first on the timeline, whatever the clocks say
        var title = $"{service}/{environment}: {version ?? "a new version"} was rolled back" + (stable is null ? "" : $" to {stable}");
        var actor = Actor.System($"rollback-{e.Id}");
        var affected = IncidentRules.ParseServices([$"{service}/{environment}"]);
        var incident = new Incident
        {
            Id = await IncidentQueries.NextIdAsync(db, ct),
            Title = title.Length > Incident.MaxTitleLength ? title[..Incident.MaxTitleLength] : title,
            Severity = Severity, Origin = "rollback", OriginEventId = e.Id, OpenedAt = now, OpenedBy = actor.Name, UpdatedAt = now,
            Services = affected,
        };
        incident.Log.Add(new IncidentLogEntry
        {
            At = now, Actor = actor.Name, Kind = IncidentLogKind.Note,
            Text = "Opened on its own because the rollout rolled back in production" + (string.IsNullOrWhiteSpace(reason) ? "." : $": {Cut(reason, 1000)}"),
        });
        db.Incidents.Add(incident);
        IncidentDesk.RecordOpened(db, outbox, actor, incident);
        logger.LogInformation("Rollback of {Service}/{Environment} opened incident {IncidentId}", service, environment, incident.Id);
    }

    private static (string? Service, string? Environment, string? Version, string? Stable, string? Reason, bool Drill) Read(EventEnvelope e)
    {
        string? service = null, environment = null, version = null, stable = null, reason = null;
        var drill = false;
        using (var doc = JsonDocument.Parse(e.CloudEventJson))
        {
            if (doc.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
            {
                service = Str(data, "service");
                environment = Str(data, "environment");
                version = Str(data, "version");
                stable = Str(data, "stableVersion");
                reason = Str(data, "reason");
                drill = data.TryGetProperty("drill", out var d) && d.ValueKind == JsonValueKind.True;
            }
        }
        if (service is null || environment is null)
        {
            var parts = e.Subject.Split('/');
            if (parts.Length == 2) (service, environment) = (parts[0], parts[1]);
        }
        return (service, environment, version, stable, reason, drill);
    }

    private static string? Str(JsonElement data, string name) =>
        data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..max];
}
