using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Events;
using OpsConsole.Core.Incidents;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.GameDays;

/// <summary>What a timeline line is about; TTD/TTA/TTM are read from these.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GameDayItemKind>))]
public enum GameDayItemKind { Status, Fault, Abort, Recovery, Note, Alert, Page, Acknowledgement, Incident, Mitigation, Runbook, Rollback, Change, Other }

/// <summary>One line of a game day's timeline: its own record or an event from its scope.</summary>
public sealed record GameDayTimelineItem(DateTime At, GameDayItemKind Kind, string Type, string Text, string? Actor);

/// <summary>
/// The timeline that collects itself, read when asked: the game day's own entries (status, faults,
/// aborts, restarts, notes) and the stored events of its run interval that concern its scope: events
/// whose subject is a scope's service/environment (alerts, deploys, rollbacks, incidents), and the
/// events tied to those alerts (fingerprint) or incidents (incidentId): pages, acknowledgements,
/// runbook steps. Ordered by time.
/// </summary>
public static class GameDayTimeline
{
    public const int MaxEvents = 5000;

    public static async Task<IReadOnlyList<GameDayTimelineItem>> BuildAsync(OpsDbContext db, GameDay gameDay, DateTime now, CancellationToken ct = default)
    {
        var items = gameDay.Entries.OrderBy(e => e.At).ThenBy(e => e.Id).Select(Own).ToList();
        if (gameDay.StartedAt is not { } from) return items;
        var until = gameDay.EndedAt ?? now;
        var events = await db.OutboxEvents.AsNoTracking().Where(e => e.Time >= from && e.Time <= until)
            .OrderBy(e => e.Time).ThenBy(e => e.Position).Take(MaxEvents).ToListAsync(ct);
        items.AddRange(FromEvents(gameDay, events));
        return items.OrderBy(i => i.At).ToList();
    }

    /// <summary>The events of the interval that concern the scope, as timeline lines (two passes: first the scope's own subjects, then what is tied to their alerts and incidents).</summary>
    public static IReadOnlyList<GameDayTimelineItem> FromEvents(GameDay gameDay, IReadOnlyList<OutboxEvent> events)
    {
        var scope = gameDay.Plan.Scope.ToHashSet(StringComparer.Ordinal);
        var fingerprints = new HashSet<string>(StringComparer.Ordinal);
        var incidents = new HashSet<long>();
        var parsed = events.Select(e => (Event: e, Data: DataOf(e))).ToList();
        foreach (var (e, data) in parsed)
        {
            if (!scope.Contains(e.Subject)) continue;
            if (Str(data, "fingerprint") is { } fp) fingerprints.Add(fp);
            if (Long(data, "incidentId") is { } id) incidents.Add(id);
        }
        // Incidents opened from an alert of the scope name it in their data's fingerprints.
        foreach (var (e, data) in parsed)
            if (e.Type == EventTypes.IncidentOpened && data.ValueKind == JsonValueKind.Object && data.TryGetProperty("fingerprints", out var fps) && fps.ValueKind == JsonValueKind.Array
                && fps.EnumerateArray().Any(f => f.ValueKind == JsonValueKind.String && fingerprints.Contains(f.GetString()!)) && Long(data, "incidentId") is { } opened)
                incidents.Add(opened);

        var items = new List<GameDayTimelineItem>();
        foreach (var (e, data) in parsed)
        {
            if (e.Type is EventTypes.GameDayStarted or EventTypes.GameDayCompleted) continue;
            var inScope = scope.Contains(e.Subject)
                          || (Str(data, "fingerprint") is { } fp && fingerprints.Contains(fp))
                          || (Long(data, "incidentId") is { } id && incidents.Contains(id));
            if (!inScope) continue;
            var envelope = EventEnvelope.From(e);
            items.Add(new GameDayTimelineItem(e.Time, KindOf(e.Type), e.Type, IncidentTimeline.SentenceFor(envelope, data), e.Actor));
        }
        return items;
    }

    /// <summary>Whether a relayed event may add to the game day's timeline (a live page re-reads on these).</summary>
    public static bool Concerns(EventEnvelope e, GameDay gameDay) =>
        gameDay.Plan.Scope.Contains(e.Subject, StringComparer.Ordinal)
        || e.Type.StartsWith("page.", StringComparison.Ordinal) || e.Type.StartsWith("incident.", StringComparison.Ordinal)
        || e.Type.StartsWith("runbook.", StringComparison.Ordinal) || e.CloudEventJson.Contains($"\"gameDayId\":{gameDay.Id}", StringComparison.Ordinal);

