using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Releases;
using static OpsConsole.Core.Tests.Releases.ReleaseFixture;

namespace OpsConsole.Core.Tests.Releases;

public sealed class ReleaseDemoTests
{
    [Fact]
    public async Task The_demo_gets_pipelines_a_prod_freeze_releases_with_checks_and_config_once()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var promotions = new RecordingPromotions();
        await using var store = await CreateAsync(clock, promotions);

        await using (var scope = store.Scope()) await ReleaseDemo.EnsureAsync(scope.ServiceProvider, clock.GetUtcNow().UtcDateTime);
        await using (var scope = store.Scope()) await ReleaseDemo.EnsureAsync(scope.ServiceProvider, clock.GetUtcNow().UtcDateTime);

        await using var db = store.NewContext();
        Assert.Equal(3, await db.ServiceProfiles.CountAsync());
        var prod = await db.PipelineStages.SingleAsync(s => s.Service == "checkout" && s.Environment == "prod");
        Assert.Equal((2, "unit,e2e", 10, 1, false), (prod.Order, prod.RequiredChecks, prod.SoakMinutes, prod.RequiredApprovals, prod.AutoDeploy));
        Assert.True((await db.PipelineStages.SingleAsync(s => s.Service == "checkout" && s.Environment == "dev")).AutoDeploy);
        Assert.Equal(9, await db.Releases.CountAsync());
        Assert.Equal(18, await db.ReleaseChecks.CountAsync());
        Assert.Equal(18, await db.ConfigEntries.CountAsync());
        Assert.Equal(9, await db.ConfigEntries.CountAsync(e => e.IsSecret));
        var freeze = await db.FreezeWindows.SingleAsync();
        Assert.Equal("prod", freeze.Environment);
        // Seeding requests no deployment: the pipeline is saved after the releases.
        Assert.Empty(promotions.Requests);
        // Friday 27 November 2026, 16:30 in Berlin: frozen.
        Assert.True(FreezeCalendar.State([freeze], new DateTime(2026, 11, 27, 15, 30, 0, DateTimeKind.Utc)).Frozen);
    }
}
