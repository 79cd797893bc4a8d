using System.Globalization;
using NodaTime;

namespace OpsConsole.Core.Fatigue;

/// <summary>
/// The alert-fatigue assessment of a period [from, to) from an alert, page, silence and shift
/// history. Pure: the same history gives the same report. Percentiles are nearest rank (a real
/// sample: the smallest value with at least that share of the values at or below it).
/// </summary>
public static class FatigueCalculator
{
    public const double PointsPerThreshold = 25;
    public const int MaxRulesShown = 50;

    /// <summary>How far back a firing of another rule on the same service is looked for (inhibition advice).</summary>
    public static readonly TimeSpan InhibitLookBack = TimeSpan.FromDays(1);

    public static FatigueReport Compute(FatigueHistory history, FatigueSettings settings, DateTime from, DateTime to, string? schedule, string timeZone)
    {
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone) ?? DateTimeZone.Utc;
        var alerts = history.Alerts.GroupBy(a => a.Fingerprint, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        string RuleOf(string fp) => alerts.TryGetValue(fp, out var a) ? a.Rule : "(unknown)";

        var pages = history.Pages.Where(p => p.CreatedAt >= from && p.CreatedAt < to).OrderBy(p => p.CreatedAt).ToList();
        var firings = history.Firings.Where(f => f.FiredAt >= from && f.FiredAt < to).OrderBy(f => f.FiredAt).ToList();
        var weeks = (to - from).TotalDays / 7;

        var outOfHoursPages = new HashSet<Guid>(pages.Where(p => OutsideHours(p.CreatedAt)).Select(p => p.Id));
        bool OutOfHours(FatiguePage p) => outOfHoursPages.Contains(p.Id);
        bool OutsideHours(DateTime at)
        {
            var local = Instant.FromDateTimeUtc(DateTime.SpecifyKind(at, DateTimeKind.Utc)).InZone(zone).LocalDateTime;
            return !settings.WorkDays.Contains(local.DayOfWeek) || local.TimeOfDay < settings.WorkStart || local.TimeOfDay >= settings.WorkEnd;
        }

        // Which firings someone acknowledged: a page carrying the alert was acknowledged while it fired.
        var acksByFp = new Dictionary<string, List<DateTime>>(StringComparer.Ordinal);
        foreach (var p in history.Pages.Where(p => p.AcknowledgedAt is not null))
            foreach (var fp in p.Fingerprints)
                (acksByFp.TryGetValue(fp, out var l) ? l : acksByFp[fp] = []).Add(p.AcknowledgedAt!.Value);
        bool Acknowledged(FatigueFiring f) => acksByFp.TryGetValue(f.Fingerprint, out var acks)
            && acks.Any(a => a >= f.FiredAt && (f.ResolvedAt is not { } r || a <= r));
        var selfSet = firings.Where(f => f.ResolvedAt is { } r && r - f.FiredAt <= settings.SelfResolveWithin && !Acknowledged(f)).ToHashSet();
        bool SelfResolved(FatigueFiring f) => selfSet.Contains(f);

        // Shifts and their pages.
        var shifts = history.Shifts
            .Select(s => s with { Start = s.Start < from ? from : s.Start, End = s.End > to ? to : s.End })
            .Where(s => s.End > s.Start).OrderBy(s => s.Start).ThenBy(s => s.Schedule, StringComparer.Ordinal).ToList();
        var shiftLoads = shifts.Select(s =>
        {
            var n = pages.Count(p => p.CreatedAt >= s.Start && p.CreatedAt < s.End && p.Schedules.Contains(s.Schedule, StringComparer.Ordinal));
            var per12 = n * 12 / (s.End - s.Start).TotalHours;
            return new FatigueShiftLoad(s.Schedule, s.User, s.Start, s.End, n, Round(per12), per12 > settings.MaxPagesPer12Hours);
        }).ToList();
        var onCallHours = shifts.Sum(s => (s.End - s.Start).TotalHours);
        var pagesInShifts = shiftLoads.Sum(s => s.Pages);
        double? per12Hours = shiftLoads.Count > 0 ? pagesInShifts * 12 / onCallHours : (to - from).TotalHours > 0 ? pages.Count * 12 / (to - from).TotalHours : null;

        var outOfHours = pages.Count(OutOfHours);
        var ackMinutes = pages.Where(p => p.AcknowledgedAt is not null).Select(p => (p.AcknowledgedAt!.Value - p.CreatedAt).TotalMinutes).ToList();
        var selfResolved = firings.Where(SelfResolved).ToList();

        // Rules.
        var rules = firings.GroupBy(f => RuleOf(f.Fingerprint), StringComparer.Ordinal).Select(g =>
        {
            var fps = g.Select(f => f.Fingerprint).ToHashSet(StringComparer.Ordinal);
            var rulePages = pages.Where(p => p.Fingerprints.Any(fps.Contains)).ToList();
            var durations = g.Where(f => f.ResolvedAt is not null).Select(f => (f.ResolvedAt!.Value - f.FiredAt).TotalMinutes).ToList();
            return new FatigueRule(g.Key, g.Count(), firings.Count == 0 ? 0 : Round(g.Count() / (double)firings.Count), rulePages.Count,
                rulePages.Count(p => p.AcknowledgedAt is not null), rulePages.Count(OutOfHours), g.Count(SelfResolved),
                Round(Median(durations)), fps.Count, fps.All(fp => alerts.TryGetValue(fp, out var a) && a.HasRunbook));
        }).OrderByDescending(r => r.Firings).ThenByDescending(r => r.Pages).ThenBy(r => r.Rule, StringComparer.Ordinal).ToList();
        var withoutRunbook = rules.Where(r => !r.HasRunbook).ToList();

        // Silences.
        var silences = history.Silences.Where(s => s.StartsAt < to && s.EndsAt > from).ToList();
        var longSilences = silences.Where(s => s.EndsAt - s.StartsAt > settings.LongSilence).OrderByDescending(s => s.EndsAt - s.StartsAt)
            .Select(s => new FatigueLongSilence(s.Id, s.Matchers, s.StartsAt, s.EndsAt, Round((s.EndsAt - s.StartsAt).TotalHours), s.CreatedBy)).ToList();
        var renewed = silences.GroupBy(s => s.Matchers, StringComparer.Ordinal).Where(g => g.Count() >= settings.SilenceRenewals)
            .Select(g => new FatigueRenewedSilence(g.Key, g.Count(), g.Min(s => s.StartsAt), g.Max(s => s.EndsAt), Round(g.Sum(s => (s.EndsAt - s.StartsAt).TotalHours))))
            .OrderByDescending(r => r.Times).ThenBy(r => r.Matchers, StringComparer.Ordinal).ToList();

        // Duplicate pages: more than one page for one incident.
        var duplicates = pages.Where(p => p.IncidentId is not null).GroupBy(p => p.IncidentId!.Value).Where(g => g.Count() > 1)
            .Select(g => new FatigueDuplicatePages(g.Key, g.Count(), g.Count() - 1,
                g.SelectMany(p => p.Fingerprints).Select(RuleOf).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()))
            .OrderByDescending(d => d.Pages).ThenBy(d => d.IncidentId).ToList();

        var figures = new FatigueFigures(
            pages.Count, Round(weeks), weeks > 0 ? Round(pages.Count / weeks) : 0,
            shiftLoads.Count, shiftLoads.Count > 0 ? Round(pagesInShifts / (double)shiftLoads.Count) : null, shiftLoads.Count > 0 ? shiftLoads.Max(s => s.Pages) : 0,
            Round(per12Hours), shiftLoads.Count(s => s.OverLimit),
            outOfHours, pages.Count > 0 ? Round(outOfHours / (double)pages.Count) : null, weeks > 0 ? Round(outOfHours / weeks) : 0,
            ackMinutes.Count, pages.Count - ackMinutes.Count, Round(Percentile(ackMinutes, 0.5)), Round(Percentile(ackMinutes, 0.9)),
            firings.Count, selfResolved.Count, firings.Count > 0 ? Round(selfResolved.Count / (double)firings.Count) : null,
            rules.Count, withoutRunbook.Count, longSilences.Count, renewed.Count,
            duplicates.Count, duplicates.Sum(d => d.Extra));

        var score = Score(figures, settings, shiftLoads.Count > 0);
        var recommendations = Recommend(rules, firings, pages, alerts, settings, weeks, SelfResolved);
        var byWeek = Weeks(from, to).Select(w =>
        {
            var end = w.AddDays(7);
            var wp = pages.Where(p => p.CreatedAt >= w && p.CreatedAt < end).ToList();
            var wf = firings.Where(f => f.FiredAt >= w && f.FiredAt < end).ToList();
            return new FatigueWeek(w, wp.Count, wp.Count(OutOfHours), wf.Count, wf.Count(SelfResolved));
        }).ToList();

        return new FatigueReport(from, to, schedule, zone.Id, settings.WorkingHoursText, (int)Math.Round(settings.SelfResolveWithin.TotalMinutes),
            figures, score, byWeek, shiftLoads, rules.Take(MaxRulesShown).ToList(), withoutRunbook.Take(MaxRulesShown).ToList(), longSilences, renewed, duplicates, recommendations);
    }

