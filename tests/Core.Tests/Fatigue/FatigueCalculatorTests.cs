using OpsConsole.Core.Fatigue;

namespace OpsConsole.Core.Tests.Fatigue;

/// <summary>
/// A two-week history whose answers were worked out by hand. Period Mon 2 Mar 2026 00:00 to Mon 16 Mar
/// 00:00 UTC (2 weeks), working hours Mon–Fri 09:00–18:00 UTC, schedule "Primary": alice on call the
/// first week, bob the second (two 168-hour shifts). Every page comes 10 s after its alert fires.
/// <list type="bullet">
/// <item>Flappy (payments, no runbook): fires Tue 3 Mar 02:00, Wed 4 Mar 03:00, Sat 7 Mar 12:00, Tue 10 Mar 10:00, each for 2 min,
/// paged, never acknowledged: 4 firings that resolved on their own; 3 of its pages outside hours.</item>
/// <item>Cert (catalog): fires Thu 5, Wed 11, Thu 12 Mar 10:00 for 3 h, paged, never acknowledged.</item>
/// <item>Errors (checkout): Tue 3 Mar 14:00 (acknowledged after 4 min, incident 1) and Tue 10 Mar 20:00 (after 20 min, incident 2), 25 min each.</item>
/// <item>PodRestart (checkout): 2 min after each Errors, 15 min, acknowledged after 5 and 21 min, pages for incidents 1 and 2 again.</item>
/// <item>Latency (catalog, three instances): Fri 13 Mar 16:30, 16:31, 16:32, 20 min, one page each, the first acknowledged after 7 min.</item>
/// </list>
/// 14 pages (7 per week): 6 in alice's shift, 8 in bob's; 14 × 12 / 336 h = 0.5 pages per 12 h. Outside hours: Flappy's
/// first three and both of 10 Mar 20:00 = 5 (2.5 per week, 5/14 of pages). Acknowledged: 4, 5, 7, 20, 21 min: p50 (rank 3) 7,
/// p90 (rank 5) 21. 14 firings, 4 resolved on their own (4/14 = 0.2857 to four places). Score: 25 + 25×(4−2.5)/2 + 25×(30−21)/15
/// + 25×(0.4−0.2857)/0.2 = 25 + 18.75 + 15 + 14.2875 = 73.
/// </summary>
public sealed class FatigueCalculatorTests
{
    private static readonly DateTime From = At(2, 0), To = At(16, 0);

    private static DateTime At(int day, int hour, int minute = 0, int second = 0) => new(2026, 3, day, hour, minute, second, DateTimeKind.Utc);

    private static FatigueHistory History()
    {
        var alerts = new List<FatigueAlert>
        {
            Alert("a1", "Flappy", "payments", runbook: false),
            Alert("b1", "Cert", "catalog"),
            Alert("e1", "Errors", "checkout"),
            Alert("p1", "PodRestart", "checkout"),
            Alert("l1", "Latency", "catalog"),
            Alert("l2", "Latency", "catalog"),
            Alert("l3", "Latency", "catalog"),
        };
        var firings = new List<FatigueFiring>();
        var pages = new List<FatiguePage>();
        void Fire(string fp, DateTime at, int minutes, int? ackMinutes = null, long? incident = null)
        {
            firings.Add(new FatigueFiring(fp, at, at.AddMinutes(minutes)));
            var created = at.AddSeconds(10);
            pages.Add(new FatiguePage(Guid.NewGuid(), [fp], incident, created, ackMinutes is { } a ? created.AddMinutes(a) : null, ["Primary"]));
        }
        Fire("a1", At(3, 2), 2);
        Fire("a1", At(4, 3), 2);
        Fire("a1", At(7, 12), 2);
        Fire("a1", At(10, 10), 2);
        Fire("b1", At(5, 10), 180);
        Fire("b1", At(11, 10), 180);
        Fire("b1", At(12, 10), 180);
        Fire("e1", At(3, 14), 25, 4, 1);
        Fire("p1", At(3, 14, 2), 15, 5, 1);
        Fire("e1", At(10, 20), 25, 20, 2);
        Fire("p1", At(10, 20, 2), 15, 21, 2);
        Fire("l1", At(13, 16, 30), 20, 7);
        Fire("l2", At(13, 16, 31), 20);
        Fire("l3", At(13, 16, 32), 20);
        // Outside the period: counted nowhere.
        Fire("a1", At(1, 3), 2);
        Fire("a1", At(16, 3), 2);

        var silences = new List<FatigueSilence>
        {
            Silence("{alertname=\"Flappy\"}", At(7, 12, 5), 72),
            Silence("{alertname=\"Cert\"}", At(5, 10, 5), 8),
            Silence("{alertname=\"Cert\"}", At(11, 10, 5), 8),
            Silence("{alertname=\"Cert\"}", At(12, 10, 5), 8),
            Silence("{service=\"x\"}", At(6, 10), 1),
            Silence("{alertname=\"Cert\"}", new DateTime(2026, 2, 20, 10, 0, 0, DateTimeKind.Utc), 8),
        };
        var shifts = new List<FatigueShift> { new("Primary", "alice", At(2, 0), At(9, 0)), new("Primary", "bob", At(9, 0), At(16, 0)) };
        return new FatigueHistory(alerts, firings, pages, silences, shifts);
    }

