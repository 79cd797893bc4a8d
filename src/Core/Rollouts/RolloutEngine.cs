using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;

namespace OpsConsole.Core.Rollouts;

/// <summary>
/// The reconciler's step: compares a rollout's desired state with what the cluster reports and
/// takes the next idempotent actions. Calling it again after a crash repeats at most the last,
/// idempotent, cluster call; the rollout's stored state says where it is.
/// </summary>
public sealed partial class RolloutEngine(IClusterAdapter cluster, AnalysisRunner analysis, IAnalysisTemplates templates, TimeProvider clock)
{
    // Fields rather than the primary constructor's parameters: the strategy parts of this class use them too.
    private readonly IClusterAdapter _cluster = cluster;
    private readonly AnalysisRunner _analysis = analysis;
    private readonly IAnalysisTemplates _templates = templates;
    private readonly TimeProvider _clock = clock;

    public async Task<IReadOnlyList<RolloutEvent>> TickAsync(Rollout r, CancellationToken ct = default)
    {
        var events = new List<RolloutEvent>();
        var now = _clock.GetUtcNow().UtcDateTime;
        await ScaleDownWhenDueAsync(r, now, ct);
        if (r.IsFinished) return events;

        var strategy = r.Strategy;
        await EnsureStableAsync(r, ct);
        RevisionSpec spec;
        try
        {
            spec = new RevisionSpec(r.Version, InstancesFor(r, strategy), r.Config);
        }
        catch (Domain.InvalidInputException e)
        {
            // Stored before the config rule was this strict, or written around the API: never deployed,
            // so there is nothing on the cluster to roll back.
            StopRuns(r, now, "The rollout's config is refused.");
            r.Refuse($"The rollout's config is refused: {e.Message}", now);
            events.Add(new RolloutEvent(EventTypes.DeployCompleted, new
            {
                rolloutId = r.Id, service = r.Service, environment = r.Environment, version = r.Version, outcome = r.Phase.ToString(), reason = r.AbortReason,
            }));
            return events;
        }
        var revision = await _cluster.DeployRevisionAsync(r.Target, spec, ct);
        await EnsureTrafficAsync(r, revision, ct);
        if (!revision.IsReady && now - r.AttemptStartedAt > strategy.ProgressDeadline && !(strategy.Canary is not null && r.CanaryWeight == 0 && spec.Instances == 0))
        {
            var why = revision.Instances.Select(i => i.LastError).FirstOrDefault(e => e is not null);
            await AbortAsync(r, $"The new revision did not become healthy within {Durations.Format(strategy.ProgressDeadline)}" + (why is null ? "." : $": {why}"), null, events, now, ct, degraded: true);
            return events;
        }

        if (strategy.Canary is { } canary) await TickCanaryAsync(r, canary, revision, events, now, ct);
        else await TickBlueGreenAsync(r, strategy.BlueGreen!, revision, events, now, ct);
        r.UpdatedAt = now;
        return events;
    }

    /// <summary>
    /// The stable revision keeps running while a rollout is in flight; after a console restart the
    /// cluster may have lost it (local processes), so it is declared again (a no-op when present).
    /// </summary>
    private async Task EnsureStableAsync(Rollout r, CancellationToken ct)
    {
        if (r.StableRevision is null || r.StableVersion is null || r.StableRevision == r.Revision) return;
        await _cluster.DeployRevisionAsync(r.Target, new RevisionSpec(r.StableVersion, r.Instances, r.StableConfig), ct);
    }

    /// <summary>Re-asserts the split the rollout last set (the adapter makes it a no-op unless the cluster lost it).</summary>
    private async Task EnsureTrafficAsync(Rollout r, Revision revision, CancellationToken ct)
    {
        if (r.StableRevision is null || r.StableRevision == r.Revision) return;
        var desired = r.CanaryWeight > 0 && revision.ReadyInstances > 0
            ? SplitFor(r, Math.Min(100, r.CanaryWeight))
            : TrafficSplit.AllTo(r.StableRevision);
        await _cluster.SetWeightsAsync(r.Target, desired, ct);
    }

