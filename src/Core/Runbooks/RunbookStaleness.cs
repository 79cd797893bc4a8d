using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Runbooks;

public sealed record StaleRunbook(string Slug, string Title, DateOnly? LastReviewed, int? DaysSinceReview);

/// <param name="NotReviewed">Not reviewed within <see cref="RunbookStaleness.ReviewDays"/> days (or never).</param>
/// <param name="NoOwner">No owner in the front matter.</param>
/// <param name="UncoveredAlerts">Alerts (of those given) that no runbook's matchers cover; empty when no alerts were given.</param>
public sealed record StalenessReport(IReadOnlyList<StaleRunbook> NotReviewed, IReadOnlyList<StaleRunbook> NoOwner, IReadOnlyList<string> UncoveredAlerts);

/// <summary>What needs attention in the runbooks: old reviews, no owner, alerts nobody wrote a runbook for.</summary>
public sealed class RunbookStaleness(OpsDbContext db, TimeProvider clock)
{
    public const int ReviewDays = 90;

    /// <param name="alerts">Label sets of alerts seen (e.g. from Alerting); each is checked against every runbook's matchers. Null skips that check.</param>
    public async Task<StalenessReport> ReportAsync(IEnumerable<IReadOnlyDictionary<string, string>>? alerts = null, CancellationToken ct = default)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var rows = await db.Runbooks.AsNoTracking().OrderBy(r => r.Title).ToListAsync(ct);
        var notReviewed = rows.Where(r => r.LastReviewed is not { } d || today.DayNumber - d.DayNumber > ReviewDays)
            .Select(r => Stale(r, today)).ToList();
        var noOwner = rows.Where(r => r.Owners.Count == 0).Select(r => Stale(r, today)).ToList();
        var uncovered = new List<string>();
        foreach (var labels in alerts ?? [])
        {
            if (rows.Any(r => RunbookMatcher.Covers(r.Alerts, labels))) continue;
            var name = labels.TryGetValue("alertname", out var n) ? n : string.Join(",", labels.Select(kv => $"{kv.Key}={kv.Value}"));
            if (!uncovered.Contains(name)) uncovered.Add(name);
        }
        return new StalenessReport(notReviewed, noOwner, uncovered);
    }

    /// <summary>The same report for a list of alert names (each taken as <c>alertname="..."</c>).</summary>
    public Task<StalenessReport> ReportForAlertNamesAsync(IEnumerable<string> alertNames, CancellationToken ct = default) =>
        ReportAsync(alertNames.Distinct().Select(n => (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["alertname"] = n }), ct);

    private static StaleRunbook Stale(Runbook r, DateOnly today) =>
        new(r.Slug, r.Title, r.LastReviewed, r.LastReviewed is { } d ? today.DayNumber - d.DayNumber : null);
}
