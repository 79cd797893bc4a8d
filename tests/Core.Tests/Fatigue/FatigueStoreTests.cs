using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Fatigue;
using OpsConsole.Core.OnCall;
using OpsConsole.Core.Releases;
using OpsConsole.Core.Runbooks;
using OpsConsole.Core.Tests.Shared;

namespace OpsConsole.Core.Tests.Fatigue;

/// <summary>
/// The assessment read from a real store holding the demo history, written for "now" Mon 30 Mar 2026 12:00 UTC: 27 days from
/// Tue 3 Mar to Sun 29 Mar (days 0 to 26). DiskAlmostFull fires on even days (14) and on days 1, 5, 9, … 25 (7): 21;
/// CertificateExpiresSoon every weekday: 19; HighErrorRate and PodRestarting on 6 days each with one incident per day: 12;
/// LatencyHigh three instances on 3 days: 9. One page per firing: 61. Schedule "Primary" rotates weekly at 09:00 UTC from 23 Feb with one person, so the
/// period (2 Mar 12:00 to 30 Mar 12:00) holds five shifts, cut at 9, 16, 23 and 30 Mar 09:00.
/// </summary>
public sealed class FatigueStoreTests : IAsyncLifetime
{
    private static readonly DateTime Now = new(2026, 3, 30, 12, 0, 0, DateTimeKind.Utc);
    private TestStore _store = default!;

    public async Task InitializeAsync()
    {
        _store = await TestStore.CreateAsync();
        await using var db = _store.NewContext();
        foreach (var name in new[] { "Primary", "Other" })
            db.OnCallSchedules.Add(new OnCallSchedule
            {
                Name = name, UpdatedBy = "test",
                Layers = [new RotationLayer { Users = ["admin"], RotationLength = 7, Unit = RotationUnit.Days, HandoffTime = "09:00", TimeZone = "UTC", StartDate = "2026-02-23" }],
            });
        db.EscalationPolicies.Add(new EscalationPolicy { Name = FatigueDemoHistory.Policy, UpdatedBy = "test", Levels = [new EscalationLevel([new EscalationTarget(EscalationTargetKind.Schedule, "Primary")], 5)] });
        await db.SaveChangesAsync();
        Assert.True(await FatigueDemoHistory.EnsureAsync(db, Now));
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private async Task<FatigueReport> ReportAsync(string? schedule)
    {
        await using var db = _store.NewContext();
        return await FatigueQueries.ReportAsync(db, FatigueSettings.Default, schedule, Now.AddDays(-28), Now);
    }

    [Fact]
    public async Task The_demo_history_is_assessed_with_its_known_figures()
    {
        var r = await ReportAsync("Primary");
        Assert.Equal((61, 61), (r.Figures.Pages, r.Figures.Firings));
        Assert.Equal([("DiskAlmostFull", 21), ("CertificateExpiresSoon", 19), ("HighErrorRate", 6), ("PodRestarting", 6)],
            r.Rules.Where(x => x.Rule != "LatencyHigh").Select(x => (x.Rule, x.Firings)));
        Assert.Equal(9, r.Rules.Single(x => x.Rule == "LatencyHigh").Firings);
        Assert.Equal(21, r.Figures.SelfResolved);
        Assert.Equal((6, 6), (r.Figures.IncidentsWithDuplicatePages, r.Figures.DuplicatePages));
        Assert.Equal((1, 1), (r.Figures.LongSilences, r.Figures.RenewedSilences));
        Assert.Equal(["DiskAlmostFull", "PodRestarting"], r.RulesWithoutRunbook.Select(x => x.Rule).Order());
        Assert.Equal(5, r.Figures.Shifts);
        Assert.Equal([new DateTime(2026, 3, 9, 9, 0, 0), new DateTime(2026, 3, 16, 9, 0, 0), new DateTime(2026, 3, 23, 9, 0, 0), new DateTime(2026, 3, 30, 9, 0, 0)],
            r.Shifts.Skip(1).Select(s => DateTime.SpecifyKind(s.Start, DateTimeKind.Unspecified)));
        Assert.Contains(r.Recommendations, x => x is { Rule: "DiskAlmostFull", Kind: "add-for" });
        Assert.Contains(r.Recommendations, x => x is { Rule: "CertificateExpiresSoon", Kind: "ticket" });
        Assert.Contains(r.Recommendations, x => x is { Rule: "LatencyHigh", Kind: "group" });
        Assert.Contains(r.Recommendations, x => x is { Rule: "PodRestarting", Kind: "inhibit" });
    }

    [Fact]
    public async Task The_demo_history_is_written_once_and_marked_as_demo()
    {
        await using (var db = _store.NewContext())
        {
            Assert.False(await FatigueDemoHistory.EnsureAsync(db, Now.AddDays(3)));
            Assert.Equal(61, await db.Pages.CountAsync());
            var alerts = await db.Alerts.ToListAsync();
            Assert.All(alerts, a => Assert.Equal("true", a.Labels["demo"]));
            Assert.All(alerts, a => Assert.Equal(FatigueDemoHistory.Source, a.Source));
        }
        Assert.Equal(61, (await ReportAsync(null)).Figures.Pages);
    }

    [Fact]
    public async Task A_schedule_counts_only_the_pages_its_policies_send_and_an_unknown_one_is_refused()
    {
        var other = await ReportAsync("Other");
        Assert.Equal((0, 0, 5), (other.Figures.Pages, other.Figures.Firings, other.Figures.Shifts));
        var all = await ReportAsync(null);
        Assert.Equal((61, 10), (all.Figures.Pages, all.Figures.Shifts));
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => ReportAsync("Nobody's"));
        Assert.True(e.Errors.ContainsKey("schedule"));
    }

