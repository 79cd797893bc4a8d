using OpsConsole.Core.Cluster;
using OpsConsole.Core.Rollouts.Judge;

namespace OpsConsole.Core.Rollouts;

/// <summary>
/// The baseline of a judged canary step (Kayenta's advice: compare like with like): a fresh revision
/// of the stable version, as many instances as the canary, with the canary's traffic share taken from
/// stable, for as long as the judged analysis runs. Removed when the analysis ends or the rollout ends.
/// It is started beside the canary, without traffic, as soon as a judged step lies ahead: a new process
/// takes seconds to pass its health checks, and the judge should compare from the canary's first traffic.
/// </summary>
public sealed partial class RolloutEngine
{
    /// <summary>Set on the baseline so it is a revision of its own (same version and config as stable, another name).</summary>
    public const string BaselineMarker = "CANARY_BASELINE";

    private bool IsJudgedStep(Rollout r) =>
        r.Strategy.Canary is { } c && r.CurrentStepIndex < c.Steps.Count && c.Steps[r.CurrentStepIndex] is AnalysisStep a && JudgeRun.IsJudged(_templates.Find(a.Template));

    /// <summary>The step's analysis already decided (e.g. inconclusive, waiting for a person): no baseline is needed any more.</summary>
    private static bool StepRunDecided(Rollout r, string template) =>
        r.AnalysisRuns.Any(a => a.Kind == AnalysisRunKind.Step && a.StepIndex == r.CurrentStepIndex && a.TemplateName == template && a.StartedAt >= r.StepStartedAt && a.Phase != Analysis.AnalysisPhase.Running);

    public static RevisionSpec BaselineSpec(Rollout r, int instances)
    {
        var config = r.StableConfig.ToDictionary(kv => kv.Key, kv => kv.Value);
        config[BaselineMarker] = "true";
        return new RevisionSpec(r.StableVersion!, Math.Max(1, instances), config);
    }

    /// <summary>Starts (or re-declares) the baseline and gives it the canary's share once it is ready; the baseline's name then, else null (still starting).</summary>
    private async Task<string?> EnsureBaselineAsync(Rollout r, Revision canary, CancellationToken ct)
    {
        if (r.StableRevision is null || r.StableVersion is null || r.StableRevision == r.Revision) return null;
        var baseline = await _cluster.DeployRevisionAsync(r.Target, BaselineSpec(r, canary.DesiredInstances), ct);
        if (!baseline.IsReady)
        {
            r.Message = $"Starting the baseline {baseline.Name} for the judge: {baseline.ReadyInstances} of {baseline.DesiredInstances} instances healthy.";
            return null;
        }
        if (r.BaselineRevision != baseline.Name)
        {
            r.BaselineRevision = baseline.Name;
            await _cluster.SetWeightsAsync(r.Target, SplitFor(r, r.CanaryWeight), ct);
        }
        return baseline.Name;
    }

    /// <summary>A judged analysis step at or after the current one.</summary>
    private bool JudgedStepAhead(Rollout r) =>
        r.Strategy.Canary is { } c && c.Steps.Skip(r.CurrentStepIndex).OfType<AnalysisStep>().Any(a => JudgeRun.IsJudged(_templates.Find(a.Template)));

    /// <summary>Starts the baseline beside the canary, without traffic, so the judged step finds it ready; a no-op when no judged step lies ahead.</summary>
    private async Task WarmBaselineAsync(Rollout r, Revision canary, CancellationToken ct)
    {
        if (r.BaselineRevision is not null || r.StableRevision is null || r.StableVersion is null || r.StableRevision == r.Revision || !JudgedStepAhead(r)) return;
        await _cluster.DeployRevisionAsync(r.Target, BaselineSpec(r, canary.DesiredInstances), ct);
    }

    /// <summary>Removes a baseline that was started but never got traffic (the rollout ended before its judged step).</summary>
    private async Task RemoveWarmBaselineAsync(Rollout r, CancellationToken ct)
    {
        if (r.BaselineRevision is not null || r.StableVersion is null || r.Strategy.Canary is not { } c
            || !c.Steps.OfType<AnalysisStep>().Any(a => JudgeRun.IsJudged(_templates.Find(a.Template)))) return;
        var name = BaselineSpec(r, 1).Name;
        var service = await _cluster.GetServiceAsync(r.Target, ct);
        if (service?.FindRevision(name) is not null && service.Routing.WeightOf(name) == 0) await _cluster.RemoveRevisionAsync(r.Target, name, ct);
    }

    /// <summary>Takes the baseline's traffic back to stable (unless <paramref name="resplit"/> is false: the caller already moved it) and removes it; a no-op without one.</summary>
    private async Task EndBaselineAsync(Rollout r, CancellationToken ct, bool resplit = true)
    {
        if (r.BaselineRevision is not { } baseline) return;
        r.BaselineRevision = null;
        if (resplit && r.StableRevision is not null && r.StableRevision != r.Revision)
            await _cluster.SetWeightsAsync(r.Target, SplitFor(r, r.CanaryWeight), ct);
        var routing = (await _cluster.GetServiceAsync(r.Target, ct))?.Routing;
        if (routing is null || routing.WeightOf(baseline) == 0) await _cluster.RemoveRevisionAsync(r.Target, baseline, ct);
    }

    /// <summary>The canary split, with the baseline taking the canary's share from stable while it runs.</summary>
    private static TrafficSplit SplitFor(Rollout r, int canaryWeight)
    {
        if (r.StableRevision is null || r.StableRevision == r.Revision) return TrafficSplit.AllTo(r.Revision);
        if (r.BaselineRevision is not { } baseline || canaryWeight is <= 0 or >= 100) return TrafficSplit.Canary(r.StableRevision, r.Revision, canaryWeight);
        var share = Math.Min(canaryWeight, 100 - canaryWeight);
        var weights = new Dictionary<string, int> { [r.Revision] = canaryWeight, [baseline] = share };
        if (100 - canaryWeight - share > 0) weights[r.StableRevision] = 100 - canaryWeight - share;
        return new TrafficSplit(weights);
    }
}
