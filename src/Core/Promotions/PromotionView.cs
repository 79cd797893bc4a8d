using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Promotions;

public sealed record ApprovalView(string By, DateTime At, string Decision, string Comment, string ConfigHash, Guid ReleaseId);

public sealed record FreezeOverrideView(string By, string Reason, DateTime At);

/// <summary>A promotion as the API and the pages show it: status, gates with reasons, decisions, and the plan/rollout carrying it out.</summary>
public sealed record PromotionView(
    Guid Id, string Service, string Version, string Environment, string Status, string Message, string RequestedBy, DateTime RequestedAt, DateTime UpdatedAt,
    DateTime? EvaluatedAt, IReadOnlyList<GateResult> Gates, IReadOnlyList<ApprovalView> Approvals, Guid? PlanId, Guid? RolloutId,
    string ConfigHashAtRequest, string? DeployedConfigHash, FreezeOverrideView? FreezeOverride)
{
    public static PromotionView From(Promotion p) => new(
        p.Id, p.Service, p.Version, p.Environment, p.Status.ToString(), p.Message, p.RequestedBy, p.RequestedAt, p.UpdatedAt, p.EvaluatedAt, p.Gates,
        [.. p.Approvals.OrderBy(a => a.At).Select(a => new ApprovalView(a.By, a.At, a.Decision.ToString(), a.Comment, a.ConfigHash, a.ReleaseId))],
        p.PlanId, p.RolloutId, p.ConfigHashAtRequest, p.DeployedConfigHash,
        p.FreezeOverrideBy is { } by ? new FreezeOverrideView(by, p.FreezeOverrideReason ?? "", p.FreezeOverrideAt ?? p.UpdatedAt) : null);
}

/// <summary>Filters for listing promotions; every one optional.</summary>
public sealed record PromotionFilter(string? Service = null, string? Environment = null, string? Version = null, PromotionStatus? Status = null,
    bool? Open = null, int Limit = 50);

public static class PromotionQueries
{
    public static async Task<List<Promotion>> ListAsync(this OpsDbContext db, PromotionFilter filter, CancellationToken ct = default)
    {
        var q = db.Promotions.AsNoTracking().Include(p => p.Approvals).AsQueryable();
        if (!string.IsNullOrWhiteSpace(filter.Service)) q = q.Where(p => p.Service == filter.Service);
        if (!string.IsNullOrWhiteSpace(filter.Environment)) q = q.Where(p => p.Environment == filter.Environment);
        if (!string.IsNullOrWhiteSpace(filter.Version)) q = q.Where(p => p.Version == filter.Version);
        if (filter.Status is { } s) q = q.Where(p => p.Status == s);
        if (filter.Open == true) q = q.Where(p => p.InFlightKey != null);
        if (filter.Open == false) q = q.Where(p => p.InFlightKey == null);
        return await q.OrderByDescending(p => p.RequestedAt).Take(Math.Clamp(filter.Limit, 1, 500)).ToListAsync(ct);
    }
}