    private static int InstancesFor(Rollout r, RolloutStrategy strategy)
    {
        if (r.Phase == RolloutPhase.Aborted) return 0;
        if (strategy.Canary is { } c)
        {
            var scaled = c.Steps.Take(r.CurrentStepIndex).OfType<SetCanaryScaleStep>().LastOrDefault();
            return scaled?.Instances ?? c.CanaryInstances ?? r.Instances;
        }
        return r.Instances;
    }

    private async Task SetCanaryWeightAsync(Rollout r, int weight, CancellationToken ct)
    {
        await _cluster.SetWeightsAsync(r.Target, SplitFor(r, weight), ct);
        r.CanaryWeight = weight;
    }

    private async Task PromoteAsync(Rollout r, List<RolloutEvent> events, DateTime now, CancellationToken ct)
    {
        await SetCanaryWeightAsync(r, 100, ct);
        await EndBaselineAsync(r, ct);
        await RemoveWarmBaselineAsync(r, ct);
        await _cluster.SetHeaderRoutesAsync(r.Target, [], ct);
        var old = r.StableRevision;
        if (old is not null && old != r.Revision)
        {
            r.ScaleDownRevision = old;
            r.ScaleDownAt = now + r.Strategy.ScaleDownDelay;
        }
        StopRuns(r, now, "The rollout completed.");
        r.Finish(now, $"{r.Version} is stable and takes all traffic.");
        events.Add(new RolloutEvent(EventTypes.DeployCompleted, new
        {
            rolloutId = r.Id, service = r.Service, environment = r.Environment, version = r.Version,
            outcome = "Healthy", previousVersion = r.StableVersion, weights = r.Weights,
        }));
    }

    /// <summary>All traffic back to the stable revision at once, then the new revision scaled to zero.</summary>
    public async Task AbortAsync(Rollout r, string reason, AnalysisRun? failedRun, List<RolloutEvent> events, DateTime now, CancellationToken ct, bool degraded = false, string? by = null)
    {
        if (r.StableRevision is not null && r.StableRevision != r.Revision)
        {
            await _cluster.SetWeightsAsync(r.Target, TrafficSplit.AllTo(r.StableRevision), ct);
            await _cluster.SetHeaderRoutesAsync(r.Target, [], ct);
            try { await _cluster.ScaleRevisionAsync(r.Target, r.Revision, 0, ct); }
            catch (NotFoundException)
            {
                // Aborted before the reconciler first deployed the new revision: nothing of it runs.
            }
        }
        await EndBaselineAsync(r, ct, resplit: false);
        await RemoveWarmBaselineAsync(r, ct);
        StopRuns(r, now, "The rollout was aborted.");
        r.Abort(reason, degraded, (by is null ? "Rolled back: " : $"Aborted by {by}: ") + reason, now);
        events.Add(new RolloutEvent(EventTypes.RollbackExecuted, new
        {
            rolloutId = r.Id, service = r.Service, environment = r.Environment, version = r.Version,
            stableVersion = r.StableVersion, reason, trigger = by is null ? "automatic" : "manual", by,
            analysisRunId = failedRun?.Id, failingMetric = failedRun?.Message,
            judgeVerdict = Judge.JudgeVerdict.FromJson(failedRun?.VerdictJson)?.Brief(),
        }));
        events.Add(new RolloutEvent(EventTypes.DeployCompleted, new
        {
            rolloutId = r.Id, service = r.Service, environment = r.Environment, version = r.Version,
            outcome = r.Phase.ToString(), reason,
        }));
    }

    private async Task ScaleDownWhenDueAsync(Rollout r, DateTime now, CancellationToken ct)
    {
        if (r.ScaleDownRevision is null || r.ScaleDownAt > now) return;
        var routing = (await _cluster.GetServiceAsync(r.Target, ct))?.Routing;
        if (routing is null || routing.WeightOf(r.ScaleDownRevision) == 0)
            await _cluster.RemoveRevisionAsync(r.Target, r.ScaleDownRevision, ct);
        r.ScaleDownRevision = null;
        r.ScaleDownAt = null;
    }
}
