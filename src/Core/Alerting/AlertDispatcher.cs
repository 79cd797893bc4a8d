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
    private readonly List<(InhibitRule Rule, Dictionary<string, List<(string Fingerprint, bool BothSides)>> SourcesByEqual)> rules;

    private Suppression(List<(Silence, IReadOnlyList<LabelMatcher>)> active, List<(InhibitRule, Dictionary<string, List<(string, bool)>>)> rules)
    {
        this.active = active;
        this.rules = rules;
    }

    public static async Task<Suppression> LoadAsync(OpsDbContext db, AlertingConfig config, DateTime now, CancellationToken ct)
    {
        var silences = await db.Silences.AsNoTracking().Where(s => s.StartsAt <= now && s.EndsAt > now).ToListAsync(ct);
        var active = silences.Select(s => (s, s.ParsedMatchers)).ToList();
        var rules = new List<(InhibitRule, Dictionary<string, List<(string, bool)>>)>();
        if (config.InhibitRules.Count > 0)
        {
            var rows = await db.Alerts.AsNoTracking().Where(a => a.Status == AlertStatus.Firing).Select(a => new { a.Fingerprint, a.LabelsJson }).ToListAsync(ct);
            var firing = rows.Select(r => (r.Fingerprint, Labels: (IReadOnlyDictionary<string, string>)StoredAlert.Parse(r.LabelsJson))).ToList();
            // Per rule, the firing source alerts indexed by their values of the equal labels: one lookup per target.
            foreach (var rule in config.InhibitRules)
            {
                var index = new Dictionary<string, List<(string, bool)>>(StringComparer.Ordinal);
                foreach (var (fp, labels) in firing)
                {
                    if (!rule.SourceMatchers.MatchesAll(labels)) continue;
                    var key = EqualKey(rule, labels);
                    if (!index.TryGetValue(key, out var list)) index[key] = list = [];
                    list.Add((fp, rule.TargetMatchers.MatchesAll(labels)));
                }
                rules.Add((rule, index));
            }
        }
        return new Suppression(active, rules);
    }

    private static string EqualKey(InhibitRule rule, IReadOnlyDictionary<string, string> labels) =>
        string.Join("\u0000", rule.Equal.Select(n => labels.TryGetValue(n, out var v) ? v : ""));

    public Silence? SilencedBy(IReadOnlyDictionary<string, string> labels) =>
        active.FirstOrDefault(s => s.Matchers.MatchesAll(labels)).Silence;

    /// <summary>Inhibited as <see cref="InhibitRule.Inhibits"/> decides, using the index of firing sources.</summary>
    public bool IsInhibited(IReadOnlyDictionary<string, string> labels, string fingerprint)
    {
        foreach (var (rule, sources) in rules)
        {
            if (!rule.TargetMatchers.MatchesAll(labels)) continue;
            if (!sources.TryGetValue(EqualKey(rule, labels), out var candidates)) continue;
            var targetIsSource = rule.SourceMatchers.MatchesAll(labels);
            foreach (var (fp, bothSides) in candidates)
                if (fp != fingerprint && !(targetIsSource && bothSides)) return true;
        }
        return false;
    }

    public bool IsSuppressed(StoredAlert a)
    {
        if (active.Count == 0 && rules.Count == 0) return false;
        var labels = a.Labels;
        return SilencedBy(labels) is not null || IsInhibited(labels, a.Fingerprint);
    }
}
