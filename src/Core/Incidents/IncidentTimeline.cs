using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Incidents;

[JsonConverter(typeof(JsonStringEnumConverter<TimelineKind>))]
public enum TimelineKind
{
    /// <summary>The incident's own life: opened, acknowledged, mitigated, resolved, commander, severity.</summary>
    Incident,
    Note,
    Alert,
    Page,
    Runbook,
    /// <summary>A deploy, rollback, rollout step or migration of an affected service ("what changed").</summary>
    Change,
    Other,
}

/// <summary>
/// One line of an incident's timeline: when, what kind, a sentence a person reads, who, and where to
/// look further (the rollout or migration batch page). <paramref name="BeforeOpening"/> marks the
/// changes in the window before the incident opened: "what changed".
/// </summary>
public sealed record TimelineEntry(
    DateTime Time, TimelineKind Kind, string Type, string Sentence, string? Actor, string? Link, string? LinkText, string? EventId, bool BeforeOpening);

/// <summary>
/// The timeline that fills itself, read when asked (nothing is copied): the incident's own rows
/// (status moves, notes, commander), the stored events tied to it (data <c>incidentId</c>: pages,
/// runbook steps; data <c>fingerprint</c> of a linked alert: firing, resolved) and every deploy,
/// rollback, rollout step and migration of its services from two hours before it opened until it
/// was resolved. Ordered by time; entries at the same time keep store order.
/// </summary>
public static class IncidentTimeline
{
    /// <summary>How far back "what changed" looks from the moment the incident opened.</summary>
    public static readonly TimeSpan WhatChangedWindow = TimeSpan.FromHours(2);

    /// <summary>Alerts linked to the incident are followed from when they started, but not further back than this.</summary>
    public static readonly TimeSpan AlertLookBack = TimeSpan.FromHours(24);

    /// <summary>Event types that change what a service runs.</summary>
    public static readonly IReadOnlyList<string> ChangeTypes =
    [
        EventTypes.DeployStarted, EventTypes.DeployCompleted, EventTypes.RollbackExecuted, EventTypes.RolloutStepChanged, EventTypes.RolloutRequested,
        EventTypes.RolloutAction, EventTypes.AnalysisFailed, EventTypes.MigrationApplied, EventTypes.MigrationFailed, EventTypes.MigrationReverted,
    ];

    public const int MaxEvents = 2000;

    public static bool IsChange(string type) => ChangeTypes.Contains(type) || type.StartsWith("rollout.", StringComparison.Ordinal);

    public static async Task<IReadOnlyList<TimelineEntry>> BuildAsync(OpsDbContext db, Incident incident, CancellationToken ct = default)
    {
        var entries = new List<TimelineEntry>();
        entries.AddRange(OwnRows(incident));

        var changesFrom = incident.OpenedAt - WhatChangedWindow;
        var until = incident.ResolvedAt;
        var seen = new HashSet<long>();

        // What changed: the affected services' deploys, rollbacks and migrations (their subject is service/environment).
        foreach (var service in incident.Services.Select(s => s.Service).Distinct())
        {
            var prefix = service + "/";
            var q = db.OutboxEvents.AsNoTracking().Where(e => e.Time >= changesFrom && e.Subject.StartsWith(prefix));
            if (until is { } u) q = q.Where(e => e.Time <= u);
            foreach (var e in await q.OrderBy(e => e.Time).ThenBy(e => e.Position).Take(MaxEvents).ToListAsync(ct))
            {
                if (!IsChange(e.Type) || !incident.Services.Any(s => s.Covers(e.Subject)) || !seen.Add(e.Position)) continue;
                entries.Add(FromEvent(e, incident));
            }
        }

        // Events tied to the incident by id (pages, runbook steps): no time bound, they name it.
        var idNumber = $"\"incidentId\":{incident.Id}";
        var idString = $"\"incidentId\":\"{incident.Id}\"";
        var tied = await db.OutboxEvents.AsNoTracking()
            .Where(e => e.Time >= changesFrom && (e.CloudEventJson.Contains(idNumber) || e.CloudEventJson.Contains(idString)))
            .OrderBy(e => e.Time).ThenBy(e => e.Position).Take(MaxEvents).ToListAsync(ct);
        foreach (var e in tied)
        {
            // The incident's own events are shown from its rows (with the notes' text and the actors).
            if (e.Type.StartsWith("incident.", StringComparison.Ordinal)) continue;
            if (IncidentIdOf(e) != incident.Id || !seen.Add(e.Position)) continue;
            entries.Add(FromEvent(e, incident));
        }

        // Events about its alerts, from when they started until the incident was resolved.
        foreach (var alert in incident.Alerts)
        {
            var from = Max(Min(alert.StartsAt, changesFrom), incident.OpenedAt - AlertLookBack);
            var q = db.OutboxEvents.AsNoTracking().Where(e => e.Time >= from && e.CloudEventJson.Contains(alert.Fingerprint));
            if (until is { } u) q = q.Where(e => e.Time <= u);
            foreach (var e in await q.OrderBy(e => e.Time).ThenBy(e => e.Position).Take(MaxEvents).ToListAsync(ct))
            {
                if (e.Type.StartsWith("incident.", StringComparison.Ordinal)) continue;
                if (!Fingerprints(e).Contains(alert.Fingerprint) || !seen.Add(e.Position)) continue;
                entries.Add(FromEvent(e, incident));
            }
        }

        return entries.OrderBy(e => e.Time).ToList();
    }

