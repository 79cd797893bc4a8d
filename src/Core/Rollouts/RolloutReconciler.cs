using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Rollouts;

/// <summary>
/// One reconciler pass: keeps each target's stable revision running with all traffic when no
/// rollout is in flight, and ticks every rollout in flight. Each rollout is loaded, ticked and saved
/// in its own unit of work with its events and audit entries; the generation check means two
/// console replicas never both write the same tick.
/// </summary>
public sealed class RolloutReconciler(
    IDbContextFactory<OpsDbContext> dbFactory,
    IClusterAdapter cluster,
    IMetricProvider metrics,
    EventOutbox outbox,
    RolloutUpdates updates,
    TimeProvider clock,
    ILogger<RolloutReconciler> logger)
{
    private static readonly Actor Reconciler = new("reconciler", new HashSet<string>(Roles.All), "reconciler");

    /// <summary>How long a waiting rollout may go untouched before a pass re-asserts its revisions and split anyway (cluster drift).</summary>
    public static readonly TimeSpan WaitingRecheck = TimeSpan.FromSeconds(5);

    // Rollouts this process ticked: the stored generation it saw and when. A rollout that only waits
    // (paused by a person, until promoted, or in a timed pause not yet due) and was not changed since
    // is not loaded again on every pass, which keeps a pass short with hundreds in flight.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, (long Generation, DateTime At)> _ticked = new();

    private sealed record Waiting(Guid Id, RolloutPhase Phase, bool PausedByUser, bool PromoteFullRequested, int CurrentStepIndex,
        DateTime StepStartedAt, string StrategyJson, long Generation, DateTime? ScaleDownAt);

    /// <summary>Runs one pass; returns how many rollouts were in flight (or due a scale-down) at its start.</summary>
    public async Task<int> ReconcileOnceAsync(CancellationToken ct)
    {
        List<Waiting> rollouts;
        TemplateSnapshot templates;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            templates = new TemplateSnapshot(await db.AnalysisTemplates.AsNoTracking().ToListAsync(ct));
            rollouts = await db.Rollouts.Where(r => r.Phase == RolloutPhase.Progressing || r.Phase == RolloutPhase.Paused || r.ScaleDownAt != null) // in flight, or an old revision still to scale down
                .OrderBy(r => r.CreatedAt)
                .Select(r => new Waiting(r.Id, r.Phase, r.PausedByUser, r.PromoteFullRequested, r.CurrentStepIndex, r.StepStartedAt, r.StrategyJson, r.Generation, r.ScaleDownAt))
                .ToListAsync(ct);
        }
        var engine = new RolloutEngine(cluster, new AnalysisRunner(metrics, clock), templates, clock);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var gone in _ticked.Keys.Except(rollouts.Select(r => r.Id))) _ticked.TryRemove(gone, out _);

        foreach (var rollout in rollouts)
        {
            if (OnlyWaits(rollout, now)) continue;
            var id = rollout.Id;
            try { await TickAsync(id, engine, ct); }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Rollout {RolloutId}: the tick failed; it is retried on the next pass", id);
            }
        }

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // Read after the ticks: a rollout that just finished has changed its target's stable revision.
            var targets = await db.DeployTargets.AsNoTracking().ToListAsync(ct);
            var busy = (await db.Rollouts.InFlight()
                .Select(r => new { r.Service, r.Environment }).ToListAsync(ct)).Select(x => (x.Service, x.Environment)).ToHashSet();
            foreach (var t in targets.Where(t => t.StableVersion is not null && !busy.Contains((t.Service, t.Environment))))
            {
                try { await KeepStableAsync(t, ct); }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "{Target}: could not keep the stable revision running", t.Target);
                }
            }
        }
        return rollouts.Count;
    }

    private bool OnlyWaits(Waiting r, DateTime now)
    {
        if (!_ticked.TryGetValue(r.Id, out var seen) || seen.Generation != r.Generation || now - seen.At > WaitingRecheck) return false;
        if (r.PromoteFullRequested || (r.ScaleDownAt is { } due && due <= now)) return false;
        if (r.Phase == RolloutPhase.Paused && r.PausedByUser) return true;
        var steps = RolloutStrategy.Parse(System.Text.Json.JsonDocument.Parse(r.StrategyJson).RootElement).Canary?.Steps;
        if (steps is null || r.CurrentStepIndex >= steps.Count) return false;
        return steps[r.CurrentStepIndex] switch
        {
            PauseStep { Duration: null } => r.Phase == RolloutPhase.Paused,
            PauseStep { Duration: { } d } => r.Phase == RolloutPhase.Paused && now < r.StepStartedAt + d,
            _ => false,
        };
    }

    private async Task TickAsync(Guid id, RolloutEngine engine, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rollout = await db.Rollouts.WithAnalysis().FirstAsync(r => r.Id == id, ct);
        var before = (rollout.Phase, rollout.CurrentStepIndex, rollout.CanaryWeight, rollout.Message, Measurements: rollout.AnalysisRuns.Sum(a => a.Measurements.Count));
        var events = await engine.TickAsync(rollout, ct);
        var after = (rollout.Phase, rollout.CurrentStepIndex, rollout.CanaryWeight, rollout.Message, Measurements: rollout.AnalysisRuns.Sum(a => a.Measurements.Count));
        if (events.Count == 0 && before == after && !db.ChangeTracker.HasChanges())
        {
            _ticked[id] = (rollout.Generation, clock.GetUtcNow().UtcDateTime);
            return;
        }

        rollout.Generation++;
        var subject = rollout.Target.ToString();
        var actor = Reconciler with { CorrelationId = rollout.Id.ToString("N") };
        foreach (var e in events)
        {
            outbox.Add(db, actor, e.Type, subject, e.Data);
            // Decisions the console took on its own are audited like a person's.
            if (e.Type is EventTypes.RollbackExecuted or EventTypes.DeployCompleted)
                AuditTrail.Record(db, actor, e.Type == EventTypes.RollbackExecuted ? "rollout.rollback" : "rollout.complete", subject,
                    after: new { rolloutId = rollout.Id, phase = rollout.Phase.ToString(), reason = rollout.AbortReason });
        }
        if (rollout.Phase == RolloutPhase.Healthy && events.Any(e => e.Type == EventTypes.DeployCompleted))
        {
            var target = await db.DeployTargets.FirstAsync(t => t.Service == rollout.Service && t.Environment == rollout.Environment, ct);
            target.MarkStable(rollout, clock.GetUtcNow().UtcDateTime);
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            logger.LogInformation("Rollout {RolloutId}: another writer saved first; this tick is dropped", id);
            _ticked.TryRemove(id, out _);
            return;
        }
        _ticked[id] = (rollout.Generation, clock.GetUtcNow().UtcDateTime);
        updates.Publish(rollout.Id, subject);
    }

    private async Task KeepStableAsync(DeployTarget t, CancellationToken ct)
    {
        var spec = new RevisionSpec(t.StableVersion!, t.Instances, t.StableConfig);
        // Both calls are idempotent: after a console restart they bring the revision and its traffic back, otherwise nothing changes.
        await cluster.DeployRevisionAsync(t.Target, spec, ct);
        await cluster.SetWeightsAsync(t.Target, TrafficSplit.AllTo(spec.Name), ct);
    }
}