    private static FatigueAlert Alert(string fp, string rule, string service, bool runbook = true) =>
        new(fp, rule, service, new Dictionary<string, string> { ["alertname"] = rule, ["service"] = service }, runbook);

    private static FatigueSilence Silence(string matchers, DateTime start, int hours) => new(Guid.NewGuid(), matchers, start, start.AddHours(hours), start, "vera");

    private static FatigueReport Report() => FatigueCalculator.Compute(History(), FatigueSettings.Default, From, To, "Primary", "UTC");

    [Fact]
    public void Pages_per_week_and_per_shift_are_counted_in_the_period()
    {
        var f = Report().Figures;
        Assert.Equal(14, f.Pages);
        Assert.Equal(2, f.Weeks);
        Assert.Equal(7, f.PagesPerWeek);
        Assert.Equal(2, f.Shifts);
        Assert.Equal(7, f.PagesPerShift);
        Assert.Equal(8, f.MaxPagesInShift);
        Assert.Equal(0.5, f.PagesPer12Hours);
        Assert.Equal(0, f.ShiftsOverLimit);
        var shifts = Report().Shifts;
        Assert.Equal([("alice", 6), ("bob", 8)], shifts.Select(s => (s.User, s.Pages)));
        Assert.Equal(Math.Round(6 * 12 / 168.0, 4), shifts[0].PagesPer12Hours);
    }

    [Fact]
    public void Pages_outside_working_hours_count_nights_evenings_and_weekends()
    {
        var f = Report().Figures;
        Assert.Equal(5, f.OutOfHoursPages);
        Assert.Equal(Math.Round(5 / 14.0, 4), f.OutOfHoursShare);
        Assert.Equal(2.5, f.OutOfHoursPagesPerWeek);
    }

    [Fact]
    public void Out_of_hours_follow_the_time_zone_and_the_configured_hours()
    {
        // In New York (EST, UTC−5, until Sun 8 Mar; EDT, UTC−4, after) the 02:00 and 03:00 UTC pages are the evening before
        // (21:00, 22:00), Sat 12:00 UTC is Saturday 07:00, and the four 10:00 UTC pages are 05:00 or 06:00: 7 outside. The 14:00 UTC
        // pages are 09:00, the 20:00 UTC ones 16:00 and Latency's 12:30: in hours.
        var ny = FatigueCalculator.Compute(History(), FatigueSettings.Default, From, To, null, "America/New_York").Figures;
        Assert.Equal(7, ny.OutOfHoursPages);
        // Working 08:00–22:00 every day in UTC: only the 02:00 and 03:00 pages are outside.
        var wide = FatigueSettings.From(k => k switch { "OPS_FATIGUE_WORK_HOURS" => "08:00-22:00", "OPS_FATIGUE_WORK_DAYS" => "Mon,Tue,Wed,Thu,Fri,Sat,Sun", _ => null });
        Assert.Equal(2, FatigueCalculator.Compute(History(), wide, From, To, null, "UTC").Figures.OutOfHoursPages);
    }

