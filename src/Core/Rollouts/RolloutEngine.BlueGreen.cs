using OpsConsole.Core.Cluster;
using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts.Analysis;

namespace OpsConsole.Core.Rollouts;

/// <summary>Blue/green: a full preview beside the stable revision, then one switch of all traffic (with pre- and post-promotion analysis).</summary>
public sealed partial class RolloutEngine
{
    private async Task TickBlueGreenAsync(Rollout r, BlueGreenStrategy g, Revision revision, List<RolloutEvent> events, DateTime now, CancellationToken ct)
    {
        if (!r.Switched)
        {
            await _cluster.SetPreviewAsync(r.Target, r.Revision, ct);
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
                var phase = await _analysis.TickAsync(run, r.Target, r.Revision, ct);
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
                r.Pause("The preview is ready; waiting for someone to promote.", byUser: false);
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
            var phase = await _analysis.TickAsync(run, r.Target, r.Revision, ct);
            if (phase == AnalysisPhase.Running) { r.Message = $"Post-promotion analysis with {post}."; return; }
            if (await OnAnalysisOutcomeAsync(r, run, phase, events, now, ct)) return;
        }
        await PromoteAsync(r, events, now, ct);
    }

    private async Task SwitchAsync(Rollout r, List<RolloutEvent> events, DateTime now, CancellationToken ct)
    {
        await SetCanaryWeightAsync(r, 100, ct);
        r.MarkSwitched("Switched: the new revision takes all traffic.");
        events.Add(new RolloutEvent(EventTypes.RolloutStepChanged, new { rolloutId = r.Id, service = r.Service, environment = r.Environment, version = r.Version, step = "switch", weights = r.Weights }));
    }
}
