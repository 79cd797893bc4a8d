using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Dora;

/// <summary>
/// Reads the DORA facts from the stored events (the outbox) and the releases' commit times, then
/// computes the report. Events whose data carries <c>"drill": true</c> (rollback drills, the
/// incidents they cause) never count.
/// </summary>
public static class DoraQueries
{
    /// <summary>How far past the period events are read: failures and recoveries of the period's deployments land there.</summary>
    public static readonly TimeSpan LookAhead = TimeSpan.FromDays(30);

    public const int MaxEvents = 50_000;

    private static readonly string[] Types = [EventTypes.DeployCompleted, EventTypes.RollbackExecuted, EventTypes.IncidentOpened, EventTypes.IncidentResolved];

    public static async Task<DoraReport> ReportAsync(OpsDbContext db, DoraSettings settings, string? service, DateTime from, DateTime to, CancellationToken ct = default)
    {
        service = CheckService(service);
        CheckPeriod(from, to);
        var facts = await LoadAsync(db, service, from - DoraCalculator.FailureWindow, to + LookAhead, ct);
        return DoraCalculator.Compute(facts, settings, service, from, to);
    }

    /// <summary>The services a report can be asked for: those with a deploy target.</summary>
    public static async Task<IReadOnlyList<string>> ServicesAsync(OpsDbContext db, CancellationToken ct = default) =>
        (await db.DeployTargets.AsNoTracking().Select(t => t.Service).Distinct().ToListAsync(ct)).Order(StringComparer.Ordinal).ToList();

    public static string? CheckService(string? service)
    {
        service = string.IsNullOrWhiteSpace(service) ? null : service.Trim();
        if (service is not null && (service.Length > 63 || service.Any(c => char.IsWhiteSpace(c) || c == '/' || char.IsControl(c))))
            throw new InvalidInputException("service", "A service name has at most 63 characters, no spaces and no '/'.");
        return service;
    }

    public static void CheckPeriod(DateTime from, DateTime to)
    {
        if (from >= to) throw new InvalidInputException("from", "'from' must be before 'to'.");
        if (to - from > DoraSettings.MaxRange)
            throw new InvalidInputException("to", $"A period covers at most {DoraSettings.MaxRange.TotalDays:0} days.");
    }

    /// <summary>
    /// The period from query strings: dates (<c>2026-11-01</c>; a date as <c>to</c> includes that day)
    /// or ISO 8601 times; without <c>to</c> it ends now, without <c>from</c> it starts 28 days before <c>to</c>.
    /// </summary>
    public static (DateTime From, DateTime To) ParsePeriod(string? from, string? to, DateTime now)
    {
        var end = string.IsNullOrWhiteSpace(to) ? now : ParseMoment("to", to, endOfDay: true);
        var start = string.IsNullOrWhiteSpace(from) ? end - DoraSettings.DefaultRange : ParseMoment("from", from, endOfDay: false);
        CheckPeriod(start, end);
        return (start, end);
    }

