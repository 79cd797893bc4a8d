using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Promotions;

/// <summary>
/// With the demo on: one promotion waiting for a ReleaseManager's approval, so the approvals inbox is
/// not empty on first run. Needs the demo's pipelines and releases; without them (or once any
/// promotion exists) it does nothing.
/// </summary>
public static class PromotionDemoSeed
{
    /// <summary>The demo pipeline that "asked" for the promotion: any signed-in ReleaseManager may approve it.</summary>
    public const string Requester = "demo-pipeline";

    /// <returns>The seeded promotion's id, or null when nothing was seeded.</returns>
    public static async Task<Guid?> EnsureAsync(OpsDbContext db, DateTime now, CancellationToken ct = default)
    {
        if (await db.Promotions.AnyAsync(ct)) return null;
        var stages = await db.PipelineStages.AsNoTracking().Where(s => s.RequiredApprovals > 0).OrderBy(s => s.Service).ThenByDescending(s => s.Order).ToListAsync(ct);
        foreach (var stage in stages)
        {
            var running = await db.DeployTargets.AsNoTracking().Where(t => t.Service == stage.Service && t.Environment == stage.Environment)
                .Select(t => t.StableVersion).FirstOrDefaultAsync(ct);
            var release = await db.Releases.AsNoTracking().Where(r => r.Service == stage.Service && r.Version != running)
                .OrderByDescending(r => r.RegisteredAt).FirstOrDefaultAsync(ct);
            if (release is null) continue;
            var key = $"{stage.Service}/{stage.Environment}";
            if (await db.Promotions.AnyAsync(p => p.InFlightKey == key, ct)) continue;
            var promotion = new Promotion
            {
                Service = stage.Service, Version = release.Version, Environment = stage.Environment, ReleaseId = release.Id, RequestedBy = Requester,
                RequestedAt = now, UpdatedAt = now, Status = PromotionStatus.WaitingForGates, InFlightKey = key, Message = "Seeded by the demo.",
            };
            db.Promotions.Add(promotion);
            await db.SaveChangesAsync(ct);
            return promotion.Id;
        }
        return null;
    }
}
