using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Incidents;
using OpsConsole.Core.OnCall;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Runbooks;

namespace OpsConsole.Core.Fatigue;

/// <summary>
/// Reads the history an assessment needs from the store (alert history, alerts, pages, silences,
/// schedules, runbooks, the service catalogue) and computes the report. With a schedule, only pages
/// whose escalation policy pages through that schedule count, and only the alerts those pages carried.
/// </summary>
public static class FatigueQueries
{
    public const int MaxRows = 50_000;

    /// <summary>Annotations that link a runbook.</summary>
    public static readonly string[] RunbookAnnotations = ["runbook", "runbook_url", "runbookUrl", "runbook_uri"];

    public static async Task<FatigueReport> ReportAsync(OpsDbContext db, FatigueSettings settings, string? schedule, DateTime from, DateTime to, CancellationToken ct = default)
    {
        CheckPeriod(from, to);
        schedule = string.IsNullOrWhiteSpace(schedule) ? null : schedule.Trim();
        var schedules = await db.OnCallSchedules.AsNoTracking().ToListAsync(ct);
        var scoped = schedule is null ? schedules : schedules.Where(s => s.Name == schedule).ToList();
        if (schedule is not null && scoped.Count == 0)
            throw new InvalidInputException("schedule", $"There is no on-call schedule named '{Cut(schedule, 100)}'.");
        var zone = schedule is not null && scoped[0].Layers is { Count: > 0 } layers && layers[0].TimeZone is { Length: > 0 } z ? z : settings.TimeZone;
        var history = await LoadAsync(db, schedule, scoped, from, to, ct);
        return FatigueCalculator.Compute(history, settings, from, to, schedule, zone);
    }

    /// <summary>The schedules an assessment can be asked for.</summary>
    public static async Task<IReadOnlyList<string>> SchedulesAsync(OpsDbContext db, CancellationToken ct = default) =>
        (await db.OnCallSchedules.AsNoTracking().Select(s => s.Name).ToListAsync(ct)).Order(StringComparer.Ordinal).ToList();

    public static void CheckPeriod(DateTime from, DateTime to)
    {
        if (from >= to) throw new InvalidInputException("from", "'from' must be before 'to'.");
        if (to - from > FatigueSettings.MaxRange)
            throw new InvalidInputException("to", $"A period covers at most {FatigueSettings.MaxRange.TotalDays:0} days.");
    }

    /// <summary>
    /// The period from query strings: dates (<c>2026-11-01</c>; a date as <c>to</c> includes that day)
    /// or ISO 8601 times; without <c>to</c> it ends now, without <c>from</c> it starts 28 days before <c>to</c>.
    /// </summary>
    public static (DateTime From, DateTime To) ParsePeriod(string? from, string? to, DateTime now)
    {
        var end = string.IsNullOrWhiteSpace(to) ? now : ParseMoment("to", to, endOfDay: true);
        var start = string.IsNullOrWhiteSpace(from) ? end - FatigueSettings.DefaultRange : ParseMoment("from", from, endOfDay: false);
        CheckPeriod(start, end);
        return (start, end);
    }