    [Fact]
    public async Task A_runbook_from_the_catalogue_or_from_front_matter_covers_a_rule()
    {
        await using (var db = _store.NewContext())
        {
            db.ServiceProfiles.Add(new ServiceProfile { Service = "payments", Runbooks = "disk-full", CreatedAt = Now, UpdatedAt = Now });
            await db.SaveChangesAsync();
        }
        Assert.Equal(["PodRestarting"], (await ReportAsync(null)).RulesWithoutRunbook.Select(x => x.Rule));
        await using (var db = _store.NewContext())
        {
            db.Runbooks.Add(new Runbook { Slug = "pods", Title = "Pods", Markdown = "# Pods", AlertsJson = "[\"alertname=\\\"PodRestarting\\\"\"]", UpdatedBy = "test" });
            await db.SaveChangesAsync();
        }
        Assert.Empty((await ReportAsync(null)).RulesWithoutRunbook);
    }

    [Theory]
    [InlineData("2026-03-10", "2026-03-01", "from")]
    [InlineData("2025-01-01", "2026-03-01", "to")]
    [InlineData("yesterday", null, "from")]
    public void A_bad_period_names_its_parameter(string from, string? to, string field)
    {
        var e = Assert.Throws<InvalidInputException>(() => FatigueQueries.ParsePeriod(from, to, Now));
        Assert.True(e.Errors.ContainsKey(field));
    }

    [Fact]
    public void Without_a_period_it_is_the_last_28_days_and_a_date_as_to_includes_that_day()
    {
        Assert.Equal((Now.AddDays(-28), Now), FatigueQueries.ParsePeriod(null, null, Now));
        Assert.Equal((new DateTime(2026, 3, 1), new DateTime(2026, 3, 11)),
            FatigueQueries.ParsePeriod("2026-03-01", "2026-03-10", Now) is var (a, b) ? (DateTime.SpecifyKind(a, DateTimeKind.Unspecified), DateTime.SpecifyKind(b, DateTimeKind.Unspecified)) : default);
    }

    [Fact]
    public void Silence_matchers_in_another_order_are_the_same_silence()
    {
        Assert.Equal(FatigueQueries.Normalize("{b=\"2\", a=\"1\"}"), FatigueQueries.Normalize("{a=\"1\",b=\"2\"}"));
    }

    [Fact]
    public void Shifts_are_cut_at_every_handoff_of_the_covering_layer()
    {
        Assert.Equal([new DateTime(2026, 3, 9, 9, 0, 0, DateTimeKind.Utc)],
            FatigueShifts.Handoffs(new RotationLayer { Users = ["a"], RotationLength = 7, HandoffTime = "09:00", TimeZone = "UTC", StartDate = "2026-02-23" },
                new DateTime(2026, 3, 2, 12, 0, 0, DateTimeKind.Utc), new DateTime(2026, 3, 9, 12, 0, 0, DateTimeKind.Utc)));
        // Two people, 12-hour shifts from 08:00 Berlin (07:00 UTC in March before the change on 29 Mar).
        var layer = new RotationLayer { Users = ["alice", "bob"], RotationLength = 12, Unit = RotationUnit.Hours, HandoffTime = "08:00", TimeZone = "Europe/Berlin", StartDate = "2026-03-02" };
        var shifts = FatigueShifts.For("Team", [layer], [], new DateTime(2026, 3, 2, 7, 0, 0, DateTimeKind.Utc), new DateTime(2026, 3, 3, 7, 0, 0, DateTimeKind.Utc));
        Assert.Equal([("alice", 7, 19), ("bob", 19, 7)], shifts.Select(s => (s.User, s.Start.Hour, s.End.Hour)));
    }

    [Fact]
    public void Settings_that_do_not_parse_name_their_variable()
    {
        var e = Assert.Throws<InvalidInputException>(() => FatigueSettings.From(k => k == "OPS_FATIGUE_WORK_HOURS" ? "18:00-09:00" : null));
        Assert.True(e.Errors.ContainsKey("OPS_FATIGUE_WORK_HOURS"));
        Assert.Throws<InvalidInputException>(() => FatigueSettings.From(k => k == "OPS_FATIGUE_TIME_ZONE" ? "Mars/Olympus" : null));
        Assert.Equal("Mon–Fri 09:00–18:00", FatigueSettings.Default.WorkingHoursText);
    }
}