    /// <summary>The "what changed" part: changes of the affected services in the window before the incident opened.</summary>
    public static IReadOnlyList<TimelineEntry> WhatChanged(IEnumerable<TimelineEntry> timeline) =>
        timeline.Where(e => e.Kind == TimelineKind.Change && e.BeforeOpening).ToList();

    /// <summary>Whether a relayed event may add to this incident's timeline (a live page re-reads on these).</summary>
    public static bool Concerns(EventEnvelope e, long incidentId, IReadOnlyCollection<AffectedService> services, IReadOnlyCollection<string> fingerprints)
    {
        if (e.CloudEventJson.Contains($"\"incidentId\":{incidentId}", StringComparison.Ordinal)
            || e.CloudEventJson.Contains($"\"incidentId\":\"{incidentId}\"", StringComparison.Ordinal)) return true;
        if (IsChange(e.Type) && services.Any(s => s.Covers(e.Subject))) return true;
        return fingerprints.Any(f => e.CloudEventJson.Contains(f, StringComparison.Ordinal));
    }

    private static IEnumerable<TimelineEntry> OwnRows(Incident i)
    {
        var sev = IncidentRules.Label(i.Severity);
        var how = i.Origin switch { "alert" => " from an alert", "rollback" => " on a rollback in prod", _ => "" };
        yield return new TimelineEntry(i.OpenedAt, TimelineKind.Incident, EventTypes.IncidentOpened,
            $"Incident opened{how} by {i.OpenedBy} as {sev}: {i.Title}", i.OpenedBy, null, null, null, false);
        var moves = new List<TimelineEntry>();
        if (i.AcknowledgedAt is { } ack)
            moves.Add(new TimelineEntry(ack, TimelineKind.Incident, EventTypes.IncidentAcknowledged, $"Acknowledged by {i.AcknowledgedBy}", i.AcknowledgedBy, null, null, null, false));
        if (i.MitigatedAt is { } mit)
            moves.Add(new TimelineEntry(mit, TimelineKind.Incident, EventTypes.IncidentMitigated, $"Mitigated, said {i.MitigatedBy}", i.MitigatedBy, null, null, null, false));
        foreach (var l in i.Log.OrderBy(l => l.At).ThenBy(l => l.Id))
        {
            moves.Add(l.Kind == IncidentLogKind.Note
                ? new TimelineEntry(l.At, TimelineKind.Note, EventTypes.IncidentNoteAdded, $"Note by {l.Actor}: {l.Text}", l.Actor, null, null, null, false)
                : new TimelineEntry(l.At, TimelineKind.Incident, $"incident.{l.Kind.ToString().ToLowerInvariant()}", l.Text, l.Actor,
                    l.Kind == IncidentLogKind.RunbookAttached && i.Runbooks.FirstOrDefault(r => l.Text.EndsWith($"({r.Slug}).", StringComparison.Ordinal)) is { } rb ? $"/runbooks/{Uri.EscapeDataString(rb.Slug)}" : null,
                    l.Kind == IncidentLogKind.RunbookAttached ? "runbook" : null, null, false));
        }
        if (i.ResolvedAt is { } res)
            moves.Add(new TimelineEntry(res, TimelineKind.Incident, EventTypes.IncidentResolved, $"Resolved by {i.ResolvedBy}", i.ResolvedBy, null, null, null, false));
        foreach (var m in moves.OrderBy(m => m.Time)) yield return m;
    }