    [Fact]
    public void Time_to_acknowledge_is_the_nearest_rank_percentile_of_acknowledged_pages()
    {
        var f = Report().Figures;
        Assert.Equal(5, f.AcknowledgedPages);
        Assert.Equal(9, f.UnacknowledgedPages);
        Assert.Equal(7, f.AckP50Minutes);
        Assert.Equal(21, f.AckP90Minutes);
    }

    [Fact]
    public void Firings_that_resolved_within_minutes_unacknowledged_resolved_on_their_own()
    {
        var f = Report().Figures;
        Assert.Equal(14, f.Firings);
        Assert.Equal(4, f.SelfResolved);
        Assert.Equal(Math.Round(4 / 14.0, 4), f.SelfResolvedShare);
        // With a 1-minute limit none of the 2-minute blips counts.
        var strict = FatigueSettings.From(k => k == "OPS_FATIGUE_SELF_RESOLVE_MINUTES" ? "1" : null);
        Assert.Equal(0, FatigueCalculator.Compute(History(), strict, From, To, null, "UTC").Figures.SelfResolved);
    }

    [Fact]
    public void An_acknowledged_short_firing_did_not_resolve_on_its_own()
    {
        var h = History();
        var blip = At(6, 11);
        h = h with
        {
            Firings = [.. h.Firings, new FatigueFiring("a1", blip, blip.AddMinutes(3))],
            Pages = [.. h.Pages, new FatiguePage(Guid.NewGuid(), ["a1"], null, blip.AddSeconds(10), blip.AddMinutes(1), ["Primary"])],
        };
        var f = FatigueCalculator.Compute(h, FatigueSettings.Default, From, To, null, "UTC").Figures;
        Assert.Equal(15, f.Firings);
        Assert.Equal(4, f.SelfResolved);
    }

    [Fact]
    public void The_noisiest_rules_come_first_with_their_share_and_runbook()
    {
        var rules = Report().Rules;
        Assert.Equal(["Flappy", "Cert", "Latency", "Errors", "PodRestart"], rules.Select(r => r.Rule));
        var flappy = rules[0];
        Assert.Equal((4, Math.Round(4 / 14.0, 4), 4, 0, 3, 4, 2.0, 1, false),
            (flappy.Firings, flappy.Share, flappy.Pages, flappy.AcknowledgedPages, flappy.OutOfHoursPages, flappy.SelfResolved, flappy.MedianMinutes, flappy.LabelSets, flappy.HasRunbook));
        var latency = rules[2];
        Assert.Equal((3, 3, 1, 3, 20.0), (latency.Firings, latency.Pages, latency.AcknowledgedPages, latency.LabelSets, latency.MedianMinutes));
        Assert.Equal(["Flappy"], Report().RulesWithoutRunbook.Select(r => r.Rule));
        Assert.Equal((5, 1), (Report().Figures.Rules, Report().Figures.RulesWithoutRunbook));
    }

    [Fact]
    public void Silences_too_long_and_renewed_again_and_again_are_found()
    {
        var r = Report();
        var longOne = Assert.Single(r.LongSilences);
        Assert.Equal(("{alertname=\"Flappy\"}", 72.0), (longOne.Matchers, longOne.Hours));
        // The Cert silence of 20 Feb lies outside the period: three within it.
        var renewed = Assert.Single(r.RenewedSilences);
        Assert.Equal(("{alertname=\"Cert\"}", 3, 24.0), (renewed.Matchers, renewed.Times, renewed.TotalHours));
        Assert.Equal((1, 1), (r.Figures.LongSilences, r.Figures.RenewedSilences));
    }

