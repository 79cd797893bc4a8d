using OpsConsole.Core.Domain;
using OpsConsole.Core.Dora;
using OpsConsole.Core.Events;
using OpsConsole.Core.Tests.Shared;
using static OpsConsole.Core.Tests.Dora.DoraHistory;

namespace OpsConsole.Core.Tests.Dora;

/// <summary>
/// A two-week history whose answers were worked out by hand (period Mon 2 Nov 00:00 to Mon 16 Nov
/// 00:00 UTC, 14 days):
/// checkout in prod: 0.9.1 healthy 2 Nov 10:00 (commit 08:00, lead 2 h); 0.9.2 healthy 4 Nov 00:00
/// (commit 3 Nov 00:00, lead 24 h), incident 1 on checkout/prod 06:00, resolved 08:00 (failed,
/// recovered in 2 h); 0.9.3 rolled back 5 Nov 12:00 (failed; recovered by 0.9.4 at 18:00: 6 h); 0.9.4
/// healthy 5 Nov 18:00 (commit 14:00, lead 4 h); 0.9.5 healthy 10 Nov 00:00 (commit 9 Nov, lead 24 h);
/// a drill rollback and a drill incident on 10 Nov that must not count; a staging deploy that is not prod.
/// payments in prod: 0.8.0 healthy 3 Nov 12:00 (no release: no lead time); 0.9.0 healthy 12 Nov 00:00
/// (commit 20 Oct, lead 552 h), incident 3 on "payments" at 20:00, never resolved (failed, unrecovered);
/// incident 4 on 14 Nov, 62 h after the last deploy (nobody's failure); before the period a deploy on
/// 1 Nov 12:00 and incident 2 on 2 Nov 01:00 (that deploy's failure, outside the period).
/// </summary>
public sealed class DoraMetricsTests : IAsyncLifetime
{
    private static readonly DateTime From = At(2), To = At(16);
    private TestStore _store = default!;