    private static DateTime ParseMoment(string field, string text, bool endOfDay)
    {
        text = text.Trim();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return DateTime.SpecifyKind(date.ToDateTime(TimeOnly.MinValue), DateTimeKind.Utc).AddDays(endOfDay ? 1 : 0);
        if (text.Length <= 40 && text.Contains('T', StringComparison.Ordinal)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var moment))
            return moment.UtcDateTime;
        throw new InvalidInputException(field, $"'{field}' is not a date (yyyy-MM-dd) or an ISO 8601 time.");
    }

    /// <summary>The history of [from, to) for the given schedules' shifts; with <paramref name="only"/>, just that schedule's pages and their alerts.</summary>
    public static async Task<FatigueHistory> LoadAsync(OpsDbContext db, string? only, IReadOnlyList<OnCallSchedule> schedules, DateTime from, DateTime to, CancellationToken ct = default)
    {
        // Which schedules each escalation policy pages through.
        var policies = await db.EscalationPolicies.AsNoTracking().ToListAsync(ct);
        var schedulesOf = policies.ToDictionary(p => p.Name, p => (IReadOnlyList<string>)p.Levels.SelectMany(l => l.Targets)
            .Where(t => t.Kind == EscalationTargetKind.Schedule).Select(t => t.Name).Distinct(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);

        var pageRows = await db.Pages.AsNoTracking().Where(p => p.CreatedAt >= from && p.CreatedAt < to).OrderBy(p => p.CreatedAt).Take(MaxRows).ToListAsync(ct);
        var pages = pageRows.Select(p => new FatiguePage(p.Id, p.Fingerprints, p.IncidentId, p.CreatedAt, p.AcknowledgedAt,
            schedulesOf.TryGetValue(p.Policy, out var s) ? s : [])).ToList();
        if (only is not null) pages = pages.Where(p => p.Schedules.Contains(only, StringComparer.Ordinal)).ToList();

        // A page without its incident noted: the incident that held one of its alerts when it was sent.
        var pageFps = pages.SelectMany(p => p.Fingerprints).Distinct(StringComparer.Ordinal).ToList();
        if (pages.Any(p => p.IncidentId is null) && pageFps.Count > 0)
        {
            var held = await (from a in db.Set<IncidentAlert>().AsNoTracking()
                              join i in db.Incidents.AsNoTracking() on a.IncidentId equals i.Id
                              where i.OpenedAt < to && (i.ResolvedAt == null || i.ResolvedAt >= @from)
                              select new { a.Fingerprint, i.Id, i.OpenedAt, i.ResolvedAt }).Take(MaxRows).ToListAsync(ct);
            held = held.Where(h => pageFps.Contains(h.Fingerprint, StringComparer.Ordinal)).ToList();
            pages = pages.Select(p => p.IncidentId is not null ? p : p with
            {
                IncidentId = held.Where(h => p.Fingerprints.Contains(h.Fingerprint, StringComparer.Ordinal) && h.OpenedAt <= p.CreatedAt.AddMinutes(1)
                    && (h.ResolvedAt is null || h.ResolvedAt >= p.CreatedAt)).Select(h => (long?)h.Id).FirstOrDefault(),
            }).ToList();
        }

        // Firings: a firing entry of the alert history and the resolved entry after it.
        var lookBack = from.AddDays(-1);
        var lookAhead = to.AddDays(1);
        var entriesQuery = db.AlertHistory.AsNoTracking().Where(h => h.At >= lookBack && h.At < lookAhead);
        if (only is not null) entriesQuery = entriesQuery.Where(h => pageFps.Contains(h.Fingerprint));
        var entries = await entriesQuery.OrderBy(h => h.At).ThenBy(h => h.Id).Take(MaxRows * 2).ToListAsync(ct);
        var firings = new List<FatigueFiring>();
        foreach (var g in entries.GroupBy(e => e.Fingerprint, StringComparer.Ordinal))
        {
            var list = g.ToList();
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].Status != AlertStatus.Firing) continue;
                var fired = list[i].StartsAt.Year > 2000 && list[i].StartsAt <= list[i].At ? list[i].StartsAt : list[i].At;
                DateTime? resolved = null;
                if (i + 1 < list.Count && list[i + 1] is { Status: AlertStatus.Resolved } next)
                    resolved = next.EndsAt is { } e && e >= fired ? e : next.At;
                if (fired >= from && fired < to) firings.Add(new FatigueFiring(g.Key, fired, resolved));
            }
        }

        // The alerts, and whether a runbook covers each.
        var fps = firings.Select(f => f.Fingerprint).Concat(pageFps).Distinct(StringComparer.Ordinal).ToList();
        var stored = new List<StoredAlert>();
        foreach (var chunk in fps.Chunk(500))
            stored.AddRange(await db.Alerts.AsNoTracking().Where(a => chunk.Contains(a.Fingerprint)).ToListAsync(ct));
        var runbookSets = (await db.Runbooks.AsNoTracking().Where(r => r.AlertsJson != "[]").Select(r => r.AlertsJson).ToListAsync(ct))
            .Select(j => JsonSerializer.Deserialize<List<string>>(j) ?? []).ToList();
        var catalogued = (await db.ServiceProfiles.AsNoTracking().Where(s => s.Runbooks != "").Select(s => s.Service).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var alerts = stored.Select(a =>
        {
            var labels = a.Labels;
            var annotations = a.Annotations;
            var hasRunbook = RunbookAnnotations.Any(k => annotations.TryGetValue(k, out var v) && !string.IsNullOrWhiteSpace(v))
                || (a.Service is { } svc && catalogued.Contains(svc))
                || runbookSets.Any(set => RunbookMatcher.Covers(set, labels));
            return new FatigueAlert(a.Fingerprint, a.Name, a.Service, labels, hasRunbook);
        }).ToList();

        var silences = await db.Silences.AsNoTracking().Where(s => s.StartsAt < to && s.EndsAt > from).Take(MaxRows).ToListAsync(ct);
        var fatigueSilences = silences.Select(s => new FatigueSilence(s.Id, Normalize(s.Matchers), s.StartsAt, s.EndsAt, s.CreatedAt, s.CreatedBy)).ToList();

        var shifts = schedules.SelectMany(s => FatigueShifts.For(s.Name, s.Layers, s.Overrides, from, to)).ToList();
        return new FatigueHistory(alerts, firings, pages, fatigueSilences, shifts);
    }

    /// <summary>Matchers in one order, so the same silence written twice in another order counts as the same.</summary>
    public static string Normalize(string matchers)
    {
        try
        {
            return Alerting.LabelMatcher.Format(Alerting.LabelMatcher.ParseList(matchers).OrderBy(m => m.ToString(), StringComparer.Ordinal));
        }
        catch (InvalidInputException)
        {
            return matchers;
        }
    }

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}