    [Fact]
    public void Pages_for_an_incident_that_was_paged_already_are_duplicates()
    {
        var r = Report();
        Assert.Equal([(1L, 2, 1), (2L, 2, 1)], r.DuplicatePages.Select(d => (d.IncidentId, d.Pages, d.Extra)));
        Assert.Equal(["Errors", "PodRestart"], r.DuplicatePages[0].Rules);
        Assert.Equal((2, 2), (r.Figures.IncidentsWithDuplicatePages, r.Figures.DuplicatePages));
    }

    [Fact]
    public void The_score_adds_the_points_of_each_threshold()
    {
        var score = Report().Score;
        Assert.Equal(73, score.Value);
        Assert.Equal("some noise", score.Verdict);
        Assert.Equal(
            [("pages-per-shift", 0.5, true, 25.0), ("out-of-hours", 2.5, false, 18.75), ("ack-p90", 21.0, false, 15.0), ("self-resolving", Math.Round(4 / 14.0, 4), false, 14.2875)],
            score.Thresholds.Select(t => (t.Key, t.Measured!.Value, t.Met, t.Points)));
        Assert.Equal("at most 2 per 12 hours on call", score.Thresholds[0].Limit);
        Assert.Equal("21 min", score.Thresholds[2].MeasuredText);
    }

    [Fact]
    public void The_weeks_series_splits_pages_and_firings_by_monday()
    {
        var weeks = Report().Weeks;
        Assert.Equal(
            [(At(2, 0), 6, 3, 6, 3), (At(9, 0), 8, 2, 8, 1)],
            weeks.Select(w => (w.WeekStart, w.Pages, w.OutOfHoursPages, w.Firings, w.SelfResolved)));
    }

    [Fact]
    public void Recommendations_follow_each_rules_figures_with_the_reason()
    {
        var recs = Report().Recommendations;
        Assert.Equal([("Flappy", "add-for"), ("Flappy", "runbook"), ("Cert", "ticket"), ("Latency", "group")], recs.Select(r => (r.Rule, r.Kind)));
        Assert.Contains("`for: 2m`", recs[0].Action);
        Assert.Equal("4 of 4 firings (100%) resolved on their own within 5 min, unacknowledged; the longest lasted 2 min.", recs[0].Reason);
        Assert.Equal("Paged 3 times, acknowledged 0 (0%): nobody acts on it at once.", recs[2].Reason);
        Assert.Equal("2 of its 3 pages came within 5 min of the one before, across 3 label sets.", recs[3].Reason);
    }

    [Fact]
    public void A_rule_firing_daily_gets_a_higher_threshold_and_one_firing_under_another_is_inhibited()
    {
        // One week (Mon 2 to Mon 9 Mar). Busy fires every 12 h from Mon 00:00 (14 times) for 30 min, each page acknowledged after 2 min;
        // Child fires 5 min into the first three of them on the same service, for 10 min, acknowledged after 1 min.
        var alerts = new List<FatigueAlert> { Alert("busy", "Busy", "checkout"), Alert("child", "Child", "checkout") };
        var firings = new List<FatigueFiring>();
        var pages = new List<FatiguePage>();
        for (var i = 0; i < 14; i++)
        {
            var at = At(2, 0).AddHours(12 * i);
            firings.Add(new FatigueFiring("busy", at, at.AddMinutes(30)));
            pages.Add(new FatiguePage(Guid.NewGuid(), ["busy"], null, at.AddSeconds(10), at.AddMinutes(2), []));
            if (i < 3)
            {
                firings.Add(new FatigueFiring("child", at.AddMinutes(5), at.AddMinutes(15)));
                pages.Add(new FatiguePage(Guid.NewGuid(), ["child"], null, at.AddMinutes(5).AddSeconds(10), at.AddMinutes(6), []));
            }
        }
        var report = FatigueCalculator.Compute(new FatigueHistory(alerts, firings, pages, [], []), FatigueSettings.Default, At(2, 0), At(9, 0), null, "UTC");
        Assert.Equal([("Busy", "raise-threshold"), ("Child", "inhibit")], report.Recommendations.Select(r => (r.Rule, r.Kind)));
        Assert.Equal("Fired 14 times (14 per week), 82.35% of all firings.", report.Recommendations[0].Reason);
        Assert.Equal("3 of 3 firings began while Busy was already firing on that service.", report.Recommendations[1].Reason);
        Assert.Contains("Inhibit it while Busy fires", report.Recommendations[1].Action);
        // No shifts: pages per 12 h over the whole period (17 × 12 / 168).
        Assert.Equal(Math.Round(17 * 12 / 168.0, 4), report.Figures.PagesPer12Hours);
        Assert.Equal(0, report.Figures.Shifts);
    }

