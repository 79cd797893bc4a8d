using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Tests.Shared;

namespace OpsConsole.Core.Tests.Alerting;

/// <summary>Alertmanager retries and several replicas post the same new alerts at once: one alert, one group, no error.</summary>
public sealed class IngestionConcurrencyTests
{
    [Fact]
    public async Task The_same_new_alerts_posted_concurrently_are_stored_once()
    {
        await using var store = await TestStore.CreateAsync(s => s.AddAlerting());
        var actor = new Actor("am", new HashSet<string> { TokenScopes.AlertIngest }, "test");
        var body = JsonSerializer.SerializeToElement(Enumerable.Range(0, 20).Select(i => new { labels = new { alertname = "Same", instance = $"i{i}" } }));
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            await using var scope = store.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<AlertIngestion>().IngestGenericAsync(actor, body);
        }));
        Assert.Equal(20, results.Sum(r => r.Created));
        Assert.Equal(7 * 20, results.Sum(r => r.Unchanged));
        await using var db = store.NewContext();
        Assert.Equal(20, db.Alerts.Count());
        Assert.Equal(20, db.AlertHistory.Count());
        Assert.Equal(1, db.AlertGroups.Count());
        Assert.Equal(20, db.AlertGroupMembers.Count());
    }

    [Fact]
    public async Task One_post_with_new_changed_and_unchanged_alerts_saves_each_in_one_go()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        await using var store = await TestStore.CreateAsync(s => { s.AddSingleton<TimeProvider>(clock); s.AddAlerting(); });
        var actor = new Actor("am", new HashSet<string> { TokenScopes.AlertIngest }, "test");
        async Task<IngestResult> Post(object alerts)
        {
            await using var scope = store.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<AlertIngestion>().IngestGenericAsync(actor, JsonSerializer.SerializeToElement(alerts));
        }
        await Post(new object[] { new { labels = new { alertname = "Kept" } }, new { labels = new { alertname = "Ends" } } });
        var first = clock.GetUtcNow().UtcDateTime;
        clock.Advance(TimeSpan.FromMinutes(1));
        var second = clock.GetUtcNow().UtcDateTime;

        var result = await Post(new object[]
        {
            new { labels = new { alertname = "Kept" } },
            new { labels = new { alertname = "Ends" }, status = "resolved" },
            new { labels = new { alertname = "New" } },
        });

        Assert.Equal(new IngestResult(3, 1, 1, 1), result);
        await using var db = store.NewContext();
        var alerts = db.Alerts.ToDictionary(a => a.Name);
        Assert.Equal(3, alerts.Count);
        Assert.Equal((AlertStatus.Firing, first, second), (alerts["Kept"].Status, alerts["Kept"].UpdatedAt, alerts["Kept"].LastSeenAt));
        Assert.Equal((AlertStatus.Resolved, second, second), (alerts["Ends"].Status, alerts["Ends"].UpdatedAt, alerts["Ends"].LastSeenAt));
        Assert.Equal((AlertStatus.Firing, second, second), (alerts["New"].Status, alerts["New"].FirstSeenAt, alerts["New"].LastSeenAt));
        Assert.Equal(4, db.AlertHistory.Count());
        Assert.Single(db.AlertHistory.Where(h => h.Fingerprint == alerts["Kept"].Fingerprint));
    }

    [Fact]
    public async Task A_viewer_cannot_post_alerts()
    {
        await using var store = await TestStore.CreateAsync(s => s.AddAlerting());
        await using var scope = store.Services.CreateAsyncScope();
        var viewer = new Actor("vic", new HashSet<string> { Roles.Viewer }, "test");
        await Assert.ThrowsAsync<OpsConsole.Core.Domain.AccessDeniedException>(() =>
            scope.ServiceProvider.GetRequiredService<AlertIngestion>().IngestGenericAsync(viewer, JsonSerializer.SerializeToElement(new { labels = new { a = "b" } })));
    }
}