    private static DateTime ParseMoment(string field, string text, bool endOfDay)
    {
        text = text.Trim();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return DateTime.SpecifyKind(date.ToDateTime(TimeOnly.MinValue), DateTimeKind.Utc).AddDays(endOfDay ? 1 : 0);
        if (text.Length <= 40 && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var moment)
            && text.Contains('T', StringComparison.Ordinal))
            return moment.UtcDateTime;
        throw new InvalidInputException(field, $"'{field}' is not a date (yyyy-MM-dd) or an ISO 8601 time.");
    }

    public static async Task<DoraFacts> LoadAsync(OpsDbContext db, string? service, DateTime from, DateTime to, CancellationToken ct = default)
    {
        var q = db.OutboxEvents.AsNoTracking().Where(e => Types.Contains(e.Type) && e.Time >= from && e.Time <= to);
        if (service is not null)
        {
            var prefix = service + "/";
            q = q.Where(e => e.Type == EventTypes.IncidentOpened || e.Type == EventTypes.IncidentResolved || e.Subject.StartsWith(prefix));
        }
        var rows = await q.OrderBy(e => e.Time).ThenBy(e => e.Position).Take(MaxEvents)
            .Select(e => new { e.Type, e.Subject, e.Time, e.CloudEventJson }).ToListAsync(ct);

        var deploys = new List<DeployFact>();
        var rollbacks = new List<RollbackFact>();
        var opened = new List<(long Id, DateTime At, IReadOnlyList<IncidentService> Services)>();
        var resolved = new Dictionary<long, DateTime>();
        foreach (var row in rows)
        {
            using var doc = Parse(row.CloudEventJson);
            if (doc is null || !doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object) continue;
            if (data.TryGetProperty("drill", out var drill) && drill.ValueKind == JsonValueKind.True) continue;
            var (subjectService, subjectEnv) = SplitSubject(row.Subject);
            switch (row.Type)
            {
                case EventTypes.DeployCompleted:
                    {
                        var (svc, env) = (Str(data, "service") ?? subjectService, Str(data, "environment") ?? subjectEnv);
                        if (svc is null || env is null) continue;
                        var outcome = Str(data, "outcome");
                        deploys.Add(new DeployFact(row.Time, svc, env, Str(data, "version"), Str(data, "rolloutId"), outcome is null or "Healthy"));
                        break;
                    }
                case EventTypes.RollbackExecuted:
                    {
                        var (svc, env) = (Str(data, "service") ?? subjectService, Str(data, "environment") ?? subjectEnv);
                        if (svc is null || env is null) continue;
                        rollbacks.Add(new RollbackFact(row.Time, svc, env, Str(data, "rolloutId")));
                        break;
                    }
                case EventTypes.IncidentOpened when Long(data, "incidentId") is { } id:
                    opened.Add((id, row.Time, Services(data, row.Subject)));
                    break;
                case EventTypes.IncidentResolved when Long(data, "incidentId") is { } id:
                    resolved.TryAdd(id, row.Time);
                    break;
            }
        }

        var incidents = opened
            .Where(o => service is null || o.Services.Any(s => s.Service == service))
            .Select(o => new IncidentFact(o.Id, o.At, resolved.TryGetValue(o.Id, out var r) ? r : null, o.Services)).ToList();

        var names = deploys.Where(d => d.Healthy && d.Version is not null).Select(d => d.Service).Distinct().ToList();
        var commits = new Dictionary<(string, string), DateTime>();
        if (names.Count > 0)
        {
            var releases = await db.Releases.AsNoTracking().Where(r => names.Contains(r.Service))
                .Select(r => new { r.Service, r.Version, r.CommitTime }).ToListAsync(ct);
            foreach (var r in releases.Where(r => r.CommitTime != default))
                commits[(r.Service, r.Version)] = DateTime.SpecifyKind(r.CommitTime, DateTimeKind.Utc);
        }
        return new DoraFacts(deploys, rollbacks, incidents, commits);
    }

    private static IReadOnlyList<IncidentService> Services(JsonElement data, string subject)
    {
        var list = new List<IncidentService>();
        if (data.TryGetProperty("services", out var services) && services.ValueKind == JsonValueKind.Array)
        {
            foreach (var s in services.EnumerateArray())
                if (s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 } name)
                {
                    var slash = name.IndexOf('/', StringComparison.Ordinal);
                    list.Add(slash < 0 ? new IncidentService(name, null) : new IncidentService(name[..slash], name[(slash + 1)..]));
                }
        }
        else if (SplitSubject(subject) is ({ } svc, var env)) list.Add(new IncidentService(svc, env));
        return list;
    }

    private static (string? Service, string? Environment) SplitSubject(string subject)
    {
        var slash = subject.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 || subject.StartsWith("incident/", StringComparison.Ordinal) ? (null, null) : (subject[..slash], subject[(slash + 1)..]);
    }

    private static JsonDocument? Parse(string json)
    {
        try { return JsonDocument.Parse(json); }
        catch (JsonException) { return null; }
    }

    private static string? Str(JsonElement data, string name) =>
        data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? Long(JsonElement data, string name) =>
        data.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.Number when v.TryGetInt64(out var n) => n,
            JsonValueKind.String when long.TryParse(v.GetString(), CultureInfo.InvariantCulture, out var n) => n,
            _ => null,
        } : null;
}