    [Fact]
    public void Each_threshold_earns_full_points_at_its_limit_and_none_at_twice_it()
    {
        var s = FatigueSettings.Default;
        FatigueFigures Figures(double per12, double ooh, double? p90, double? self, int pages = 10) =>
            new(pages, 1, pages, 1, pages, pages, per12, 0, 0, 0, ooh, 1, 0, p90, p90, 10, 0, self, 1, 0, 0, 0, 0, 0);
        var atLimit = FatigueCalculator.Score(Figures(2, 2, 15, 0.2), s, hasShifts: true);
        Assert.Equal(100, atLimit.Value);
        Assert.All(atLimit.Thresholds, t => Assert.True(t.Met));
        var twice = FatigueCalculator.Score(Figures(4, 4, 30, 0.4), s, hasShifts: true);
        Assert.Equal(0, twice.Value);
        Assert.Equal("fatiguing", twice.Verdict);
        // Pages sent and none acknowledged: the acknowledgement threshold is not met.
        var unacknowledged = FatigueCalculator.Score(Figures(1, 0, null, 0), s, hasShifts: true);
        Assert.Equal((75, false, "no page acknowledged"), (unacknowledged.Value, unacknowledged.Thresholds[2].Met, unacknowledged.Thresholds[2].MeasuredText));
        // Nothing at all: nothing to complain about.
        Assert.Equal(100, FatigueCalculator.Score(Figures(0, 0, null, null, pages: 0), s, hasShifts: false).Value);
    }

    [Fact]
    public void An_empty_period_is_a_full_score_with_empty_weeks()
    {
        var r = FatigueCalculator.Compute(new FatigueHistory([], [], [], [], []), FatigueSettings.Default, From, To, null, "UTC");
        Assert.Equal(100, r.Score.Value);
        Assert.Equal(2, r.Weeks.Count);
        Assert.Empty(r.Recommendations);
        Assert.Null(r.Figures.AckP50Minutes);
    }
    [Fact]
    public void A_year_of_a_busy_pager_is_assessed_whole()
    {
        // 366 days, 40 rules on 8 services, a firing every 20 minutes (26,352), each paged, every other one acknowledged after 3 min.
        var from = new DateTime(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        var alerts = Enumerable.Range(0, 40).Select(i => Alert($"fp{i}", $"Rule{i}", $"svc{i % 8}")).ToList();
        var firings = new List<FatigueFiring>();
        var pages = new List<FatiguePage>();
        for (var n = 0; n < 366 * 72; n++)
        {
            var at = from.AddMinutes(20 * n);
            var fp = $"fp{n % 40}";
            firings.Add(new FatigueFiring(fp, at, at.AddMinutes(n % 3 == 0 ? 2 : 30)));
            pages.Add(new FatiguePage(Guid.NewGuid(), [fp], null, at.AddSeconds(10), n % 2 == 0 ? at.AddMinutes(3) : null, []));
        }
        var r = FatigueCalculator.Compute(new FatigueHistory(alerts, firings, pages, [], []), FatigueSettings.Default, from, from.AddDays(366), null, "UTC");
        Assert.Equal((366 * 72, 366 * 72, 40), (r.Figures.Pages, r.Figures.Firings, r.Figures.Rules));
        Assert.Equal(Math.Round(170 / 60.0, 4), r.Figures.AckP90Minutes); // 10 s after the alert, acknowledged 3 min after it
        Assert.Equal(53, r.Weeks.Count);
    }
}
