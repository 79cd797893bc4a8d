using Microsoft.EntityFrameworkCore;

namespace OpsConsole.Core.Rollouts;

/// <summary>The store queries every reader of rollouts shares, so "in flight" means the same everywhere.</summary>
public static class RolloutQueries
{
    /// <summary>Rollouts in flight: the ones the one-per-target rule and the reconciler care about.</summary>
    public static IQueryable<Rollout> InFlight(this IQueryable<Rollout> rollouts) =>
        rollouts.Where(r => r.Phase == RolloutPhase.Progressing || r.Phase == RolloutPhase.Paused);

    /// <summary>With their analysis runs and every measurement (split, so measurements do not multiply rows).</summary>
    public static IQueryable<Rollout> WithAnalysis(this IQueryable<Rollout> rollouts) =>
        rollouts.Include(r => r.AnalysisRuns).ThenInclude(a => a.Measurements).AsSplitQuery();
}
