using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Runbooks;

namespace OpsConsole.Core.Incidents;

/// <summary>
/// Opens incidents (by hand, from an alert) and applies people's actions to them. Every change is
/// checked against the actor's roles, audited and emitted as an event in one unit of work; bad
/// input or a refused move changes nothing.
/// </summary>
public sealed class IncidentDesk(
    OpsDbContext db, EventOutbox outbox, TimeProvider clock,
    IRunbookMatcher? runbooks = null, IAlertLookup? alerts = null, ILogger<IncidentDesk>? logger = null) : IIncidentIntake
{
    private readonly ILogger _log = logger ?? NullLogger<IncidentDesk>.Instance;

    /// <summary>Whether "open from an alert" can find alerts in this console (Alerting is installed).</summary>
    public bool CanLookUpAlerts => alerts is not null;

    public async Task<Incident> OpenAsync(Actor actor, string? title, string? severity, IEnumerable<string?>? services, string? environment = null,
        CancellationToken ct = default)
    {
        actor.Require("open incidents", IncidentRules.ManageRoles);
        var checkedTitle = IncidentRules.CheckTitle(title);
        var sev = IncidentRules.ParseSeverity(severity);
        var affected = IncidentRules.ParseServices(services, environment);
        return await SaveNewAsync(() =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            return new Incident
            {
                Title = checkedTitle, Severity = sev, Origin = "manual", OpenedAt = now, OpenedBy = actor.Name, UpdatedAt = now,
                Services = affected.Select(s => new AffectedService { Service = s.Service, Environment = s.Environment }).ToList(),
            };
        }, actor, ct);
    }

    /// <inheritdoc />
    public async Task<long> OpenFromAlertAsync(Actor actor, AlertSnapshot alert, IncidentSeverity severity, CancellationToken ct)
    {
        actor.Require("open incidents", IncidentRules.ManageRoles);
        if (string.IsNullOrWhiteSpace(alert.Fingerprint)) throw new InvalidInputException("fingerprint", "The alert has no fingerprint.");
        if (!Enum.IsDefined(severity)) throw new InvalidInputException("severity", $"Severity {(int)severity} is not one of SEV1–SEV4.");
        if (await HolderOfAsync(alert.Fingerprint, ct) is { } held) return held;

        var matched = await MatchRunbooksAsync(alert, ct);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var incident = await SaveNewAsync(() => FromAlert(actor, alert, severity, matched), actor, ct, retries: 1);
                return incident.Id;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Another notification for the same alert won the race (the store holds an alert in one
                // open incident only), or took the id: return its incident, or try again.
                db.ChangeTracker.Clear();
                if (await HolderOfAsync(alert.Fingerprint, ct) is { } raced) return raced;
            }
        }
    }

    /// <summary>The "open incident" button on an alert: looks the alert up by fingerprint, then as <see cref="OpenFromAlertAsync"/>.</summary>
    public async Task<long> OpenFromFingerprintAsync(Actor actor, string? fingerprint, string? severity, CancellationToken ct = default)
    {
        actor.Require("open incidents", IncidentRules.ManageRoles);
        var sev = IncidentRules.ParseSeverity(severity);
        var fp = (fingerprint ?? "").Trim();
        if (fp.Length == 0) throw new InvalidInputException("fingerprint", "Name the alert by its fingerprint.");
        if (alerts is null) throw new NotFoundException($"Alert '{fp}' (this console does not receive alerts yet, so none)");
        var alert = await alerts.FindAsync(fp, ct) ?? throw new NotFoundException($"Alert '{fp}'");
        return await OpenFromAlertAsync(actor, alert, sev, ct);
    }

    public Task<Incident> AcknowledgeAsync(Actor actor, long id, CancellationToken ct = default) => MoveAsync(actor, id, IncidentStatus.Acknowledged, ct);
    public Task<Incident> MitigateAsync(Actor actor, long id, CancellationToken ct = default) => MoveAsync(actor, id, IncidentStatus.Mitigated, ct);
    public Task<Incident> ResolveAsync(Actor actor, long id, CancellationToken ct = default) => MoveAsync(actor, id, IncidentStatus.Resolved, ct);

    public Task<Incident> MoveAsync(Actor actor, long id, IncidentStatus target, CancellationToken ct = default)
    {
        actor.Require($"{IncidentRules.Verb(target)} incidents", IncidentRules.ManageRoles);
        if (target == IncidentStatus.Open) throw new ConflictException("An incident does not go back to open.");
        var type = target switch
        {
            IncidentStatus.Acknowledged => EventTypes.IncidentAcknowledged,
            IncidentStatus.Mitigated => EventTypes.IncidentMitigated,
            _ => EventTypes.IncidentResolved,
        };
        return ChangeAsync(actor, id, $"incident.{IncidentRules.Verb(target)}", type, (incident, now) =>
        {
            incident.MoveTo(target, actor.Name, now);
            return null;
        }, ct);
    }

    public Task<Incident> AddNoteAsync(Actor actor, long id, string? text, CancellationToken ct = default)
    {
        actor.Require("write incident notes", IncidentRules.ManageRoles);
        var note = IncidentRules.CheckNote(text);
        return ChangeAsync(actor, id, "incident.note", EventTypes.IncidentNoteAdded, (incident, now) =>
        {
            incident.Log.Add(new IncidentLogEntry { At = now, Actor = actor.Name, Kind = IncidentLogKind.Note, Text = note });
            incident.Touch(now);
            return new Dictionary<string, object?> { ["note"] = note };
        }, ct);
    }

    /// <summary>Names the incident's commander (an enabled user of this console), or clears it with an empty name.</summary>
    public async Task<Incident> SetCommanderAsync(Actor actor, long id, string? userName, CancellationToken ct = default)
    {
        actor.Require("name incident commanders", IncidentRules.ManageRoles);
        var name = string.IsNullOrWhiteSpace(userName) ? null : userName.Trim();
        if (name is not null)
        {
            var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.UserName == name, ct)
                       ?? throw new InvalidInputException("commander", $"There is no user '{name}'.");
            if (user.IsDisabled()) throw new InvalidInputException("commander", $"User '{name}' is disabled.");
        }
        return await ChangeAsync(actor, id, "incident.commander", null, (incident, now) =>
        {
            if (incident.Commander == name) throw new ConflictException(name is null ? $"Incident {id} has no commander." : $"{name} already commands incident {id}.");
            incident.Commander = name;
            incident.Log.Add(new IncidentLogEntry
            {
                At = now, Actor = actor.Name, Kind = IncidentLogKind.Commander,
                Text = name is null ? "No commander any more." : $"{name} is the incident commander.",
            });
            incident.Touch(now);
            return null;
        }, ct);
    }

    public async Task<Incident> SetSeverityAsync(Actor actor, long id, string? severity, CancellationToken ct = default)
    {
        actor.Require("change incident severity", IncidentRules.ManageRoles);
        var sev = IncidentRules.ParseSeverity(severity);
        return await ChangeAsync(actor, id, "incident.severity", null, (incident, now) =>
        {
            if (incident.Severity == sev) throw new ConflictException($"Incident {id} already is {IncidentRules.Label(sev)}.");
            incident.Log.Add(new IncidentLogEntry
            {
                At = now, Actor = actor.Name, Kind = IncidentLogKind.Severity,
                Text = $"Severity changed from {IncidentRules.Label(incident.Severity)} to {IncidentRules.Label(sev)}.",
            });
            incident.Severity = sev;
            incident.Touch(now);
            return null;
        }, ct);
    }

    public Task<Incident?> LoadAsync(long id, CancellationToken ct = default) => IncidentQueries.LoadAsync(db, id, ct: ct);

    private async Task<Incident> ChangeAsync(Actor actor, long id, string auditAction, string? eventType,
        Func<Incident, DateTime, Dictionary<string, object?>?> change, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var incident = await IncidentQueries.LoadAsync(db, id, tracked: true, ct) ?? throw new NotFoundException($"Incident {id}");
            var before = Summary(incident);
            var now = clock.GetUtcNow().UtcDateTime;
            var extra = change(incident, now);
            AuditTrail.Record(db, actor, auditAction, $"incident/{id}", before: before, after: Summary(incident));
            if (eventType is not null) outbox.Add(db, actor, eventType, incident.Subject, EventData(incident, actor, extra));
            try
            {
                await db.SaveChangesAsync(ct);
                return incident;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                // Someone else changed it in between: apply the change again to the fresh state (it may now be refused).
                db.ChangeTracker.Clear();
            }
        }
    }

    private async Task<Incident> SaveNewAsync(Func<Incident> create, Actor actor, CancellationToken ct, int retries = 3)
    {
        for (var attempt = 1; ; attempt++)
        {
            var incident = create();
            incident.Id = await IncidentQueries.NextIdAsync(db, ct);
            db.Incidents.Add(incident);
            RecordOpened(db, outbox, actor, incident);
            try
            {
                await db.SaveChangesAsync(ct);
                return incident;
            }
            catch (DbUpdateException) when (attempt < retries)
            {
                // Another incident took the id in between: take the next one.
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>The audit entry and the <c>incident.opened</c> event for a new incident, in the caller's unit of work.</summary>
    public static void RecordOpened(OpsDbContext db, EventOutbox outbox, Actor actor, Incident incident)
    {
        AuditTrail.Record(db, actor, "incident.open", $"incident/{incident.Id}", after: Summary(incident));
        outbox.Add(db, actor, EventTypes.IncidentOpened, incident.Subject, EventData(incident, actor, new Dictionary<string, object?>
        {
            ["origin"] = incident.Origin,
            ["fingerprints"] = incident.Alerts.Select(a => a.Fingerprint).ToList(),
        }));
    }

    /// <summary>What every incident event carries (the timeline convention: <c>incidentId</c>), plus the event's own fields.</summary>
    public static Dictionary<string, object?> EventData(Incident i, Actor actor, Dictionary<string, object?>? extra = null)
    {
        var data = new Dictionary<string, object?>
        {
            ["incidentId"] = i.Id,
            ["title"] = i.Title,
            ["severity"] = IncidentRules.Label(i.Severity),
            ["services"] = i.ServiceNames,
            ["status"] = i.Status.ToString().ToLowerInvariant(),
            ["commander"] = i.Commander,
            ["by"] = actor.Name,
        };
        foreach (var (k, v) in extra ?? []) data[k] = v;
        return data;
    }

    private static object Summary(Incident i) => new
    {
        incidentId = i.Id, title = i.Title, severity = IncidentRules.Label(i.Severity), status = i.Status.ToString(), commander = i.Commander, services = i.ServiceNames,
    };

    private async Task<long?> HolderOfAsync(string fingerprint, CancellationToken ct) =>
        await db.Set<IncidentAlert>().AsNoTracking().Where(a => a.OpenFingerprint == fingerprint).Select(a => (long?)a.IncidentId).FirstOrDefaultAsync(ct);

    private async Task<IReadOnlyList<RunbookReference>> MatchRunbooksAsync(AlertSnapshot alert, CancellationToken ct)
    {
        if (runbooks is null) return [];
        try
        {
            return await runbooks.ForAlertLabelsAsync(alert.Labels, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A runbook index that cannot answer must not keep the incident from opening.
            _log.LogWarning(ex, "Runbooks for alert {Fingerprint} could not be matched", alert.Fingerprint);
            return [];
        }
    }

    private Incident FromAlert(Actor actor, AlertSnapshot alert, IncidentSeverity severity, IReadOnlyList<RunbookReference> matched)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var summary = alert.Annotations.TryGetValue("summary", out var s) && !string.IsNullOrWhiteSpace(s) ? s.Trim() : null;
        var title = new string((summary is null ? alert.Name : $"{alert.Name}: {summary}").Where(c => !char.IsControl(c)).ToArray());
        if (title.Length > Incident.MaxTitleLength) title = title[..(Incident.MaxTitleLength - 1)] + "…";
        List<AffectedService> services;
        try { services = alert.Service is { } svc ? IncidentRules.ParseServices([svc], alert.Environment) : []; }
        catch (InvalidInputException) { services = []; } // labels that are no console service name: the incident still opens
        var fp = alert.Fingerprint.Trim();
        var incident = new Incident
        {
            Title = title.Length == 0 ? fp : title, Severity = severity, Origin = "alert", OpenedAt = now, OpenedBy = actor.Name, UpdatedAt = now,
            Services = services,
            Alerts =
            [
                new IncidentAlert
                {
                    Fingerprint = fp, OpenFingerprint = fp, Name = Cut(alert.Name, 200), LabelsJson = JsonSerializer.Serialize(alert.Labels),
                    StartsAt = alert.StartsAt.Kind == DateTimeKind.Utc ? alert.StartsAt : alert.StartsAt.ToUniversalTime(), LinkedAt = now,
                },
            ],
            Runbooks = matched.DistinctBy(r => r.Slug).Select(r => new IncidentRunbook { Slug = Cut(r.Slug, 200), Title = Cut(r.Title, 300), AttachedAt = now }).ToList(),
        };
        incident.Log.Add(new IncidentLogEntry { At = now, Actor = actor.Name, Kind = IncidentLogKind.AlertLinked, Text = $"Alert {alert.Name} ({fp}) linked." });
        foreach (var r in incident.Runbooks)
            incident.Log.Add(new IncidentLogEntry { At = now, Actor = actor.Name, Kind = IncidentLogKind.RunbookAttached, Text = $"Runbook {r.Title} attached ({r.Slug})." });
        return incident;
    }

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..max];
}