    public static GameDayItemKind KindOf(string type) => type switch
    {
        EventTypes.AlertFiring => GameDayItemKind.Alert,
        EventTypes.AlertResolved => GameDayItemKind.Alert,
        EventTypes.PageSent or EventTypes.PageEscalated => GameDayItemKind.Page,
        EventTypes.PageAcknowledged or EventTypes.IncidentAcknowledged => GameDayItemKind.Acknowledgement,
        EventTypes.IncidentMitigated => GameDayItemKind.Mitigation,
        EventTypes.RollbackExecuted => GameDayItemKind.Rollback,
        _ when type.StartsWith("incident.", StringComparison.Ordinal) => GameDayItemKind.Incident,
        _ when type.StartsWith("runbook.", StringComparison.Ordinal) => GameDayItemKind.Runbook,
        _ when IncidentTimeline.IsChange(type) => GameDayItemKind.Change,
        _ => GameDayItemKind.Other,
    };

    private static GameDayTimelineItem Own(GameDayEntry e) => new(e.At, e.Kind switch
    {
        GameDayEntryKind.Fault => GameDayItemKind.Fault,
        GameDayEntryKind.Abort => GameDayItemKind.Abort,
        GameDayEntryKind.Note => GameDayItemKind.Note,
        GameDayEntryKind.Recovery => GameDayItemKind.Recovery,
        _ => GameDayItemKind.Status,
    }, "gameday." + e.Kind.ToString().ToLowerInvariant(), e.Text, e.Actor);

    private static JsonElement DataOf(OutboxEvent e)
    {
        try
        {
            using var doc = JsonDocument.Parse(e.CloudEventJson);
            return doc.RootElement.TryGetProperty("data", out var d) ? d.Clone() : default;
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static string? Str(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? Long(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n
            : v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), out var s) ? s : null
            : null;
}

/// <summary>How the people and the alerts did: time to detect, acknowledge and mitigate from the first fault, and the verdict on the hypothesis.</summary>
public sealed record GameDayResult(DateTime? FirstFaultAt, double? TtdSeconds, double? TtaSeconds, double? TtmSeconds, bool? HypothesisHeld, string Verdict)
{
    /// <summary>
    /// TTD: first fault → first alert firing in scope; TTA: → first acknowledgement (page or incident);
    /// TTM: → first mitigation (incident mitigated or a rollback). Only what came after the first fault counts.
    /// The hypothesis held when every steady-state SLI held at every sample; an aborted game day did not hold it.
    /// </summary>
    public static GameDayResult From(GameDay gameDay, IReadOnlyList<GameDayTimelineItem> timeline)
    {
        var first = gameDay.FaultRuns.Where(r => r.InjectedAt is not null).Select(r => r.InjectedAt!.Value).DefaultIfEmpty().Min();
        DateTime? firstFault = first == default ? null : first;
        double? Since(Func<GameDayTimelineItem, bool> match)
        {
            if (firstFault is not { } f) return null;
            var hit = timeline.Where(i => i.At >= f && match(i)).OrderBy(i => i.At).FirstOrDefault();
            return hit is null ? null : Math.Round((hit.At - f).TotalSeconds, 1);
        }
        var ttd = Since(i => i.Type == EventTypes.AlertFiring);
        var tta = Since(i => i.Kind == GameDayItemKind.Acknowledgement);
        var ttm = Since(i => i.Kind is GameDayItemKind.Mitigation or GameDayItemKind.Rollback);

        var tallies = gameDay.SliTallies;
        bool? held = gameDay.Status == GameDayStatus.Aborted ? false
            : tallies.Count == 0 || tallies.All(t => t.Samples == 0) ? null
            : tallies.All(t => t.Violations == 0);
        var verdict = gameDay.Status switch
        {
            GameDayStatus.Planned => "Not run yet",
            GameDayStatus.Aborted => $"Aborted: {gameDay.AbortReason}",
            _ when held is true => "Hypothesis held: the steady state held throughout",
            _ when held is false => "Hypothesis refuted: " + string.Join("; ", tallies.Where(t => t.Violations > 0)
                .Select(t => $"{t.Condition} failed {t.Violations} of {t.Samples} samples, first at {t.FirstViolationAt:HH:mm:ss} ({t.FirstViolationValues})")),
            GameDayStatus.Running => "Running",
            _ => "Inconclusive: no steady-state SLI was measured",
        };
        return new GameDayResult(firstFault, ttd, tta, ttm, held, verdict);
    }
}
