using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Slo;

/// <summary>The demo's SLOs: availability 99.9% and latency under 250 ms at 99% for every demo service in staging and prod.</summary>
public static class SloDemo
{
    public static readonly string[] Environments = ["staging", "prod"];

    /// <summary>Seeds only a console that has no SLO yet and only for the deploy targets that exist.</summary>
    public static async Task EnsureAsync(OpsDbContext db, SloCatalog catalog, CancellationToken ct = default)
    {
        if (await db.Slos.AnyAsync(ct)) return;
        var targets = await db.DeployTargets.AsNoTracking().Where(t => Environments.Contains(t.Environment)).OrderBy(t => t.Service).ThenBy(t => t.Environment).ToListAsync(ct);
        var system = Actor.System("demo-seed");
        foreach (var t in targets.Where(t => Demo.DemoSeed.Services.Contains(t.Service)))
        {
            await catalog.CreateAsync(system, new SloRequest(t.Service, t.Environment, "availability", 0.999), ct);
            await catalog.CreateAsync(system, new SloRequest(t.Service, t.Environment, "latency", 0.99, LatencyMs: 250), ct);
        }
    }
}
