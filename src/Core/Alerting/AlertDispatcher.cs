using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.OnCall;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Alerting;

/// <summary>
/// Alertmanager's notification cycle over the stored aggregation groups: a group first notifies
/// group_wait after it was created, then every group_interval when its alerts changed, and again
/// after repeat_interval while it keeps firing; resolved alerts are told once. Silenced, inhibited
/// and muted alerts send nothing. The timers are columns of the group, so a restart resumes them.
/// </summary>
public sealed class AlertDispatcher(OpsDbContext db, AlertRoutingState routing, IAlertReceivers receivers, Silences silences, TimeProvider clock, ILogger<AlertDispatcher> log)
{
    /// <summary>Flushes every group that is due; returns how many notifications were sent.</summary>
    public async Task<int> FlushDueAsync(CancellationToken ct = default)
    {
        await silences.AnnounceExpiredAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.AlertGroups.Include(g => g.Members).Where(g => g.NextFlushAt <= now).OrderBy(g => g.NextFlushAt).Take(500).ToListAsync(ct);
        if (due.Count == 0) return 0;
        var (_, config, _) = await routing.GetAsync(db, ct);
        var suppression = await Suppression.LoadAsync(db, config, now, ct);
        var sent = 0;
        foreach (var group in due)
        {
            var route = config.FindById(group.RouteId);
            if (route is null) { db.AlertGroups.Remove(group); continue; }
            var fps = group.Members.Select(m => m.Fingerprint).ToList();
            var alerts = await db.Alerts.AsNoTracking().Where(a => fps.Contains(a.Fingerprint)).ToListAsync(ct);
            group.NextFlushAt = now + route.GroupInterval;
            if (config.IsMuted(route, new DateTimeOffset(now, TimeSpan.Zero))) continue;

            var lastFiring = group.LastFiring.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            var firing = alerts.Where(a => a.Status == AlertStatus.Firing && !suppression.IsSuppressed(a)).OrderBy(a => a.Fingerprint, StringComparer.Ordinal).ToList();
            var resolvedToTell = alerts.Where(a => a.Status == AlertStatus.Resolved && lastFiring.Contains(a.Fingerprint)).ToList();
            var needed = firing.Any(a => !lastFiring.Contains(a.Fingerprint))
                || resolvedToTell.Count > 0
                || (firing.Count > 0 && group.LastNotifiedAt is { } last && now - last >= route.RepeatInterval);
            if (needed)
            {
                var groupLabels = StoredAlert.Parse(group.GroupLabelsJson);
                var notification = new AlertNotification(group.Receiver, group.Key, groupLabels, firing.Concat(resolvedToTell).Select(a => a.ToSnapshot()).ToList());
                try
                {
                    await receivers.NotifyAsync(notification, ct);
                    sent++;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogWarning(e, "Receiver {Receiver} failed for alert group {GroupKey}", group.Receiver, group.Key);
                }
                group.LastNotifiedAt = now;
                group.LastFiring = string.Join(' ', firing.Select(a => a.Fingerprint));
            }
            // Resolved alerts leave the group once told (or when there was nothing to tell); an empty group ends.
            var present = alerts.Select(a => a.Fingerprint).ToHashSet(StringComparer.Ordinal);
            group.Members.RemoveAll(m => !present.Contains(m.Fingerprint) || alerts.First(a => a.Fingerprint == m.Fingerprint).Status == AlertStatus.Resolved);
            if (group.Members.Count == 0) db.AlertGroups.Remove(group);
        }
        await db.SaveChangesAsync(ct);
        return sent;
    }
}

/// <summary>Silences in force and inhibition by firing alerts, at one instant.</summary>
public sealed class Suppression
{
    private readonly List<(Silence Silence, IReadOnlyList<LabelMatcher> Matchers)> active;
    private readonly IReadOnlyList<InhibitRule> rules;
    private readonly List<(string Fingerprint, IReadOnlyDictionary<string, string> Labels)> firing;

    private Suppression(List<(Silence, IReadOnlyList<LabelMatcher>)> active, IReadOnlyList<InhibitRule> rules, List<(string, IReadOnlyDictionary<string, string>)> firing)
    {
        this.active = active;
        this.rules = rules;
        this.firing = firing;
    }

    public static async Task<Suppression> LoadAsync(OpsDbContext db, AlertingConfig config, DateTime now, CancellationToken ct)
    {
        var silences = await db.Silences.AsNoTracking().Where(s => s.StartsAt <= now && s.EndsAt > now).ToListAsync(ct);
        var active = silences.Select(s => (s, s.ParsedMatchers)).ToList();
        var firing = new List<(string, IReadOnlyDictionary<string, string>)>();
        if (config.InhibitRules.Count > 0)
        {
            var rows = await db.Alerts.AsNoTracking().Where(a => a.Status == AlertStatus.Firing).Select(a => new { a.Fingerprint, a.LabelsJson }).ToListAsync(ct);
            firing.AddRange(rows.Select(r => (r.Fingerprint, (IReadOnlyDictionary<string, string>)StoredAlert.Parse(r.LabelsJson))));
        }
        return new Suppression(active, config.InhibitRules, firing);
    }

    public Silence? SilencedBy(IReadOnlyDictionary<string, string> labels) =>
        active.FirstOrDefault(s => s.Matchers.MatchesAll(labels)).Silence;

    public bool IsInhibited(IReadOnlyDictionary<string, string> labels, string fingerprint) =>
        rules.Any(r => r.Inhibits(labels, fingerprint, firing));

    public bool IsSuppressed(StoredAlert a)
    {
        var labels = a.Labels;
        return SilencedBy(labels) is not null || IsInhibited(labels, a.Fingerprint);
    }
}
