using OpsConsole.Core.Cluster;
using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts.Analysis;

namespace OpsConsole.Core.Rollouts;

/// <summary>A domain event a tick produced; the caller writes it to the outbox with the tick's changes.</summary>
public sealed record RolloutEvent(string Type, object Data);

/// <summary>Analysis templates by name (the latest version).</summary>
public interface IAnalysisTemplates
{
    AnalysisTemplate? Find(string name);
}

/// <summary>
/// The reconciler's step: compares a rollout's desired state with what the cluster reports and
/// takes the next idempotent actions. Calling it again after a crash repeats at most the last,
/// idempotent, cluster call; the rollout's stored state says where it is.
/// </summary>
public sealed class RolloutEngine(IClusterAdapter cluster, AnalysisRunner analysis, IAnalysisTemplates templates, TimeProvider clock)
{
    public async Task<IReadOnlyList<RolloutEvent>> TickAsync(Rollout r, CancellationToken ct = default)
    {
        var events = new List<RolloutEvent>();
        var now = clock.GetUtcNow().UtcDateTime;
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
            r.Phase = RolloutPhase.Degraded;
            r.AbortReason = $"The rollout's config is refused: {e.Message}";
            r.Message = r.AbortReason;
            r.CompletedAt = now;
            r.UpdatedAt = now;
            events.Add(new RolloutEvent(EventTypes.DeployCompleted, new
            {
                rolloutId = r.Id, service = r.Service, environment = r.Environment, version = r.Version, outcome = r.Phase.ToString(), reason = r.AbortReason,
            }));
            return events;
        }
        var revision = await cluster.DeployRevisionAsync(r.Target, spec, ct);
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
        await cluster.DeployRevisionAsync(r.Target, new RevisionSpec(r.StableVersion, r.Instances, r.StableConfig), ct);
    }

    /// <summary>Re-asserts the split the rollout last set (the adapter makes it a no-op unless the cluster lost it).</summary>
    private async Task EnsureTrafficAsync(Rollout r, Revision revision, CancellationToken ct)
    {
        if (r.StableRevision is null || r.StableRevision == r.Revision) return;
        var desired = r.CanaryWeight > 0 && revision.ReadyInstances > 0
            ? TrafficSplit.Canary(r.StableRevision, r.Revision, Math.Min(100, r.CanaryWeight))
            : TrafficSplit.AllTo(r.StableRevision);
        await cluster.SetWeightsAsync(r.Target, desired, ct);
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

    // ---------------- canary ----------------

    private async Task TickCanaryAsync(Rollout r, CanaryStrategy canary, Revision revision, List<RolloutEvent> events, DateTime now, CancellationToken ct)
    {
        if (canary.BackgroundAnalysis is { } background && r.CanaryWeight > 0)
        {
            var run = EnsureRun(r, background, AnalysisRunKind.Background, null, now);
            var phase = await analysis.TickAsync(run, r.Target, r.Revision, ct);
            if (await OnAnalysisOutcomeAsync(r, run, phase, events, now, ct)) return;
        }
        if (r.PromoteFullRequested)
        {
            await PromoteAsync(r, events, now, ct);
            return;
        }
        if (r.Phase == RolloutPhase.Paused && r.PausedByUser) return;

        // Instant steps (weights, scale) run back to back within one tick; waiting steps return.
        for (var guard = 0; guard <= canary.Steps.Count; guard++)
        {
            if (r.CurrentStepIndex >= canary.Steps.Count)
            {
                await PromoteAsync(r, events, now, ct);
                return;
            }
            var step = canary.Steps[r.CurrentStepIndex];
            switch (step)
            {
                case SetWeightStep w:
                    if (!revision.IsReady)
                    {
                        r.Message = $"Waiting for the new revision: {revision.ReadyInstances} of {revision.DesiredInstances} instances healthy.";
                        return;
                    }
                    await SetCanaryWeightAsync(r, w.Weight, ct);
                    break;
                case PauseStep { Duration: null }:
                    Pause(r, "Paused until someone promotes.", byUser: false);
                    return;
                case PauseStep { Duration: { } d }:
                    if (now - r.StepStartedAt < d)
                    {
                        Pause(r, $"Paused for {Durations.Format(d)}, until {(r.StepStartedAt + d):HH:mm:ss} UTC.", byUser: false);
                        return;
                    }
                    break;
                case AnalysisStep a:
                {
                    var run = EnsureRun(r, a.Template, AnalysisRunKind.Step, r.CurrentStepIndex, now);
                    var phase = await analysis.TickAsync(run, r.Target, r.Revision, ct);
                    if (phase == AnalysisPhase.Running)
                    {
                        r.Message = $"Analysing with {a.Template}.";
                        return;
                    }
                    if (await OnAnalysisOutcomeAsync(r, run, phase, events, now, ct)) return;
                    break;
                }
                case SetCanaryScaleStep s:
                    await cluster.ScaleRevisionAsync(r.Target, r.Revision, s.Instances, ct);
                    break;
            }
            Advance(r, events, now);
        }
    }

    private async Task SetCanaryWeightAsync(Rollout r, int weight, CancellationToken ct)
    {
        var split = r.StableRevision is null || r.StableRevision == r.Revision
            ? TrafficSplit.AllTo(r.Revision)
            : TrafficSplit.Canary(r.StableRevision, r.Revision, weight);
        await cluster.SetWeightsAsync(r.Target, split, ct);
        r.CanaryWeight = weight;
    }

    private void Advance(Rollout r, List<RolloutEvent> events, DateTime now)
    {
        var strategy = r.Strategy;
        var from = r.CurrentStepIndex;
        r.CurrentStepIndex++;
        r.StepStartedAt = now;
        r.Phase = RolloutPhase.Progressing;
        r.PauseReason = null;
        r.PausedByUser = false;
        var steps = strategy.Canary?.Steps ?? [];
        r.Message = r.CurrentStepIndex < steps.Count ? $"Step {r.CurrentStepIndex + 1} of {steps.Count}: {steps[r.CurrentStepIndex].Describe()}." : "All steps done.";
        events.Add(new RolloutEvent(EventTypes.RolloutStepChanged, new
        {
            rolloutId = r.Id, service = r.Service, environment = r.Environment, version = r.Version,
            fromStep = from, toStep = r.CurrentStepIndex, stepCount = steps.Count, weights = r.Weights,
        }));
    }

    private static void Pause(Rollout r, string reason, bool byUser)
    {
        r.Phase = RolloutPhase.Paused;
        r.PauseReason = reason;
        r.PausedByUser = byUser;
        r.Message = reason;
    }

    // ---------------- blue/green ----------------

    private async Task TickBlueGreenAsync(Rollout r, BlueGreenStrategy g, Revision revision, List<RolloutEvent> events, DateTime now, CancellationToken ct)
    {
        if (!r.Switched)
        {
            await cluster.SetPreviewAsync(r.Target, r.Revision, ct);
            if (r.StableRevision is null)
            {
                // Nothing served before: the first version takes the traffic once ready.
                if (!revision.IsReady) { r.Message = "Waiting for the first revision to become healthy."; return; }
                await SwitchAsync(r, events, now, ct);
                return;
            }
            if (!revision.IsReady)
            {
                r.Message = $"Waiting for the preview: {revision.ReadyInstances} of {revision.DesiredInstances} instances healthy.";
                return;
            }
            r.PreviewReadyAt ??= now;
            if (g.PrePromotionAnalysis is { } pre)
            {
                var run = EnsureRun(r, pre, AnalysisRunKind.PrePromotion, null, now);
                var phase = await analysis.TickAsync(run, r.Target, r.Revision, ct);
                if (phase == AnalysisPhase.Running) { r.Message = $"Pre-promotion analysis with {pre}."; return; }
                if (await OnAnalysisOutcomeAsync(r, run, phase, events, now, ct)) return;
            }
            if (r.PromoteFullRequested)
            {
                await SwitchAsync(r, events, now, ct);
                return;
            }
            if (r.Phase == RolloutPhase.Paused) return;
            if (!g.AutoPromotionEnabled)
            {
                Pause(r, "The preview is ready; waiting for someone to promote.", byUser: false);
                return;
            }
            if (now - r.PreviewReadyAt < g.AutoPromotionDelay)
            {
                r.Message = $"Auto-promotion at {(r.PreviewReadyAt + g.AutoPromotionDelay):HH:mm:ss} UTC.";
                return;
            }
            await SwitchAsync(r, events, now, ct);
            return;
        }

        if (g.PostPromotionAnalysis is { } post && r.StableRevision is not null && r.StableRevision != r.Revision)
        {
            var run = EnsureRun(r, post, AnalysisRunKind.PostPromotion, null, now);
            var phase = await analysis.TickAsync(run, r.Target, r.Revision, ct);
            if (phase == AnalysisPhase.Running) { r.Message = $"Post-promotion analysis with {post}."; return; }
            if (await OnAnalysisOutcomeAsync(r, run, phase, events, now, ct)) return;
        }
        await PromoteAsync(r, events, now, ct);
    }

    private async Task SwitchAsync(Rollout r, List<RolloutEvent> events, DateTime now, CancellationToken ct)
    {
        await SetCanaryWeightAsync(r, 100, ct);
        r.Switched = true;
        r.Phase = RolloutPhase.Progressing;
        r.PauseReason = null;
        r.PausedByUser = false;
        r.Message = "Switched: the new revision takes all traffic.";
        events.Add(new RolloutEvent(EventTypes.RolloutStepChanged, new { rolloutId = r.Id, service = r.Service, environment = r.Environment, version = r.Version, step = "switch", weights = r.Weights }));
    }

    // ---------------- outcomes ----------------

    /// <summary>Successful continues (false); Failed and Error abort (or pause, if the template says); Inconclusive pauses. True when the tick must stop.</summary>
    private async Task<bool> OnAnalysisOutcomeAsync(Rollout r, AnalysisRun run, AnalysisPhase phase, List<RolloutEvent> events, DateTime now, CancellationToken ct)
    {
        switch (phase)
        {
            case AnalysisPhase.Running:
            case AnalysisPhase.Successful:
                return false;
            case AnalysisPhase.Inconclusive:
                Pause(r, $"Analysis {run.TemplateName} was inconclusive: {run.Message} Promote to go on, or abort.", byUser: false);
                return true;
            default:
                events.Add(new RolloutEvent(EventTypes.AnalysisFailed, new
                {
                    rolloutId = r.Id, service = r.Service, environment = r.Environment, version = r.Version,
                    analysisRunId = run.Id, template = run.TemplateName, phase = phase.ToString(), reason = run.Message,
                    measurements = run.Measurements.OrderBy(m => m.At).Select(m => new { m.Metric, m.At, m.Value, phase = m.Phase.ToString() }),
                }));
                if (AnalysisRunner.TemplateOf(run).OnFailure == FailurePolicy.Pause)
                {
                    Pause(r, $"Analysis {run.TemplateName} {phase.ToString().ToLowerInvariant()}: {run.Message} The template pauses instead of aborting.", byUser: false);
                    return true;
                }
                await AbortAsync(r, $"Analysis {run.TemplateName} {phase.ToString().ToLowerInvariant()}: {run.Message}", run, events, now, ct);
                return true;
        }
    }

    private async Task PromoteAsync(Rollout r, List<RolloutEvent> events, DateTime now, CancellationToken ct)
    {
        await SetCanaryWeightAsync(r, 100, ct);
        await cluster.SetHeaderRoutesAsync(r.Target, [], ct);
        var old = r.StableRevision;
        if (old is not null && old != r.Revision)
        {
            r.ScaleDownRevision = old;
            r.ScaleDownAt = now + r.Strategy.ScaleDownDelay;
        }
        StopRuns(r, now, "The rollout completed.");
        r.Phase = RolloutPhase.Healthy;
        r.CompletedAt = now;
        r.PromoteFullRequested = false;
        r.PauseReason = null;
        r.Message = $"{r.Version} is stable and takes all traffic.";
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
            await cluster.SetWeightsAsync(r.Target, TrafficSplit.AllTo(r.StableRevision), ct);
            await cluster.SetHeaderRoutesAsync(r.Target, [], ct);
            await cluster.ScaleRevisionAsync(r.Target, r.Revision, 0, ct);
        }
        r.CanaryWeight = 0;
        r.Switched = false;
        StopRuns(r, now, "The rollout was aborted.");
        r.Phase = degraded ? RolloutPhase.Degraded : RolloutPhase.Aborted;
        r.AbortReason = reason;
        r.CompletedAt = now;
        r.PauseReason = null;
        r.PausedByUser = false;
        r.PromoteFullRequested = false;
        r.Message = (by is null ? "Rolled back: " : $"Aborted by {by}: ") + reason;
        events.Add(new RolloutEvent(EventTypes.RollbackExecuted, new
        {
            rolloutId = r.Id, service = r.Service, environment = r.Environment, version = r.Version,
            stableVersion = r.StableVersion, reason, trigger = by is null ? "automatic" : "manual", by,
            analysisRunId = failedRun?.Id, failingMetric = failedRun?.Message,
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
        var routing = (await cluster.GetServiceAsync(r.Target, ct))?.Routing;
        if (routing is null || routing.WeightOf(r.ScaleDownRevision) == 0)
            await cluster.RemoveRevisionAsync(r.Target, r.ScaleDownRevision, ct);
        r.ScaleDownRevision = null;
        r.ScaleDownAt = null;
    }

    private AnalysisRun EnsureRun(Rollout r, string templateName, AnalysisRunKind kind, int? step, DateTime now)
    {
        // A step's run belongs to this visit of the step; the others to this attempt (a retry starts afresh).
        var since = kind == AnalysisRunKind.Step ? r.StepStartedAt : r.AttemptStartedAt;
        var run = r.AnalysisRuns.LastOrDefault(a => a.Kind == kind && a.StepIndex == step && a.TemplateName == templateName && a.StartedAt >= since);
        if (run is not null) return run;
        var template = templates.Find(templateName)
                       ?? throw new Domain.InvalidInputException("strategy", $"The analysis template '{templateName}' does not exist.");
        run = AnalysisRunner.Start(r, template, kind, step, now);
        r.AnalysisRuns.Add(run);
        return run;
    }

    private static void StopRuns(Rollout r, DateTime now, string why)
    {
        foreach (var run in r.AnalysisRuns) AnalysisRunner.Stop(run, now, why);
    }
}
