using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Core.Demo;

/// <summary>
/// First-run content for rollouts: the built-in analysis templates always, and with the demo on,
/// the services checkout, catalog and payments in dev, staging and prod at version 1.0.0, each with
/// the demo canary as its default strategy.
/// </summary>
public static class DemoSeed
{
    public static readonly string[] Services = ["checkout", "catalog", "payments"];
    public static readonly string[] Environments = ["dev", "staging", "prod"];
    public const string InitialVersion = "1.0.0";

    public static async Task EnsureAsync(OpsDbContext db, bool demo, DateTime now, CancellationToken ct = default)
    {
        // Each built-in template once: a console seeded before a template existed gains it.
        var have = await db.AnalysisTemplates.Select(t => t.Name).Distinct().ToListAsync(ct);
        {
            foreach (var t in DemoTemplates.All.Where(t => !have.Contains(t.Name)))
                db.AnalysisTemplates.Add(new StoredAnalysisTemplate
                {
                    Name = t.Name, Version = 1, Json = System.Text.Json.JsonSerializer.Serialize(t), CreatedBy = "system", CreatedAt = now,
                });
        }
        if (demo && !await db.DeployTargets.AnyAsync(ct))
        {
            var strategy = RolloutStrategy.DemoCanary(DemoTemplates.ErrorRate, DemoTemplates.Judge).ToJson();
            foreach (var service in Services)
                foreach (var environment in Environments)
                    db.DeployTargets.Add(new DeployTarget
                    {
                        Service = service, Environment = environment, StableVersion = InitialVersion, StableRevision = InitialVersion,
                        Instances = 1, DefaultStrategyJson = strategy, CreatedAt = now, UpdatedAt = now,
                    });
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Replicas starting at the same moment on an empty store: another one seeded the same rows first.
            db.ChangeTracker.Clear();
            if (!await db.AnalysisTemplates.AnyAsync(ct)) throw;
        }
    }
}
