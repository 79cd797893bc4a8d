using Bunit;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Components.Pages.Metrics;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Events;
using OpsConsole.Core.Metrics;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Tests.Components.Metrics;

/// <summary>The service dashboard: charts per revision, events on the time axis, the range picker, and pushed updates.</summary>
public sealed class ServiceDashboardTests : ComponentContext
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private static readonly FixedClock Clock = new(Now);

    public ServiceDashboardTests() : base(s =>
    {
        s.AddSingleton<TimeProvider>(Clock);
        s.AddMetricHistory();
    })
    {
        using var db = NewDb();
        foreach (var (service, environment) in new[] { ("checkout", "prod"), ("checkout", "dev"), ("payments", "prod") })
            db.DeployTargets.Add(new DeployTarget { Service = service, Environment = environment, DefaultStrategyJson = "{}", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
        db.SaveChanges();
    }

    private async Task PointsAsync(DateTimeOffset at, params (string Revision, long Requests, long Errors, double P99)[] revisions)
    {
        await using var db = NewDb();
        foreach (var r in revisions)
            db.MetricPoints.Add(new MetricPoint
            {
                Service = "checkout", Environment = "prod", Revision = r.Revision, StepSeconds = 10, BucketStart = at.UtcDateTime,
                Requests = r.Requests, Errors5xx = r.Errors, LatencyP50Ms = r.P99 / 4, LatencyP90Ms = r.P99 / 2, LatencyP99Ms = r.P99,
            });
        await db.SaveChangesAsync();
    }

    private async Task<OutboxEvent> EventAsync(string type, DateTimeOffset at, object data)
    {
        await using var db = NewDb();
        var row = Services.GetRequiredService<EventOutbox>().Add(db, new Actor("ci", new HashSet<string>(), "bunit"), type, "checkout/prod", data);
        row.Time = at.UtcDateTime;
        await db.SaveChangesAsync();
        return row;
    }

    private IRenderedComponent<ServiceDashboard> RenderDashboard(string service = "checkout", string environment = "prod") =>
        Render<ServiceDashboard>(p => p.Add(c => c.Service, service).Add(c => c.Environment, environment));

    [Fact]
    public async Task The_dashboard_charts_each_revision_and_marks_rollouts_and_rollbacks_on_the_time_axis()
    {
        SignIn("vera", Roles.Viewer);
        await PointsAsync(Now.AddSeconds(-40), ("1-0-0", 100, 0, 40), ("1-1-0", 10, 5, 400));
        await PointsAsync(Now.AddSeconds(-30), ("1-0-0", 100, 1, 42), ("1-1-0", 10, 5, 410));
        await EventAsync(EventTypes.DeployStarted, Now.AddSeconds(-45), new { service = "checkout", environment = "prod", version = "1.1.0", previousVersion = "1.0.0", strategy = "canary" });
        await EventAsync(EventTypes.RollbackExecuted, Now.AddSeconds(-25), new { service = "checkout", environment = "prod", version = "1.1.0", stableVersion = "1.0.0", trigger = "analysis" });
        await EventAsync(EventTypes.DeployStarted, Now.AddHours(-3), new { service = "checkout", environment = "prod", version = "0.9.0" });

        var cut = RenderDashboard();

        cut.WaitForAssertion(() => Assert.Equal(["1-0-0", "1-1-0"], cut.FindAll("[data-testid=revision-row]").Select(r => r.GetAttribute("data-revision"))));
        Assert.Equal("50 %", cut.FindAll("[data-testid=revision-error-ratio]")[1].TextContent.Trim());
        Assert.Equal(["rollback", "deploy"], cut.FindAll("[data-testid=marker-row]").Select(r => r.GetAttribute("data-kind")));
        Assert.Contains("rolled back to 1.0.0", cut.Find("[data-testid=marker-row]").TextContent);
        // The ticks sit where their events happened in the hour shown (45 s and 25 s before its end).
        var ticks = cut.FindAll("[data-testid=marker-tick]");
        Assert.Equal(2, ticks.Count);
        Assert.Contains("left:98.75%", ticks[0].GetAttribute("style")!.Replace(" ", ""));
        Assert.NotEmpty(cut.FindAll("[data-testid=chart-requests] svg"));
        Assert.NotEmpty(cut.FindAll("[data-testid=chart-latency] svg"));
        Assert.Contains("220 requests", cut.Find("[data-testid=dashboard-scope]").TextContent);
        Assert.NotNull(cut.Find("[data-testid=dashboard-live]"));
    }

    [Fact]
    public async Task A_stored_tick_and_a_new_event_reach_an_open_dashboard_without_a_reload()
    {
        SignIn("vera", Roles.Viewer);
        await PointsAsync(Now.AddSeconds(-30), ("1-0-0", 100, 0, 40));
        var cut = RenderDashboard();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=revision-row]")));
        Assert.NotNull(cut.Find("[data-testid=markers-none]"));

        await PointsAsync(Now.AddSeconds(-20), ("1-0-0", 100, 0, 40), ("1-2-0", 50, 50, 900));
        Services.GetRequiredService<MetricUpdates>().Publish(new MetricTick(Now.AddSeconds(-20), [new ServiceEnvironment("payments", "prod")]));
        // A tick for another target leaves this page alone; one for its own target reloads it.
        Assert.Single(cut.FindAll("[data-testid=revision-row]"));
        Services.GetRequiredService<MetricUpdates>().Publish(new MetricTick(Now.AddSeconds(-20), [new ServiceEnvironment("checkout", "prod")]));
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=revision-row]").Count));
        Assert.Equal("100 %", cut.FindAll("[data-testid=revision-error-ratio]")[1].TextContent.Trim());

        var rollback = await EventAsync(EventTypes.RollbackExecuted, Now.AddSeconds(-15), new { service = "checkout", environment = "prod", version = "1.2.0", stableVersion = "1.0.0" });
        await using (var db = NewDb())
            await Services.GetRequiredService<LiveEvents>().OnEventAsync(EventEnvelope.From(rollback), db, CancellationToken.None);
        cut.WaitForAssertion(() => Assert.Equal("rollback", cut.Find("[data-testid=marker-row]").GetAttribute("data-kind")));
    }

    [Fact]
    public async Task The_range_picker_reads_longer_ranges_at_coarser_steps()
    {
        SignIn("vera", Roles.Viewer);
        await PointsAsync(Now.AddHours(-5), ("1-0-0", 100, 0, 40));
        var cut = RenderDashboard();
        cut.WaitForAssertion(() => Assert.Contains("step 10s", cut.Find("[data-testid=dashboard-scope]").TextContent));
        Assert.NotNull(cut.Find("[data-testid=dashboard-empty]"));

        cut.Find("[data-testid=range-6h]").Click();

        cut.WaitForAssertion(() => Assert.Contains("step 1m", cut.Find("[data-testid=dashboard-scope]").TextContent));
        Assert.Contains("100 requests", cut.Find("[data-testid=dashboard-scope]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=dashboard-empty]"));
    }

    [Fact]
    public void A_service_the_console_does_not_deploy_is_named_in_an_error()
    {
        SignIn("vera", Roles.Viewer);
        var cut = RenderDashboard("nothing", "prod");
        cut.WaitForAssertion(() => Assert.Contains("There is no service 'nothing'", cut.Find("[data-testid=dashboard-error]").TextContent));
    }

    [Fact]
    public void The_dashboards_page_links_every_service_and_environment()
    {
        SignIn("vera", Roles.Viewer);
        var cut = Render<DashboardsPage>();
        cut.WaitForAssertion(() => Assert.Equal(["checkout", "payments"], cut.FindAll("[data-testid=dashboard-service]").Select(r => r.GetAttribute("data-service"))));
        Assert.Equal(["/services/checkout/dev", "/services/checkout/prod", "/services/payments/prod"],
            cut.FindAll("[data-testid=dashboard-link]").Select(a => a.GetAttribute("href")));
    }
}

/// <summary>A clock that stays at one moment, so the ranges the page reads are known.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
