using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Hosting;

/// <summary>
/// What a fresh console starts with: the built-in analysis templates always; with the demo on, the
/// demo services, a SQLite migration target per service and environment, and their traffic.
/// </summary>
public static class DemoSetup
{
    /// <summary>The demo's SQLite target files: DATA/targets/&lt;service&gt;-&lt;environment&gt;.db.</summary>
    public static string DemoTargetDirectory(ConsoleSettings settings) => Path.Combine(settings.DataDirectory, "targets");

    public static async Task SeedDemoAsync(this IServiceProvider services, ConsoleSettings settings, CancellationToken ct = default)
    {
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
            await DemoSeed.EnsureAsync(db, settings.Demo, DateTime.UtcNow, ct);
        }
        if (!settings.Demo) return;
        await SeedDemoMigrationTargetsAsync(services, settings, ct);
        if (settings.DemoRequestsPerSecond <= 0) return;
        var traffic = services.GetRequiredService<ITrafficGenerator>();
        await using var s = services.CreateAsyncScope();
        foreach (var t in await s.ServiceProvider.GetRequiredService<OpsDbContext>().DeployTargets.AsNoTracking().ToListAsync(ct))
            traffic.SetLoad(t.Target, new TrafficLoad(settings.DemoRequestsPerSecond));
    }

    /// <summary>A SQLite target per demo service and environment (prod needs approval). Existing targets are kept.</summary>
    public static async Task SeedDemoMigrationTargetsAsync(this IServiceProvider services, ConsoleSettings settings, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<MigrationTargets>().SeedSqliteAsync(
            scope.ServiceProvider.GetRequiredService<OpsDbContext>(), DemoTargetDirectory(settings), DemoSeed.Services, DemoSeed.Environments,
            environment => environment == "prod", DateTime.UtcNow, ct);
    }
}