    public async Task InitializeAsync()
    {
        _store = await TestStore.CreateAsync();
        await new DoraHistory(_store)
            .Release("checkout", "0.9.1", At(2, 8)).Deployed("checkout", "staging", "0.9.1", At(2, 9)).Deployed("checkout", "prod", "0.9.1", At(2, 10))
            .Release("checkout", "0.9.2", At(3)).Deployed("checkout", "prod", "0.9.2", At(4))
            .IncidentOpened(1, At(4, 6), "checkout/prod").IncidentResolved(1, At(4, 8), "checkout/prod")
            .Release("checkout", "0.9.3", At(5)).RolledBack("checkout", "prod", "0.9.3", At(5, 12))
            .Release("checkout", "0.9.4", At(5, 14)).Deployed("checkout", "prod", "0.9.4", At(5, 18))
            .Release("checkout", "0.9.5", At(9)).Deployed("checkout", "prod", "0.9.5", At(10))
            .RolledBack("checkout", "prod", "0.9.6-drill", At(10, 12), drill: true)
            .Event(EventTypes.IncidentOpened, "checkout/prod", At(10, 13), new { incidentId = 9, services = new[] { "checkout/prod" }, drill = true })
            .Deployed("payments", "prod", "0.7.9", At(1, 12)).IncidentOpened(2, At(2, 1), "payments/prod")
            .Deployed("payments", "prod", "0.8.0", At(3, 12))
            .Release("payments", "0.9.0", new DateTime(2026, 10, 20, 0, 0, 0, DateTimeKind.Utc)).Deployed("payments", "prod", "0.9.0", At(12))
            .IncidentOpened(3, At(12, 20), "payments")
            .IncidentOpened(4, At(14, 14), "payments/prod").IncidentResolved(4, At(14, 15), "payments/prod")
            .SaveAsync();
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private async Task<DoraReport> ReportAsync(string? service = null, DoraSettings? settings = null)
    {
        await using var db = _store.NewContext();
        return await DoraQueries.ReportAsync(db, settings ?? DoraSettings.Default, service, From, To);
    }

    [Fact]
    public async Task Checkout_figures_match_the_hand_computed_answers()
    {
        var f = (await ReportAsync()).Services.Single(s => s.Service == "checkout").Figures;
        Assert.Equal(5, f.Deployments);
        Assert.Equal(4, f.SuccessfulDeployments);
        Assert.Equal(2, f.FailedDeployments);
        Assert.Equal(0.2857, f.DeploymentsPerDay);       // 4 / 14
        Assert.Equal(2.0, f.DeploymentsPerWeek);
        Assert.Equal(DoraBand.High, f.FrequencyBand);
        Assert.Equal(4, f.LeadTimeSamples);               // 2, 4, 24, 24
        Assert.Equal(14.0, f.LeadTimeMedianHours);        // (4 + 24) / 2
        Assert.Equal(24.0, f.LeadTimeP90Hours);           // rank ceil(3.6) = 4
        Assert.Equal(DoraBand.Elite, f.LeadTimeBand);
        Assert.Equal(0.4, f.ChangeFailureRate);           // 2 / 5
        Assert.Equal(DoraBand.Low, f.ChangeFailureBand);
        Assert.Equal(2, f.Recoveries);                     // 2 h and 6 h
        Assert.Equal(0, f.Unrecovered);
        Assert.Equal(4.0, f.RecoveryMedianHours);
        Assert.Equal(DoraBand.High, f.RecoveryBand);
    }

    [Fact]
    public async Task Payments_figures_match_the_hand_computed_answers()
    {
        var f = (await ReportAsync()).Services.Single(s => s.Service == "payments").Figures;
        Assert.Equal(2, f.Deployments);
        Assert.Equal(2, f.SuccessfulDeployments);
        Assert.Equal(1, f.FailedDeployments);
        Assert.Equal(1.0, f.DeploymentsPerWeek);
        Assert.Equal(DoraBand.High, f.FrequencyBand);
        Assert.Equal(1, f.LeadTimeSamples);
        Assert.Equal(552.0, f.LeadTimeMedianHours);       // 23 days
        Assert.Equal(DoraBand.Medium, f.LeadTimeBand);
        Assert.Equal(0.5, f.ChangeFailureRate);
        Assert.Equal(0, f.Recoveries);
        Assert.Equal(1, f.Unrecovered);
        Assert.Null(f.RecoveryMedianHours);
        Assert.Equal(DoraBand.None, f.RecoveryBand);
    }

    [Fact]
    public async Task Overall_figures_pool_every_service()
    {
        var report = await ReportAsync();
        Assert.Equal(["checkout", "payments"], report.Services.Select(s => s.Service));
        var f = report.Overall;
        Assert.Equal(7, f.Deployments);
        Assert.Equal(6, f.SuccessfulDeployments);
        Assert.Equal(3, f.FailedDeployments);
        Assert.Equal(3.0, f.DeploymentsPerWeek);          // 6 / 14 * 7
        Assert.Equal(24.0, f.LeadTimeMedianHours);        // 2, 4, 24, 24, 552
        Assert.Equal(552.0, f.LeadTimeP90Hours);          // rank ceil(4.5) = 5
        Assert.Equal(DoraBand.High, f.LeadTimeBand);       // a day is not under a day
        Assert.Equal(0.4286, f.ChangeFailureRate);        // 3 / 7
        Assert.Equal(4.0, f.RecoveryMedianHours);
        Assert.Equal(1, f.Unrecovered);
    }

    [Fact]
    public async Task Weeks_hold_the_deploys_failures_and_lead_time_median_of_each_week()
    {
        var weeks = (await ReportAsync()).Weeks;
        Assert.Equal([At(2), At(9)], weeks.Select(w => w.WeekStart));
        Assert.Equal([5, 2], weeks.Select(w => w.Deployments));
        Assert.Equal([2, 1], weeks.Select(w => w.Failed));
        Assert.Equal([4.0, 288.0], weeks.Select(w => w.LeadTimeMedianHours)); // (2, 4, 24) and (24, 552)
    }

    [Fact]
    public async Task Drill_rollbacks_and_drill_incidents_never_count()
    {
        var report = await ReportAsync("checkout");
        Assert.DoesNotContain(report.Deployments, d => d.Version == "0.9.6-drill");
        var tenth = Assert.Single(report.Deployments, d => d.Version == "0.9.5");
        Assert.False(tenth.Failed);
        Assert.Equal(24.0, tenth.LeadTimeHours);
    }

    [Fact]
    public async Task A_service_report_has_that_service_only()
    {
        var report = await ReportAsync("payments");
        Assert.Equal("payments", Assert.Single(report.Services).Service);
        Assert.Equal(2, report.Overall.Deployments);
        Assert.All(report.Deployments, d => Assert.Equal("payments", d.Service));
        var failed = Assert.Single(report.Deployments, d => d.Failed);
        Assert.Equal("incident 3", failed.FailedBy);
    }

    [Fact]
    public async Task Production_environments_come_from_the_settings()
    {
        var report = await ReportAsync(settings: DoraSettings.From(null, "staging"));
        Assert.Equal(["staging"], report.ProdEnvironments);
        var only = Assert.Single(report.Deployments);
        Assert.Equal(("checkout", "staging", 1.0), (only.Service, only.Environment, only.LeadTimeHours));
    }

    [Theory]
    [InlineData("2026-11-10", "2026-11-02", "from")]
    [InlineData("2025-01-01", "2026-11-02", "to")]
    [InlineData("yesterday", null, "from")]
    [InlineData(null, "2026-13-01", "to")]
    public void A_bad_period_is_refused(string? from, string? to, string field)
    {
        var e = Assert.Throws<InvalidInputException>(() => DoraQueries.ParsePeriod(from, to, At(28)));
        Assert.Contains(field, e.Errors.Keys);
    }

    [Fact]
    public void A_date_as_to_includes_that_day_and_the_default_period_is_four_weeks()
    {
        Assert.Equal((At(2), At(16)), DoraQueries.ParsePeriod("2026-11-02", "2026-11-15", At(28)));
        Assert.Equal((At(28) - TimeSpan.FromDays(28), At(28)), DoraQueries.ParsePeriod(null, null, At(28)));
        Assert.Equal((At(2, 6, 30), At(3)), DoraQueries.ParsePeriod("2026-11-02T06:30:00Z", "2026-11-03T00:00:00Z", At(28)));
    }

    [Theory]
    [InlineData(1.0, DoraBand.Elite)]
    [InlineData(0.15, DoraBand.High)]
    [InlineData(0.04, DoraBand.Medium)]
    [InlineData(0.01, DoraBand.Low)]
    public void Frequency_bands_follow_the_report(double perDay, DoraBand band) => Assert.Equal(band, DoraBands.Frequency(perDay));

    [Fact]
    public void Lead_time_failure_rate_and_recovery_bands_follow_the_report()
    {
        Assert.Equal([DoraBand.Elite, DoraBand.High, DoraBand.Medium, DoraBand.Low, DoraBand.None],
            new double?[] { 23, 24, 24 * 7, 24 * 30, null }.Select(DoraBands.LeadTime));
        Assert.Equal([DoraBand.Elite, DoraBand.High, DoraBand.Medium, DoraBand.Low],
            new double?[] { 0.05, 0.1, 0.15, 0.16 }.Select(DoraBands.ChangeFailure));
        Assert.Equal([DoraBand.Elite, DoraBand.High, DoraBand.Medium, DoraBand.Low],
            new double?[] { 0.5, 23, 24 * 6, 24 * 7 }.Select(DoraBands.Recovery));
    }

    [Fact]
    public async Task The_demo_history_fills_every_demo_service_once_and_is_already_delivered()
    {
        var now = At(28, 12);
        await using (var db = _store.NewContext())
            await DoraDemoHistory.EnsureAsync(db, EventSource.ForInstance("test"), now);
        int events;
        await using (var db = _store.NewContext())
        {
            events = db.OutboxEvents.Count();
            await DoraDemoHistory.EnsureAsync(db, EventSource.ForInstance("test"), now);
        }
        await using (var db = _store.NewContext())
        {
            Assert.Equal(events, db.OutboxEvents.Count());
            Assert.All(db.Releases.Where(r => r.Version.StartsWith("0.9.")).ToList(), r => Assert.True(r.CommitTime < now));
            Assert.Equal(0, db.OutboxEvents.Count(e => e.CorrelationId == "demo-history" && e.RelayedAt == null));
            var report = await DoraQueries.ReportAsync(db, DoraSettings.Default, null, now - TimeSpan.FromDays(28), now);
            foreach (var service in DoraDemoHistory.Services)
            {
                var f = report.Services.Single(s => s.Service == service).Figures;
                Assert.True(f.SuccessfulDeployments >= 5, $"{service}: {f.SuccessfulDeployments}");
                Assert.NotEqual(DoraBand.None, f.LeadTimeBand);
            }
            Assert.True(report.Overall.FailedDeployments >= 2);
            Assert.True(report.Overall.Recoveries >= 2);
        }
    }
}
