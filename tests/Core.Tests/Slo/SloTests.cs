using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Metrics;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Slo;
using OpsConsole.Core.Tests.Shared;
using OpsConsole.Tests.Shared;

namespace OpsConsole.Core.Tests.Slo;

/// <summary>SLOs on a real store: validation and roles, budgets and burn rates over windows on a fake clock and a fake history, and the burn-rate alerts they raise.</summary>
public sealed class SloTests : IAsyncLifetime
{
    private static readonly Actor Manager = new("rita", new HashSet<string> { Roles.ReleaseManager }, "test");
    private static readonly Actor Viewer = new("vic", new HashSet<string> { Roles.Viewer }, "test");
    private static readonly Actor OnCall = new("olga", new HashSet<string> { Roles.OnCall }, "test");
    private static readonly ServiceEnvironment Prod = new("checkout", "prod");
    private static readonly ServiceEnvironment Staging = new("checkout", "staging");

    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private readonly SloFakeHistory history = new();
    private readonly RecordingReceivers receivers = new();
    private TestStore store = null!;

    private DateTimeOffset Now => clock.GetUtcNow();

    public async Task InitializeAsync()
    {
        store = await TestStore.CreateAsync(s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.AddSingleton<OpsConsole.Core.OnCall.IAlertReceivers>(receivers);
            s.AddSingleton<IMetricHistory>(history);
            s.AddAlerting();
            s.AddSlos();
        });
        await using (var db = store.NewContext())
        {
            foreach (var t in new[] { Prod, Staging })
                db.DeployTargets.Add(new DeployTarget { Service = t.Service, Environment = t.Environment, DefaultStrategyJson = "{}" });
            await db.SaveChangesAsync();
        }
        await Scoped<AlertRoutes>(r => r.ReplaceAsync(Actor.System("test"), """
            route:
              receiver: pager
              group_by: [alertname, service, environment, rule]
              group_wait: 30s
              group_interval: 5m
              repeat_interval: 4h
              routes:
                - matchers: ['severity="ticket"']
                  receiver: tickets
            receivers: [{ name: pager }, { name: tickets }]
            """));
    }

    public async Task DisposeAsync() => await store.DisposeAsync();

    private async Task<T> Scoped<T>(Func<T, Task> work) where T : notnull
    {
        await using var scope = store.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<T>();
        await work(service);
        return service;
    }

    private async Task<TResult> Ask<T, TResult>(Func<T, Task<TResult>> work) where T : notnull
    {
        await using var scope = store.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<T>());
    }

    private Task<ServiceLevelObjective> CreateAsync(SloRequest r, Actor? actor = null) => Ask<SloCatalog, ServiceLevelObjective>(c => c.CreateAsync(actor ?? Manager, r));

    private Task<SloEvaluation> EvaluateAsync() => Ask<SloBurnEvaluator, SloEvaluation>(e => e.EvaluateAsync());

    private async Task FlushAfter(TimeSpan by)
    {
        clock.Advance(by);
        await Ask<AlertDispatcher, int>(d => d.FlushDueAsync());
    }

    public static TheoryData<string, SloRequest, string> BadRequests => new()
    {
        { "no service", new SloRequest(null, "prod", "availability", 0.999), "service" },
        { "bad service name", new SloRequest("Check Out", "prod", "availability", 0.999), "service" },
        { "unknown kind", new SloRequest("checkout", "prod", "uptime", 0.999), "kind" },
        { "numeric kind", new SloRequest("checkout", "prod", "1", 0.999), "kind" },
        { "no objective", new SloRequest("checkout", "prod", "availability", null), "objective" },
        { "objective 0.5", new SloRequest("checkout", "prod", "availability", 0.5), "objective" },
        { "objective 1", new SloRequest("checkout", "prod", "availability", 1), "objective" },
        { "six nines", new SloRequest("checkout", "prod", "availability", 0.999999), "objective" },
        { "percent not share", new SloRequest("checkout", "prod", "availability", 99.9), "objective" },
        { "window 0", new SloRequest("checkout", "prod", "availability", 0.999, 0), "windowDays" },
        { "window 91", new SloRequest("checkout", "prod", "availability", 0.999, 91), "windowDays" },
        { "latency without threshold", new SloRequest("checkout", "prod", "latency", 0.99), "latencyMs" },
        { "latency off the bounds", new SloRequest("checkout", "prod", "latency", 0.99, LatencyMs: 240), "latencyMs" },
        { "availability with threshold", new SloRequest("checkout", "prod", "availability", 0.999, LatencyMs: 250), "latencyMs" },
        { "unknown target", new SloRequest("checkout", "qa", "availability", 0.999), "service" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_is_refused_naming_the_field_and_saves_nothing(string _, SloRequest request, string field)
    {
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => CreateAsync(request));
        Assert.Contains(field, e.Errors.Keys);
        await using var db = store.NewContext();
        Assert.Empty(await db.Slos.ToListAsync());
        Assert.Empty(await db.OutboxEvents.Where(o => o.Type == EventTypes.SloCreated).ToListAsync());
    }

    [Fact]
    public async Task Release_managers_facilitators_and_admins_create_and_delete_everyone_reads_and_it_is_audited_and_announced()
    {
        await Assert.ThrowsAsync<AccessDeniedException>(() => CreateAsync(new SloRequest("checkout", "prod", "availability", 0.999), Viewer));
        await Assert.ThrowsAsync<AccessDeniedException>(() => CreateAsync(new SloRequest("checkout", "prod", "availability", 0.999), OnCall));
        var slo = await CreateAsync(new SloRequest(" checkout ", "prod", "Latency", 0.99, LatencyMs: 250));
        var facilitator = new Actor("fay", new HashSet<string> { Roles.Facilitator }, "test");
        var second = await CreateAsync(new SloRequest("checkout", "prod", "availability", 0.99999), facilitator);
        Assert.Equal(SloKind.Latency, slo.Kind);
        Assert.Equal("latency < 250 ms at 99%", slo.Describe());
        Assert.Equal(30, slo.WindowDays);
        await Assert.ThrowsAsync<ConflictException>(() => CreateAsync(new SloRequest("checkout", "prod", "latency", 0.99, LatencyMs: 250)));

        Assert.Equal(2, (await Ask<SloCatalog, IReadOnlyList<ServiceLevelObjective>>(c => c.ListAsync("checkout", "prod"))).Count);
        await Assert.ThrowsAsync<AccessDeniedException>(() => Scoped<SloCatalog>(c => c.DeleteAsync(Viewer, slo.Id)));
        await Scoped<SloCatalog>(c => c.DeleteAsync(Manager, slo.Id));
        await Assert.ThrowsAsync<NotFoundException>(() => Ask<SloCatalog, ServiceLevelObjective>(c => c.GetAsync(slo.Id)));
        Assert.Equal(second.Id, Assert.Single(await Ask<SloCatalog, IReadOnlyList<ServiceLevelObjective>>(c => c.ListAsync())).Id);

        await using var db = store.NewContext();
        var audit = await db.AuditEntries.Where(a => a.Target == $"slo/{slo.Id}").OrderBy(a => a.Sequence).Select(a => a.Action).ToListAsync();
        Assert.Equal(["slo.create", "slo.delete"], audit);
        var events = await db.OutboxEvents.Where(o => o.Subject == "checkout/prod").OrderBy(o => o.Time).Select(o => o.Type).ToListAsync();
        Assert.Equal([EventTypes.SloCreated, EventTypes.SloCreated, EventTypes.SloDeleted], events);
    }

    [Fact]
    public async Task Budget_remaining_and_burn_rates_follow_the_rolling_windows_on_a_fake_clock()
    {
        var slo = await CreateAsync(new SloRequest("checkout", "prod", "availability", 0.999, 30));
        // 29 days of 10,000 requests a minute with 0.05% errors, then a last day at 0.2%: over 30 days
        // (29 × 0.0005 + 1 × 0.002) / 30 = 0.055% of requests failed, 55% of the budget: 45% left.
        history.Add(Prod, Now - TimeSpan.FromDays(30), TimeSpan.FromDays(29), 10_000, 0.0005);
        history.Add(Prod, Now - TimeSpan.FromDays(1), TimeSpan.FromDays(1), 10_000, 0.002);
        // Older than the window: never counted.
        history.Add(Prod, Now - TimeSpan.FromDays(40), TimeSpan.FromDays(5), 1000, 1.0);

        var status = await Ask<SloMeter, SloStatus>(m => m.StatusAsync(slo));
        Assert.Equal(0.45, status.BudgetRemaining, 6);
        Assert.Equal(30L * 24 * 60 * 10_000, status.Requests);
        Assert.Equal(["5m", "30m", "1h", "6h", "3d"], status.BurnRates.Select(b => b.Window));
        Assert.Equal(2.0, status.BurnRate(TimeSpan.FromHours(1))!.Value, 6);
        Assert.Equal(2.0, status.BurnRate(TimeSpan.FromMinutes(5))!.Value, 6);
        // 3 days: two at 0.05%, one at 0.2% -> 0.1% -> 1×.
        Assert.Equal(1.0, status.BurnRate(TimeSpan.FromDays(3))!.Value, 6);

        // A day later the bad day is still in the window; the clean old days slide out of it.
        clock.Advance(TimeSpan.FromDays(1));
        var later = await Ask<SloMeter, SloStatus>(m => m.StatusAsync(slo));
        Assert.Equal(29L * 24 * 60 * 10_000, later.Requests);
        Assert.Null(later.BurnRate(TimeSpan.FromHours(1))); // no traffic in the last hour
        Assert.Equal(1 - (28 * 0.0005 + 0.002) / 29 / 0.001, later.BudgetRemaining, 6);

        // ISloBurn: the same burn for readers outside the capability.
        var burns = await Ask<ISloBurn, IReadOnlyList<SloBurnNow>>(b => b.CurrentAsync(Prod, TimeSpan.FromDays(3)));
        Assert.Equal(slo.Id, Assert.Single(burns).SloId);
        Assert.NotNull(burns[0].BurnRate);

        var burnDown = await Ask<SloMeter, IReadOnlyList<SloBudgetPoint>>(m => m.BurnDownAsync(slo));
        Assert.Equal(SloMeter.BurnDownPoints + 1, burnDown.Count);
        Assert.Equal(1, burnDown[0].BudgetRemaining);
        Assert.Equal(later.BudgetRemaining, burnDown[^1].BudgetRemaining, 6);
        // Points every 12 h: the bad day (the last before the quiet one) is whole at [^3] and half counted at [^4].
        Assert.True(burnDown[^1].BudgetRemaining < burnDown[^4].BudgetRemaining, "the bad day burns the budget down");
        Assert.Equal(burnDown[^3].BudgetRemaining, burnDown[^1].BudgetRemaining, 9);
    }

    [Fact]
    public async Task A_latency_slo_counts_the_answers_slower_than_its_threshold()
    {
        var slo = await CreateAsync(new SloRequest("checkout", "prod", "latency", 0.99, 7, 250));
        history.Add(Prod, Now - TimeSpan.FromDays(7), TimeSpan.FromDays(7), 1000, errorShare: 0.5, slowShare: 0.005, slowLatencyMs: 300);
        var status = await Ask<SloMeter, SloStatus>(m => m.StatusAsync(slo));
        // 0.5% of the answers are slower than 250 ms, against a 1% budget: half left, 5xx do not count.
        Assert.Equal(0.5, status.BudgetRemaining, 6);
        Assert.Equal(0.5, status.BurnRate(TimeSpan.FromHours(1))!.Value, 6);
    }

    [Fact]
    public async Task Startup_errors_in_the_first_minute_of_history_page_nobody_and_a_fault_still_burning_five_minutes_later_pages()
    {
        var slo = await CreateAsync(new SloRequest("checkout", "prod", "availability", 0.999));
        // The first minute after a start: instances still starting answer 10% with 5xx, and nothing older is stored.
        history.Add(Prod, Now, TimeSpan.FromMinutes(1), 150, 0.1);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty((await EvaluateAsync()).Firing);

        // A fault at 30% that lasts: once the history reaches back past five minutes, fast-burn pages.
        history.Add(Prod, Now, TimeSpan.FromMinutes(5), 300, 0.3);
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal([$"{slo.Id}/fast-burn"], (await EvaluateAsync()).Firing);
    }

    [Fact]
    public async Task The_fast_burn_page_fires_only_when_both_the_hour_and_the_five_minutes_burn_and_resolves_after()
    {
        var slo = await CreateAsync(new SloRequest("checkout", "prod", "availability", 0.999));
        history.Add(Prod, Now - TimeSpan.FromDays(30), TimeSpan.FromDays(30), 1000, 0);
        Assert.Empty((await EvaluateAsync()).Firing);

        // Four minutes at 2% errors: the 5 m window burns 16× but the hour only 1.3×: no alert.
        history.Add(Prod, Now, TimeSpan.FromMinutes(4), 1000, 0.02);
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty((await EvaluateAsync()).Firing);

        // An hour at 2% without a pause in the last five minutes: both windows burn 20×: fast-burn pages.
        history.Add(Prod, Now, TimeSpan.FromMinutes(60), 1000, 0.02);
        clock.Advance(TimeSpan.FromMinutes(60));
        var fired = await EvaluateAsync();
        Assert.Equal([$"{slo.Id}/fast-burn"], fired.Firing);
        Assert.Equal(1, fired.Raised);
        await FlushAfter(TimeSpan.FromSeconds(31));
        var page = Assert.Single(receivers.Sent);
        Assert.Equal("pager", page.Receiver);
        var alert = Assert.Single(page.Alerts);
        Assert.Equal(SloAlerts.BurnRate, alert.Labels["alertname"]);
        Assert.Equal("page", alert.Labels["severity"]);
        Assert.Equal("fast-burn", alert.Labels["rule"]);
        Assert.Equal(slo.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), alert.Labels["slo"]);
        Assert.Equal("checkout", alert.Labels["service"]);
        Assert.Equal("prod", alert.Labels["environment"]);
        Assert.StartsWith("checkout/prod availability 99.9%: error budget burning 20.0× over 1h and 20.0× over 5m (fast-burn at 14.4×);", alert.Annotations["summary"]);

        // Evaluated again and again while it burns: the same alert, no new one, nobody paged again.
        for (var i = 0; i < 4; i++)
        {
            history.Add(Prod, Now, TimeSpan.FromSeconds(30), 500, 0.02);
            clock.Advance(TimeSpan.FromSeconds(30));
            Assert.Equal(0, (await EvaluateAsync()).Raised);
            await FlushAfter(TimeSpan.Zero);
        }
        Assert.Single(receivers.Sent);
        await using (var db = store.NewContext())
        {
            var stored = Assert.Single(await db.Alerts.Where(a => a.Name == SloAlerts.BurnRate).ToListAsync());
            Assert.Equal(1, stored.TimesFired);
            Assert.Equal(AlertStatus.Firing, stored.Status);
        }

        // The errors stop: five clean minutes end the short window's burn and the alert resolves.
        history.Add(Prod, Now, TimeSpan.FromMinutes(6), 1000, 0);
        clock.Advance(TimeSpan.FromMinutes(6));
        var after = await EvaluateAsync();
        Assert.Empty(after.Firing);
        Assert.Equal(1, after.Resolved);
        await using (var db = store.NewContext())
            Assert.Equal(AlertStatus.Resolved, (await db.Alerts.SingleAsync(a => a.Name == SloAlerts.BurnRate)).Status);
        Assert.Equal(0, (await EvaluateAsync()).Resolved); // told once
    }

    [Fact]
    public async Task A_slow_budget_erosion_raises_a_ticket_that_pages_nobody_and_a_deleted_slo_resolves_its_alerts()
    {
        var slo = await CreateAsync(new SloRequest("checkout", "staging", "availability", 0.999));
        // Three days at 0.15% errors: 1.5× over 3 d and 6 h (ticket at 1×), far from 6× and 14.4×.
        history.Add(Staging, Now - TimeSpan.FromDays(3), TimeSpan.FromDays(3), 10_000, 0.0015);
        var evaluation = await EvaluateAsync();
        Assert.Equal([$"{slo.Id}/budget-erosion"], evaluation.Firing);
        await FlushAfter(TimeSpan.FromSeconds(31));
        var ticket = Assert.Single(receivers.Sent);
        Assert.Equal("tickets", ticket.Receiver);
        Assert.Equal("ticket", Assert.Single(ticket.Alerts).Labels["severity"]);
        Assert.DoesNotContain(receivers.Sent, n => n.Receiver == "pager");

        await Scoped<SloCatalog>(c => c.DeleteAsync(Manager, slo.Id));
        Assert.Equal(1, (await EvaluateAsync()).Resolved);
    }

    [Fact]
    public async Task Without_traffic_nothing_fires_and_the_budget_is_whole()
    {
        var slo = await CreateAsync(new SloRequest("checkout", "prod", "availability", 0.999));
        Assert.Empty((await EvaluateAsync()).Firing);
        var status = await Ask<SloMeter, SloStatus>(m => m.StatusAsync(slo));
        Assert.Equal(1, status.BudgetRemaining);
        Assert.All(status.BurnRates, b => Assert.Null(b.BurnRate));
    }
}
