using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Alerting;

public sealed record AlertView(
    string Fingerprint, string Name, string Status, string? Service, string? Environment,
    IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations,
    DateTime StartsAt, DateTime? EndsAt, string? GeneratorUrl, DateTime FirstSeenAt, DateTime LastSeenAt, int TimesFired, string Source)
{
    public static AlertView From(StoredAlert a) => new(a.Fingerprint, a.Name, a.Status == AlertStatus.Firing ? "firing" : "resolved", a.Service, a.Environment,
        a.Labels, a.Annotations, a.StartsAt, a.EndsAt, a.GeneratorUrl, a.FirstSeenAt, a.LastSeenAt, a.TimesFired, a.Source);
}

public sealed record AlertHistoryView(DateTime At, string Status, DateTime StartsAt, DateTime? EndsAt, string Source);

public sealed record AlertDetail(AlertView Alert, IReadOnlyList<AlertHistoryView> History, IReadOnlyList<RouteMatch> Routes, SilenceView? SilencedBy, bool Inhibited, string RawJson);

/// <summary>Reads alerts: search, detail with history and routing; the lookup other capabilities use.</summary>
public sealed class AlertQueries(OpsDbContext db, AlertRoutingState routing, TimeProvider clock) : IAlertLookup
{
    public async Task<IReadOnlyList<AlertView>> SearchAsync(string? status, string? q, string? service, int? limit, CancellationToken ct = default)
    {
        var query = db.Alerts.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(status))
        {
            var s = status.Trim().ToLowerInvariant() switch
            {
                "firing" => AlertStatus.Firing,
                "resolved" => AlertStatus.Resolved,
                _ => throw new Domain.InvalidInputException("status", "status is firing or resolved."),
            };
            query = query.Where(a => a.Status == s);
        }
        if (!string.IsNullOrWhiteSpace(service)) query = query.Where(a => a.Service == service.Trim());
        if (!string.IsNullOrWhiteSpace(q))
        {
            foreach (var word in q.Trim().ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(5))
                query = query.Where(a => a.SearchText.Contains(word));
        }
        var rows = await query.OrderByDescending(a => a.LastSeenAt).Take(Math.Clamp(limit ?? 100, 1, 1000)).ToListAsync(ct);
        return rows.Select(AlertView.From).ToList();
    }

    /// <summary>The label sets of the alerts received (most recently seen first, at most <paramref name="limit"/>), e.g. for "alerts no runbook covers".</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, string>>> SeenLabelSetsAsync(int limit = 1000, CancellationToken ct = default)
    {
        var rows = await db.Alerts.AsNoTracking().OrderByDescending(a => a.LastSeenAt).Take(Math.Clamp(limit, 1, 10_000)).Select(a => a.LabelsJson).ToListAsync(ct);
        return rows.Select(j => (IReadOnlyDictionary<string, string>)StoredAlert.Parse(j)).ToList();
    }

    public async Task<AlertDetail?> GetAsync(string fingerprint, CancellationToken ct = default)
    {
        var a = await db.Alerts.AsNoTracking().FirstOrDefaultAsync(x => x.Fingerprint == fingerprint, ct);
        if (a is null) return null;
        var history = await db.AlertHistory.AsNoTracking().Where(h => h.Fingerprint == fingerprint).OrderByDescending(h => h.At).Take(200)
            .Select(h => new AlertHistoryView(h.At, h.Status == AlertStatus.Firing ? "firing" : "resolved", h.StartsAt, h.EndsAt, h.Source)).ToListAsync(ct);
        var (_, config, _) = await routing.GetAsync(db, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var suppression = await Suppression.LoadAsync(db, config, now, ct);
        var labels = a.Labels;
        var silence = suppression.SilencedBy(labels);
        return new AlertDetail(AlertView.From(a), history, config.Match(labels), silence is null ? null : SilenceView.From(silence, now),
            a.Status == AlertStatus.Firing && suppression.IsInhibited(labels, a.Fingerprint), a.RawJson);
    }

    public async Task<AlertSnapshot?> FindAsync(string fingerprint, CancellationToken ct) =>
        (await db.Alerts.AsNoTracking().FirstOrDefaultAsync(a => a.Fingerprint == fingerprint, ct))?.ToSnapshot();
}