    /// <summary>
    /// Four thresholds, 25 points each: full points when the measured value is at or under the limit,
    /// falling linearly to 0 at twice the limit. A measure with nothing to measure (no pages, no firings) is met.
    /// </summary>
    public static FatigueScore Score(FatigueFigures f, FatigueSettings s, bool hasShifts)
    {
        var thresholds = new List<FatigueThreshold>
        {
            Threshold("pages-per-shift", "Pages per 12-hour shift", s.MaxPagesPer12Hours, $"at most {Num(s.MaxPagesPer12Hours)} per 12 hours on call",
                f.PagesPer12Hours, f.PagesPer12Hours is { } p ? $"{Num(p)} per 12 h" : "no pages", noDataMet: true,
                hasShifts ? "The SRE book: at most two incidents per 12-hour on-call shift. Pages in the schedules' shifts per 12 hours on call."
                          : "The SRE book: at most two incidents per 12-hour on-call shift. No on-call shift in scope: pages per 12 hours of the period."),
            Threshold("out-of-hours", "Pages outside working hours per week", s.MaxOutOfHoursPagesPerWeek, $"at most {Num(s.MaxOutOfHoursPagesPerWeek)} per week",
                f.OutOfHoursPagesPerWeek, $"{Num(f.OutOfHoursPagesPerWeek)} per week", noDataMet: true,
                "Pages that wake people or interrupt their evenings and weekends, per week of the period."),
            Threshold("ack-p90", "Time to acknowledge (p90)", s.MaxAckP90Minutes, $"under {Num(s.MaxAckP90Minutes)} min",
                f.AckP90Minutes, f.AckP90Minutes is { } a ? $"{Num(a)} min" : f.Pages > 0 ? "no page acknowledged" : "no pages", noDataMet: f.Pages == 0,
                "90% of pages acknowledged within the limit; pages nobody acknowledged are a sign the page was not worth it."),
            Threshold("self-resolving", "Firings that resolved on their own", s.MaxSelfResolvingShare, $"under {Num(s.MaxSelfResolvingShare * 100)}%",
                f.SelfResolvedShare, f.SelfResolvedShare is { } r ? $"{Num(r * 100)}%" : "no firings", noDataMet: true,
                $"Alerts that resolved within minutes without anyone acknowledging them: flapping or not actionable."),
        };
        var value = (int)Math.Round(thresholds.Sum(t => t.Points));
        var verdict = value switch
        {
            >= 90 => "healthy",
            >= 70 => "some noise",
            >= 40 => "noisy",
            _ => "fatiguing",
        };
        return new FatigueScore(value, verdict, thresholds);
    }

