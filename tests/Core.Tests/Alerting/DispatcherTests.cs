using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.OnCall;
using OpsConsole.Core.Tests.Shared;
using OpsConsole.Tests.Shared;

namespace OpsConsole.Core.Tests.Alerting;

/// <summary>The notification cycle with fake time: group_wait, group_interval, repeat_interval, resolved, silences, inhibition, mute, restart.</summary>
public sealed class DispatcherTests : IAsyncLifetime
{
    private static readonly Actor Admin = new("admin", new HashSet<string>(Roles.All), "test");
    private static readonly Actor Ingest = new("am", new HashSet<string> { TokenScopes.AlertIngest }, "test");
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero)); // a Monday
    private readonly RecordingReceivers receivers = new();
    private TestStore store = null!;

    public async Task InitializeAsync()
    {
        store = await TestStore.CreateAsync(s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.AddSingleton<OpsConsole.Core.OnCall.IAlertReceivers>(receivers);
            s.AddAlerting();
        });
        await Scoped<AlertRoutes>(r => r.ReplaceAsync(Admin, """
            route:
              receiver: default
              group_by: [alertname, service]
              group_wait: 30s
              group_interval: 5m
              repeat_interval: 1h
              routes:
                - matchers: [team="web"]
                  receiver: web
                  mute_time_intervals: [nights]
                - matchers: [severity="page"]
                  receiver: pager
                  continue: true
                - matchers: [service="checkout"]
                  receiver: checkout
            receivers: [{ name: default }, { name: web }, { name: pager }, { name: checkout }]
            inhibit_rules:
              - source_matchers: [alertname="ServiceDown"]
                target_matchers: [alertname!="ServiceDown"]
                equal: [service]
            time_intervals:
              - name: nights
                time_intervals: [{ times: [{ start_time: "22:00", end_time: "24:00" }] }]
            """));
    }

    public async Task DisposeAsync() => await store.DisposeAsync();

    private async Task<T> Scoped<T, TService>(Func<TService, Task<T>> work) where TService : notnull
    {
        await using var scope = store.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<TService>());
    }

    private Task<int> Scoped<TService>(Func<TService, Task<int>> work) where TService : notnull => Scoped<int, TService>(work);

    private Task<IngestResult> Post(string status, params string[] labels) =>
        Scoped<IngestResult, AlertIngestion>(i => i.IngestGenericAsync(Ingest, JsonSerializer.SerializeToElement(new
        {
            labels = labels.Select(l => l.Split('=')).ToDictionary(p => p[0], p => p[1]),
            status,
        })));

    private Task<int> Flush() => Scoped<AlertDispatcher>(d => d.FlushDueAsync());

    private async Task AdvanceAndFlush(TimeSpan by)
    {
        clock.Advance(by);
        await Flush();
    }

    [Fact]
    public async Task First_notification_after_group_wait_then_group_interval_for_changes_and_repeat_for_unchanged()
    {
        await Post("firing", "alertname=HighLatency", "service=catalog", "instance=a");
        await AdvanceAndFlush(TimeSpan.FromSeconds(29));
        Assert.Empty(receivers.Sent);
        await AdvanceAndFlush(TimeSpan.FromSeconds(1));
        var first = Assert.Single(receivers.Sent);
        Assert.Equal("default", first.Receiver);
        Assert.Equal(new Dictionary<string, string> { ["alertname"] = "HighLatency", ["service"] = "catalog" }, first.GroupLabels);

        // a second alert of the same group waits for group_interval, and both go out together
        await Post("firing", "alertname=HighLatency", "service=catalog", "instance=b");
        await AdvanceAndFlush(TimeSpan.FromMinutes(4));
        Assert.Single(receivers.Sent);
        await AdvanceAndFlush(TimeSpan.FromMinutes(1));
        Assert.Equal(2, receivers.Sent.Count);
        Assert.Equal(2, receivers.Sent[1].Alerts.Count);

        // nothing changes: no notification until repeat_interval (1h) has passed since the last one
        for (var i = 0; i < 11; i++) await AdvanceAndFlush(TimeSpan.FromMinutes(5));
        Assert.Equal(2, receivers.Sent.Count);
        await AdvanceAndFlush(TimeSpan.FromMinutes(5));
        Assert.Equal(3, receivers.Sent.Count);

        // a repeated post changes nothing
        var again = await Post("firing", "alertname=HighLatency", "service=catalog", "instance=b");
        Assert.Equal(1, again.Unchanged);

        // resolved: told once at the next group_interval, then the group ends
        await Post("resolved", "alertname=HighLatency", "service=catalog", "instance=a");
        await Post("resolved", "alertname=HighLatency", "service=catalog", "instance=b");
        await AdvanceAndFlush(TimeSpan.FromMinutes(5));
        var resolved = receivers.Sent[^1];
        Assert.Equal(4, receivers.Sent.Count);
        Assert.Equal(AlertStatus.Resolved, resolved.Status);
        await AdvanceAndFlush(TimeSpan.FromHours(2));
        Assert.Equal(4, receivers.Sent.Count);
        Assert.Equal(0, await Scoped<int, AlertQueries>(_ => Task.FromResult(store.NewContext().AlertGroups.Count())));
    }

    [Fact]
    public async Task Continue_sends_to_every_matching_receiver_in_order()
    {
        await Post("firing", "alertname=Down", "service=checkout", "severity=page");
        await AdvanceAndFlush(TimeSpan.FromSeconds(30));
        Assert.Equal(["checkout", "pager"], receivers.Sent.Select(n => n.Receiver).Order());
    }

    [Fact]
    public async Task Silenced_alerts_send_nothing_until_the_silence_ends()
    {
        await Scoped<SilenceView, Silences>(s => s.CreateAsync(Admin, "{service=\"catalog\"}", null, clock.GetUtcNow().UtcDateTime.AddMinutes(10), "deploying"));
        await Post("firing", "alertname=HighLatency", "service=catalog");
        await AdvanceAndFlush(TimeSpan.FromSeconds(30));
        Assert.Empty(receivers.Sent);
        await AdvanceAndFlush(TimeSpan.FromMinutes(10));
        Assert.Single(receivers.Sent);
        // the expiry was announced once as an event
        await using var db = store.NewContext();
        Assert.Single(db.OutboxEvents.Where(e => e.Type == OpsConsole.Core.Events.EventTypes.SilenceExpired));
    }

    [Fact]
    public async Task Inhibited_alerts_send_nothing_while_the_source_fires()
    {
        await Post("firing", "alertname=ServiceDown", "service=catalog");
        await Post("firing", "alertname=HighLatency", "service=catalog");
        await Post("firing", "alertname=HighLatency", "service=payments");
        await AdvanceAndFlush(TimeSpan.FromSeconds(30));
        var names = receivers.Sent.Select(n => $"{n.GroupLabels["alertname"]}/{n.GroupLabels["service"]}").Order().ToList();
        Assert.Equal(["HighLatency/payments", "ServiceDown/catalog"], names);
        // the source resolves: the target is notified at its next group_interval
        await Post("resolved", "alertname=ServiceDown", "service=catalog");
        await AdvanceAndFlush(TimeSpan.FromMinutes(5));
        Assert.Contains(receivers.Sent, n => n.GroupLabels["alertname"] == "HighLatency" && n.GroupLabels["service"] == "catalog");
    }

    [Fact]
    public async Task Muted_routes_hold_notifications_until_the_interval_ends()
    {
        clock.Advance(TimeSpan.FromHours(10)); // 22:00
        await Post("firing", "alertname=PageSlow", "team=web");
        await AdvanceAndFlush(TimeSpan.FromSeconds(30));
        Assert.Empty(receivers.Sent);
        await AdvanceAndFlush(TimeSpan.FromHours(2)); // 00:00:30 next day: not muted
        Assert.Equal("web", Assert.Single(receivers.Sent).Receiver);
    }

    [Fact]
    public async Task Timers_survive_a_restart_because_groups_live_in_the_store()
    {
        await Post("firing", "alertname=HighLatency", "service=catalog");
        clock.Advance(TimeSpan.FromSeconds(30));
        // a new process: a fresh routing cache and dispatcher over the same store
        store.Services.GetRequiredService<AlertRoutingState>().Invalidate();
        Assert.Equal(1, await Flush());
        Assert.Equal("default", Assert.Single(receivers.Sent).Receiver);
    }
}
