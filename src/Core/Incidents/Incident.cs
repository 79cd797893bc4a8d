using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Incidents;

/// <summary>Where an incident is in its life; it only moves forward.</summary>
public enum IncidentStatus
{
    Open = 0,
    Acknowledged = 1,
    Mitigated = 2,
    Resolved = 3,
}

/// <summary>
/// Something is wrong and people are on it: a title, a severity, the services it hurts, a
/// commander, the alerts that belong to it and the runbooks written for them. The status moves
/// open → acknowledged → mitigated → resolved, forward only (a step may be skipped: a false alarm is
/// resolved straight away); each move records when and by whom.
/// </summary>
public sealed class Incident
{
    public const int MaxTitleLength = 200;

    /// <summary>Assigned by the console (one more than the highest), so events can name it in the same unit of work that opens it.</summary>
    public long Id { get; set; }
    public required string Title { get; set; }
    public IncidentSeverity Severity { get; set; }
    public IncidentStatus Status { get; set; }
    /// <summary>The user leading the response, if one was named.</summary>
    public string? Commander { get; set; }
    /// <summary>How it was opened: <c>manual</c>, <c>alert</c> or <c>rollback</c>.</summary>
    public required string Origin { get; set; }
    /// <summary>The event that opened it on its own (a prod rollback): at most one incident per event.</summary>
    public string? OriginEventId { get; set; }

    public DateTime OpenedAt { get; set; }
    public required string OpenedBy { get; set; }
    public DateTime? AcknowledgedAt { get; set; }
    public string? AcknowledgedBy { get; set; }
    public DateTime? MitigatedAt { get; set; }
    public string? MitigatedBy { get; set; }
    public DateTime? ResolvedAt { get; set; }
    public string? ResolvedBy { get; set; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>Bumped on every change; two people acting at once do not overwrite each other.</summary>
    public long Generation { get; set; }

    public List<AffectedService> Services { get; set; } = [];
    public List<IncidentAlert> Alerts { get; set; } = [];
    public List<IncidentRunbook> Runbooks { get; set; } = [];
    public List<IncidentLogEntry> Log { get; set; } = [];

    public bool IsOpen => Status != IncidentStatus.Resolved;

    /// <summary>The services as <c>service</c> or <c>service/environment</c>, in the order given.</summary>
    public IReadOnlyList<string> ServiceNames => Services.OrderBy(s => s.Id).Select(s => s.ToString()).ToList();

    /// <summary>The CloudEvents subject of the incident's events: its first service (so a hub subscription to <c>checkout/*</c> sees it), else <c>incident/{id}</c>.</summary>
    public string Subject => Services.OrderBy(s => s.Id).FirstOrDefault() is { } first ? first.ToString() : $"incident/{Id}";

    /// <summary>Moves the status forward to <paramref name="target"/>; anything else is a conflict and changes nothing.</summary>
    public void MoveTo(IncidentStatus target, string by, DateTime now)
    {
        if (target <= Status)
            throw new ConflictException(Status == target
                ? $"Incident {Id} is already {Status.ToString().ToLowerInvariant()}."
                : $"Incident {Id} is {Status.ToString().ToLowerInvariant()}: it cannot go back to {target.ToString().ToLowerInvariant()}.");
        switch (target)
        {
            case IncidentStatus.Acknowledged:
                AcknowledgedAt = now;
                AcknowledgedBy = by;
                break;
            case IncidentStatus.Mitigated:
                MitigatedAt = now;
                MitigatedBy = by;
                break;
            case IncidentStatus.Resolved:
                ResolvedAt = now;
                ResolvedBy = by;
                // A resolved incident no longer holds its alerts: the next firing opens a new one.
                foreach (var a in Alerts) a.OpenFingerprint = null;
                break;
            default:
                throw new ConflictException($"Incident {Id} cannot move to {target}.");
        }
        Status = target;
        Touch(now);
    }

    public void Touch(DateTime now)
    {
        UpdatedAt = now;
        Generation++;
    }
}

/// <summary>A service the incident hurts, optionally in one environment (none: every environment).</summary>
public sealed class AffectedService
{
    public long Id { get; set; }
    public long IncidentId { get; set; }
    public required string Service { get; set; }
    public string? Environment { get; set; }

    /// <summary><c>service/environment</c>, or <c>service</c> alone.</summary>
    public override string ToString() => Environment is null ? Service : $"{Service}/{Environment}";

    /// <summary>Whether an event subject (<c>service/environment</c>) is about this service.</summary>
    public bool Covers(string subject) => Environment is null
        ? subject.StartsWith(Service + "/", StringComparison.Ordinal)
        : subject == $"{Service}/{Environment}";
}

/// <summary>An alert that belongs to the incident, found by its fingerprint.</summary>
public sealed class IncidentAlert
{
    public long Id { get; set; }
    public long IncidentId { get; set; }
    public required string Fingerprint { get; set; }
    public required string Name { get; set; }
    public string LabelsJson { get; set; } = "{}";
    public DateTime StartsAt { get; set; }
    public DateTime LinkedAt { get; set; }
    /// <summary>The fingerprint while the incident is open, null after: unique, so one alert is held by at most one open incident.</summary>
    public string? OpenFingerprint { get; set; }
}

/// <summary>A runbook attached to the incident (matched from its alerts' labels).</summary>
public sealed class IncidentRunbook
{
    public long Id { get; set; }
    public long IncidentId { get; set; }
    public required string Slug { get; set; }
    public required string Title { get; set; }
    public DateTime AttachedAt { get; set; }
}

public enum IncidentLogKind
{
    Note,
    Commander,
    Severity,
    AlertLinked,
    RunbookAttached,
}

/// <summary>Something people wrote or did on the incident beyond moving its status: notes, a new commander, a linked alert.</summary>
public sealed class IncidentLogEntry
{
    public const int MaxNoteLength = 4000;

    public long Id { get; set; }
    public long IncidentId { get; set; }
    public DateTime At { get; set; }
    public required string Actor { get; set; }
    public IncidentLogKind Kind { get; set; }
    public required string Text { get; set; }
}