    private static FatigueThreshold Threshold(string key, string name, double limit, string limitText, double? measured, string measuredText, bool noDataMet, string basis)
    {
        double points;
        bool met;
        if (measured is not { } m)
        {
            met = noDataMet;
            points = met ? PointsPerThreshold : 0;
        }
        else
        {
            met = m <= limit;
            points = met ? PointsPerThreshold : PointsPerThreshold * Math.Clamp((2 * limit - m) / limit, 0, 1);
        }
        return new FatigueThreshold(key, name, limitText, limit, measured, measuredText, met, Round(points), PointsPerThreshold, basis);
    }

    private static List<FatigueRecommendation> Recommend(List<FatigueRule> rules, List<FatigueFiring> firings, List<FatiguePage> pages,
        Dictionary<string, FatigueAlert> alerts, FatigueSettings s, double weeks, Func<FatigueFiring, bool> selfResolved)
    {
        var list = new List<FatigueRecommendation>();
        string RuleOf(string fp) => alerts.TryGetValue(fp, out var a) ? a.Rule : "(unknown)";
        string? ServiceOf(string fp) => alerts.TryGetValue(fp, out var a) ? a.Service : null;
        var selfMinutes = (int)Math.Round(s.SelfResolveWithin.TotalMinutes);
        var byRule = firings.ToLookup(f => RuleOf(f.Fingerprint), StringComparer.Ordinal);
        var byService = firings.Where(f => ServiceOf(f.Fingerprint) is not null).GroupBy(f => ServiceOf(f.Fingerprint)!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(f => f.FiredAt).ToList(), StringComparer.Ordinal);
        // The other rule already firing on the same service when this firing began (looking back at most a day).
        string? FiringBefore(FatigueFiring f, string rule)
        {
            if (ServiceOf(f.Fingerprint) is not { } svc || !byService.TryGetValue(svc, out var list)) return null;
            var i = list.BinarySearch(f, Comparer<FatigueFiring>.Create((a, b) => a.FiredAt.CompareTo(b.FiredAt)));
            if (i < 0) i = ~i;
            while (i > 0 && list[i - 1].FiredAt >= f.FiredAt) i--;
            for (var j = i - 1; j >= 0 && list[j].FiredAt >= f.FiredAt - InhibitLookBack; j--)
                if (RuleOf(list[j].Fingerprint) is var other && other != rule && (list[j].ResolvedAt is not { } end || end > f.FiredAt)) return other;
            return null;
        }
        foreach (var r in rules)
        {
            if (r.Firings < s.MinFiringsForAdvice)
            {
                if (!r.HasRunbook && r.Pages > 0)
                    list.Add(Runbook(r));
                continue;
            }
            var mine = byRule[r.Rule].ToList();
            var selfShare = r.SelfResolved / (double)r.Firings;
            var flapping = selfShare >= 0.5;
            if (flapping)
            {
                var longest = mine.Where(selfResolved).Max(f => (f.ResolvedAt!.Value - f.FiredAt).TotalMinutes);
                var forMinutes = Math.Max(1, (int)Math.Ceiling(longest));
                list.Add(new FatigueRecommendation(r.Rule, "add-for", $"Add `for: {forMinutes}m` (or longer) to the rule so a blip no longer fires it.",
                    $"{r.SelfResolved} of {r.Firings} firings ({Pct(selfShare)}) resolved on their own within {selfMinutes} min, unacknowledged; the longest lasted {Num(longest)} min."));
            }
            if (!flapping && r.Pages >= s.MinFiringsForAdvice && r.AcknowledgedPages / (double)r.Pages < 0.25)
                list.Add(new FatigueRecommendation(r.Rule, "ticket", "Route it to a ticket (a receiver without an escalation policy) instead of a page.",
                    $"Paged {r.Pages} times, acknowledged {r.AcknowledgedPages} ({Pct(r.AcknowledgedPages / (double)r.Pages)}): nobody acts on it at once."));
            var perWeek = weeks > 0 ? r.Firings / weeks : r.Firings;
            if (!flapping && perWeek >= s.NoisyFiringsPerWeek)
                list.Add(new FatigueRecommendation(r.Rule, "raise-threshold", "Raise its threshold (or widen its window) so it fires only when people must act.",
                    $"Fired {r.Firings} times ({Num(perWeek)} per week), {Pct(r.Share)} of all firings."));

            // Grouping: pages of this rule that came within the burst window of an earlier page of it.
            var rulePages = pages.Where(p => p.Fingerprints.Any(fp => RuleOf(fp) == r.Rule)).OrderBy(p => p.CreatedAt).ToList();
            var bursts = rulePages.Where((p, i) => i > 0 && p.CreatedAt - rulePages[i - 1].CreatedAt <= s.BurstWindow).Count();
            if (bursts >= 2)
                list.Add(new FatigueRecommendation(r.Rule, "group", "Group its alerts: drop the labels that differ between them from the route's group_by, so one page carries them.",
                    $"{bursts} of its {rulePages.Count} pages came within {Num(s.BurstWindow.TotalMinutes)} min of the one before, across {r.LabelSets} label sets."));

            // Inhibition: its firings mostly start while another rule already fires on the same service.
            var during = mine.Select(f => (f, by: FiringBefore(f, r.Rule))).Where(x => x.by is not null).ToList();
            if (during.Count >= 2 && during.Count / (double)r.Firings >= 0.5)
            {
                var cause = during.GroupBy(x => x.by!, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First();
                list.Add(new FatigueRecommendation(r.Rule, "inhibit", $"Inhibit it while {cause.Key} fires on the same service (an inhibit rule with equal: [service]).",
                    $"{during.Count} of {r.Firings} firings began while {cause.Key} was already firing on that service."));
            }
            if (!r.HasRunbook) list.Add(Runbook(r));
        }
        return list;
    }

    private static FatigueRecommendation Runbook(FatigueRule r) =>
        new(r.Rule, "runbook", "Link a runbook: a runbook_url annotation, a runbook whose front matter matches the alert, or the service's catalogue entry.",
            $"Fired {r.Firings} times and paged {r.Pages} times with no runbook to follow.");

    /// <summary>The Mondays (00:00 UTC) of the weeks the period touches.</summary>
    public static IEnumerable<DateTime> Weeks(DateTime from, DateTime to)
    {
        var start = DateTime.SpecifyKind(from.Date.AddDays(-(((int)from.DayOfWeek + 6) % 7)), DateTimeKind.Utc);
        for (var w = start; w < to; w = w.AddDays(7)) yield return w;
    }

    public static double? Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return null;
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Nearest rank: the smallest value with at least <paramref name="p"/> of the values at or below it.</summary>
    public static double? Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0) return null;
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    public static string Num(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Pct(double share) => $"{Num(share * 100)}%";

    private static double? Round(double? v) => v is null ? null : Math.Round(v.Value, 4);

    private static double Round(double v) => Math.Round(v, 4);
}
