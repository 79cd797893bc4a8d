using OpsConsole.Core.Cluster;
using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts.Analysis;

namespace OpsConsole.Core.Rollouts;

/// <summary>Canary: steps of weights, pauses, analyses and scale, run in order; instant steps run back to back within one tick.</summary>
public sealed partial class RolloutEngine
{
    private async Task TickCanaryAsync(Rollout r, CanaryStrategy canary, Revision revision, List<RolloutEvent> events, DateTime now, CancellationToken ct)
    {
        if (canary.BackgroundAnalysis is { } background && r.CanaryWeight > 0)
        {
            var run = EnsureRun(r, background, AnalysisRunKind.Background, null, now);
            var phase = await _analysis.TickAsync(run, r.Target, r.Revision, ct);
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
            if (!IsJudgedStep(r)) await EndBaselineAsync(r, ct);
            switch (step)
            {
                case SetWeightStep w:
                    await WarmBaselineAsync(r, revision, ct);
                    if (!revision.IsReady)
                    {
                        r.Message = $"Waiting for the new revision: {revision.ReadyInstances} of {revision.DesiredInstances} instances healthy.";
                        return;
                    }
                    await SetCanaryWeightAsync(r, w.Weight, ct);
                    break;
                case PauseStep { Duration: null }:
                    r.Pause("Paused until someone promotes.", byUser: false);
                    return;
                case PauseStep { Duration: { } d }:
                    if (now - r.StepStartedAt < d)
                    {
                        r.Pause($"Paused for {Durations.Format(d)}, until {(r.StepStartedAt + d):HH:mm:ss} UTC.", byUser: false);
                        return;
                    }
                    break;
                case AnalysisStep a:
                    {
                        string? baseline = null;
                        if (IsJudgedStep(r) && !StepRunDecided(r, a.Template) && (baseline = await EnsureBaselineAsync(r, revision, ct)) is null) return;
                        var run = EnsureRun(r, a.Template, AnalysisRunKind.Step, r.CurrentStepIndex, now);
                        var phase = await _analysis.TickAsync(run, r.Target, r.Revision, ct, baseline);
                        if (phase == AnalysisPhase.Running)
                        {
                            r.Message = baseline is null ? $"Analysing with {a.Template}." : $"Judging {r.Revision} against the baseline {baseline} with {a.Template}.";
                            return;
                        }
                        await EndBaselineAsync(r, ct);
                        if (await OnAnalysisOutcomeAsync(r, run, phase, events, now, ct)) return;
                        break;
                    }
                case SetCanaryScaleStep s:
                    await _cluster.ScaleRevisionAsync(r.Target, r.Revision, s.Instances, ct);
                    break;
            }
            Advance(r, events, now);
        }
    }

    private void Advance(Rollout r, List<RolloutEvent> events, DateTime now)
    {
        var strategy = r.Strategy;
        var from = r.CurrentStepIndex;
        r.AdvanceStep(now);
        var steps = strategy.Canary?.Steps ?? [];
        r.Message = r.CurrentStepIndex < steps.Count ? $"Step {r.CurrentStepIndex + 1} of {steps.Count}: {steps[r.CurrentStepIndex].Describe()}." : "All steps done.";
        events.Add(new RolloutEvent(EventTypes.RolloutStepChanged, new
        {
            rolloutId = r.Id, service = r.Service, environment = r.Environment, version = r.Version,
            fromStep = from, toStep = r.CurrentStepIndex, stepCount = steps.Count, weights = r.Weights,
        }));
    }
}