    private static TimelineEntry FromEvent(OutboxEvent stored, Incident incident)
    {
        var e = EventEnvelope.From(stored);
        using var doc = Parse(stored.CloudEventJson);
        var data = doc?.RootElement.TryGetProperty("data", out var d) == true && d.ValueKind == JsonValueKind.Object ? d : default;
        var kind = IsChange(e.Type) ? TimelineKind.Change
            : e.Type.StartsWith("alert.", StringComparison.Ordinal) ? TimelineKind.Alert
            : e.Type.StartsWith("page.", StringComparison.Ordinal) ? TimelineKind.Page
            : e.Type.StartsWith("runbook.", StringComparison.Ordinal) ? TimelineKind.Runbook
            : TimelineKind.Other;
        var (link, linkText) = LinkOf(data);
        return new TimelineEntry(stored.Time, kind, e.Type, SentenceFor(e, data), e.Actor, link, linkText, e.Id,
            kind == TimelineKind.Change && stored.Time <= incident.OpenedAt);
    }

    /// <summary><see cref="EventSentence"/> where it knows the type; else a sentence from the on-call fields the event carries.</summary>
    public static string SentenceFor(EventEnvelope e, JsonElement data)
    {
        var sentence = EventSentence.For(e);
        var by = e.Actor is { Length: > 0 } a ? $" by {a}" : "";
        if (sentence != $"{e.Type} {e.Subject}{by}") return sentence;
        string? S(params string[] names)
        {
            if (data.ValueKind != JsonValueKind.Object) return null;
            foreach (var n in names)
                foreach (var p in data.EnumerateObject())
                    if (string.Equals(p.Name, n, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                        return p.Value.ToString();
            return null;
        }
        string Labelled(string name) => data.ValueKind == JsonValueKind.Object && data.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object
                                        && l.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        var alert = S("alertName", "alertname", "name") ?? (Labelled("alertname") is { Length: > 0 } ln ? ln : S("fingerprint"));
        var who = S("user", "userName", "to", "recipient", "target");
        return e.Type switch
        {
            EventTypes.AlertFiring => $"alert {alert} firing" + (S("summary") is { } s ? $": {s}" : ""),
            EventTypes.AlertResolved => $"alert {alert} resolved",
            EventTypes.PageSent => $"paged {who ?? "the on-call person"}" + (S("channel", "receiver", "via") is { } c ? $" by {c}" : ""),
            EventTypes.PageEscalated => $"page escalated" + (S("level") is { } lv ? $" to level {lv}" : "") + (who is null ? "" : $": {who}"),
            EventTypes.PageAcknowledged => $"page acknowledged by {S("by", "user") ?? e.Actor}",
            EventTypes.RunbookRunStarted => $"runbook {S("title", "slug", "runbook") ?? ""} run started{by}".Replace("  ", " ", StringComparison.Ordinal),
            EventTypes.RunbookStepExecuted => $"runbook step {S("step", "title", "action") ?? ""} {S("outcome", "status", "result") ?? "done"}{by}".Replace("  ", " ", StringComparison.Ordinal),
            _ => sentence,
        };
    }

    private static (string? Link, string? Text) LinkOf(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object) return (null, null);
        if (data.TryGetProperty("rolloutId", out var r) && r.ValueKind == JsonValueKind.String && Guid.TryParse(r.GetString(), out var rollout))
            return ($"/rollouts/{rollout}", "rollout");
        if (data.TryGetProperty("batchId", out var b) && b.ValueKind == JsonValueKind.String && Guid.TryParse(b.GetString(), out var batch))
            return ($"/migrations/batches/{batch}", "migration batch");
        if (data.TryGetProperty("slug", out var s) && s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 } slug)
            return ($"/runbooks/{Uri.EscapeDataString(slug)}", "runbook");
        return (null, null);
    }

    private static long? IncidentIdOf(OutboxEvent e)
    {
        using var doc = Parse(e.CloudEventJson);
        if (doc is null || !doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
            || !data.TryGetProperty("incidentId", out var id)) return null;
        return id.ValueKind switch
        {
            JsonValueKind.Number when id.TryGetInt64(out var n) => n,
            JsonValueKind.String when long.TryParse(id.GetString(), out var n) => n,
            _ => null,
        };
    }

    private static HashSet<string> Fingerprints(OutboxEvent e)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        using var doc = Parse(e.CloudEventJson);
        if (doc is null || !doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object) return result;
        if (data.TryGetProperty("fingerprint", out var f) && f.ValueKind == JsonValueKind.String) result.Add(f.GetString()!);
        if (data.TryGetProperty("fingerprints", out var fs) && fs.ValueKind == JsonValueKind.Array)
            foreach (var x in fs.EnumerateArray())
                if (x.ValueKind == JsonValueKind.String) result.Add(x.GetString()!);
        return result;
    }

    private static JsonDocument? Parse(string json)
    {
        try { return JsonDocument.Parse(json); }
        catch (JsonException) { return null; }
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;
}
