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
    public async Task A_viewer_cannot_post_alerts()
    {
        await using var store = await TestStore.CreateAsync(s => s.AddAlerting());
        await using var scope = store.Services.CreateAsyncScope();
        var viewer = new Actor("vic", new HashSet<string> { Roles.Viewer }, "test");
        await Assert.ThrowsAsync<OpsConsole.Core.Domain.AccessDeniedException>(() =>
            scope.ServiceProvider.GetRequiredService<AlertIngestion>().IngestGenericAsync(viewer, JsonSerializer.SerializeToElement(new { labels = new { a = "b" } })));
    }
}
