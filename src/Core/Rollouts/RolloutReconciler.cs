using System.Diagnostics;
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
    ILogger<RolloutReconciler> logger,
    Replicas.IRolloutLeases leases,
    Judge.JudgeWatch? judgeWatch = null)
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

    /// <summary>The pace of a rollout that acts on every pass (analysis running, waiting for its revision): the built-in 1 s analysis windows need two looks per window.</summary>
    public static readonly TimeSpan ActivePeriod = TimeSpan.FromMilliseconds(500);

    /// <summary>How often the loop looks when nothing is in flight (keeps the stable revisions running).</summary>
    public static readonly TimeSpan IdlePeriod = TimeSpan.FromSeconds(5);

    /// <summary>
    /// When the last pass says the next one is needed: the earliest end of a timed pause, scale-down or
    /// re-check, or one <see cref="ActivePeriod"/> after the pass for a rollout that acts every time;
    /// null when nothing is in flight.
    /// </summary>
    public DateTime? NextDueAt { get; private set; }

    /// <summary>Rollouts loaded and ticked since this reconciler was made (the ones that only waited are not counted).</summary>
    public long Ticks => Interlocked.Read(ref _ticks);
    private long _ticks;

    /// <summary>Runs one pass; returns how many rollouts were in flight (or due a scale-down) at its start.</summary>
    public Task<int> ReconcileOnceAsync(CancellationToken ct) => PassAsync(keepStable: true, ct);

    /// <summary>
    /// The reconciler loop: a pass when the earliest rollout is due (not on a fixed beat, so a step is
    /// taken as soon as its pause ends), or at once when <see cref="RolloutUpdates.Wake"/> is called (a
    /// rollout was started or acted on). The stable revisions are re-asserted at most once per
    /// <see cref="ActivePeriod"/> unless woken.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var lastKeepStable = long.MinValue / 2;
        var woken = true;
        while (!ct.IsCancellationRequested)
        {
            var keepStable = woken || Stopwatch.GetElapsedTime(lastKeepStable) >= ActivePeriod;
            var inFlight = 0;
            try
            {
                inFlight = await PassAsync(keepStable, ct);
                if (keepStable) lastKeepStable = Stopwatch.GetTimestamp();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception ex) { logger.LogError(ex, "The rollout reconciler pass failed; the next pass retries"); NextDueAt = null; }
            var now = clock.GetUtcNow().UtcDateTime;
            var rest = inFlight > 0 && NextDueAt is { } due ? due - now : IdlePeriod;
            if (inFlight > 0 && NextDueAt is null) rest = ActivePeriod; // a failed pass: retry at the active pace
            if (rest > IdlePeriod) rest = IdlePeriod;
            if (rest <= TimeSpan.Zero) { woken = false; await Task.Yield(); continue; }
            try { woken = await updates.WaitForWakeAsync(rest, ct); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task<int> PassAsync(bool keepStable, CancellationToken ct)
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
        // With several replicas on one store, each rollout is driven by the one replica holding its lease.
        var held = await leases.HoldAsync(rollouts.Select(r => r.Id).ToList(), ct);
        var heldCluster = leases.State.HoldsCluster;
        if (held.Count < rollouts.Count) rollouts = rollouts.Where(r => held.ContainsKey(r.Id)).ToList();
        var engine = new RolloutEngine(leases is Replicas.SoleReplica ? cluster : new Replicas.FencedCluster(cluster, leases),
            new AnalysisRunner(metrics, clock, new Judge.CanaryJudge(cluster, clock, judgeWatch)), templates, clock);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var gone in _ticked.Keys.Except(rollouts.Select(r => r.Id))) _ticked.TryRemove(gone, out _);
        foreach (var gone in _steps.Keys.Except(rollouts.Select(r => r.Id))) _steps.TryRemove(gone, out _);

        DateTime? nextDue = null;
        void Due(DateTime at) { if (nextDue is null || at < nextDue) nextDue = at; }
        var acting = new List<Guid>();
        foreach (var rollout in rollouts)
        {
            if (WaitsUntil(rollout, now) is { } until) Due(until);
            else acting.Add(rollout.Id);
        }

        var tickedAt = new Dictionary<Guid, Waiting>();
        await TickAllAsync(acting, engine, tickedAt, ct);
        var after = clock.GetUtcNow().UtcDateTime;
        foreach (var id in acting)
        {
            // What each ticked rollout waits for now decides when it is looked at again.
            if (tickedAt.TryGetValue(id, out var w) && WaitsUntil(w, after) is { } until) Due(until);
            else if (!tickedAt.ContainsKey(id) || w!.Phase is RolloutPhase.Progressing or RolloutPhase.Paused || w.ScaleDownAt is not null) Due(after + ActivePeriod);
        }
        NextDueAt = rollouts.Count > 0 || acting.Count > 0 ? nextDue ?? after + ActivePeriod : null;

        // Not forced by a rollout finishing: it left its traffic on its own revision, and re-asserting
        // every target after each of many finishing passes made the last step wave wait.
        var wonCluster = false;
        if (keepStable && await leases.HoldsClusterAsync(ct))
        {
            // Won just now (its holder died): the rollouts this pass skipped are due at once, not after an idle wait.
            if (!heldCluster && held.Count == 0)
            {
                NextDueAt = clock.GetUtcNow().UtcDateTime;
                wonCluster = true;
            }
            await using var db = await dbFactory.CreateDbContextAsync(ct);
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
        return wonCluster ? Math.Max(1, rollouts.Count) : rollouts.Count;
    }

    /// <summary>
    /// When a rollout that only waits (paused by a person, until promoted, or in a timed pause not yet
    /// due) and that nobody changed since this process last ticked it next needs a look; null when it
    /// must be ticked now.
    /// </summary>
    private DateTime? WaitsUntil(Waiting r, DateTime now)
    {
        if (!_ticked.TryGetValue(r.Id, out var seen) || seen.Generation != r.Generation || now - seen.At > WaitingRecheck) return null;
        if (r.PromoteFullRequested || (r.ScaleDownAt is { } due && due <= now)) return null;
        var recheck = seen.At + WaitingRecheck;
        if (r.ScaleDownAt is { } scaleDown && scaleDown < recheck) recheck = scaleDown;
        if (r.Phase is not (RolloutPhase.Progressing or RolloutPhase.Paused)) return r.ScaleDownAt is null ? null : recheck; // finished: only the scale-down is left
        if (r.Phase == RolloutPhase.Paused && r.PausedByUser) return recheck;
        if (r.Phase != RolloutPhase.Paused) return null;
        var steps = CanarySteps(r);
        if (steps is null || r.CurrentStepIndex >= steps.Count) return null;
        return steps[r.CurrentStepIndex] switch
        {
            PauseStep { Duration: null } => recheck,
            PauseStep { Duration: { } d } when now < r.StepStartedAt + d => r.StepStartedAt + d < recheck ? r.StepStartedAt + d : recheck,
            _ => null,
        };
    }

    /// <summary>
    /// Loads the rollouts that act in one query and ticks each, saving each in its own transaction
    /// with its events and audit entries; after a failed save the rest are loaded again in a fresh
    /// unit of work, so one rollout's failure cannot carry into another's.
    /// </summary>
    // A rollout's strategy is parsed once, not on every pass it waits through.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, (string Json, IReadOnlyList<CanaryStep>? Steps)> _steps = new();

    private IReadOnlyList<CanaryStep>? CanarySteps(Waiting r)
    {
        if (_steps.TryGetValue(r.Id, out var known) && known.Json == r.StrategyJson) return known.Steps;
        var steps = RolloutStrategy.Parse(System.Text.Json.JsonDocument.Parse(r.StrategyJson).RootElement).Canary?.Steps;
        _steps[r.Id] = (r.StrategyJson, steps);
        return steps;
    }

    // Bounds what one unit of work tracks: every save scans the tracked rollouts for changes.
    private const int BatchSize = 50;

    /// <summary>
    /// Save the ticks of the rollouts loaded together in one commit (the default), or each in its own
    /// (the former way; kept to measure the difference in the same process). Either way a rollout whose
    /// save conflicts or fails cannot hold back the others: a batch whose commit fails is ticked again
    /// one rollout per commit.
    /// </summary>
    public bool CommitPerBatch { get; set; } = true;

    private async Task TickAllAsync(List<Guid> ids, RolloutEngine engine, Dictionary<Guid, Waiting> tickedAt, CancellationToken ct)
    {
        var queue = new Queue<Guid>(ids);
        var alone = new Queue<Guid>();
        while (queue.Count > 0 || alone.Count > 0)
        {
            var single = queue.Count == 0;
            var source = single ? alone : queue;
            var batch = new List<Guid>();
            while (source.Count > 0 && batch.Count < (single ? 1 : BatchSize)) batch.Add(source.Dequeue());
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var loaded = (await db.Rollouts.WithAnalysis().Where(r => batch.Contains(r.Id)).ToListAsync(ct)).ToDictionary(r => r.Id);
            if (!CommitPerBatch || single)
            {
                await TickEachAsync(db, batch, loaded, engine, tickedAt, source, ct);
                continue;
            }
            var staged = new List<Rollout>();
            try
            {
                foreach (var id in batch)
                {
                    if (!loaded.TryGetValue(id, out var rollout)) continue;
                    Interlocked.Increment(ref _ticks);
                    if (await StageTickAsync(db, rollout, engine, ct)) staged.Add(rollout);
                    else Remember(rollout, tickedAt);
                }
                await db.SaveChangesAsync(ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Which rollout failed is not known from a shared commit: tick each of them again alone.
                logger.LogInformation(ex, "A reconciler commit of {Count} rollouts failed; they are ticked again one by one", batch.Count);
                foreach (var id in batch) { tickedAt.Remove(id); _ticked.TryRemove(id, out _); alone.Enqueue(id); }
                continue;
            }
            foreach (var rollout in staged) Saved(rollout, tickedAt);
        }
    }

    /// <summary>The former way: each rollout of a loaded batch ticked and saved in its own commit; after a failure the rest go back to the queue for a fresh unit of work.</summary>
    private async Task TickEachAsync(OpsDbContext db, List<Guid> batch, Dictionary<Guid, Rollout> loaded, RolloutEngine engine,
        Dictionary<Guid, Waiting> tickedAt, Queue<Guid> rest, CancellationToken ct)
    {
        for (var n = 0; n < batch.Count; n++)
        {
            var id = batch[n];
            if (!loaded.TryGetValue(id, out var rollout)) continue;
            var broken = false;
            try
            {
                Interlocked.Increment(ref _ticks);
                if (await StageTickAsync(db, rollout, engine, ct))
                {
                    await db.SaveChangesAsync(ct);
                    Saved(rollout, tickedAt);
                }
                else Remember(rollout, tickedAt);
            }
            catch (DbUpdateConcurrencyException)
            {
                logger.LogInformation("Rollout {RolloutId}: another writer saved first; this tick is dropped", id);
                _ticked.TryRemove(id, out _);
                broken = true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Rollout {RolloutId}: the tick failed; it is retried on the next pass", id);
                if (ex is ClusterException cluster) await SayClusterFailedAsync(id, cluster, ct);
                broken = true;
            }
            if (broken || db.ChangeTracker.HasChanges())
            {
                // A save that did not happen: the rest start clean in a fresh unit of work.
                var remaining = batch.Skip(n + 1).ToList();
                foreach (var r in rest.ToList()) remaining.Add(r);
                rest.Clear();
                foreach (var r in remaining) rest.Enqueue(r);
                return;
            }
        }
    }

    /// <summary>
    /// Shows why a rollout does not move: the cluster's own reason (which names the cause, never a
    /// credential) becomes the rollout's message, in a unit of work of its own; the tick is retried on
    /// the next pass, and the traffic split stays as the last successful step left it.
    /// </summary>
    private async Task SayClusterFailedAsync(Guid id, ClusterException error, CancellationToken ct)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var rollout = await db.Rollouts.FirstOrDefaultAsync(r => r.Id == id, ct);
            var message = $"The cluster did not carry out the step (retried on every pass; traffic stays as the last completed step set it): {error.Message}";
            if (rollout is null || rollout.Message == message) return;
            rollout.Message = message;
            rollout.Generation++;
            await db.SaveChangesAsync(ct);
            _ticked.TryRemove(id, out _);
            updates.Publish(id, rollout.Target.ToString());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Rollout {RolloutId}: could not record the cluster's failure on it", id);
        }
    }

    /// <summary>
    /// Ticks one loaded rollout and stages what changed (its generation, events, audit entries, the
    /// target's new stable revision) in the unit of work; false when the tick changed nothing.
    /// </summary>
    private async Task<bool> StageTickAsync(OpsDbContext db, Rollout rollout, RolloutEngine engine, CancellationToken ct)
    {
        var before = (rollout.Phase, rollout.CurrentStepIndex, rollout.CanaryWeight, rollout.Message, Measurements: rollout.AnalysisRuns.Sum(a => a.Measurements.Count));
        var events = await engine.TickAsync(rollout, ct);
        var after = (rollout.Phase, rollout.CurrentStepIndex, rollout.CanaryWeight, rollout.Message, Measurements: rollout.AnalysisRuns.Sum(a => a.Measurements.Count));
        if (events.Count == 0 && before == after && !Changed(db, rollout)) return false;

        rollout.Generation++;
        var subject = rollout.Target.ToString();
        var actor = Reconciler with { CorrelationId = rollout.Id.ToString("N") };
        foreach (var e in events)
        {
            outbox.Add(db, actor, e.Type, subject, RolloutEventData.For(rollout, e.Data));
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
        return true;
    }

    /// <summary>Whether the tick changed the rollout or its analysis runs and measurements (other rollouts staged in the same unit of work do not count).</summary>
    private static bool Changed(OpsDbContext db, Rollout rollout) =>
        db.Entry(rollout).State != EntityState.Unchanged
        || rollout.AnalysisRuns.Any(run => db.Entry(run).State != EntityState.Unchanged
            || run.Measurements.Any(m => db.Entry(m).State != EntityState.Unchanged));

    private void Remember(Rollout rollout, Dictionary<Guid, Waiting> tickedAt)
    {
        _ticked[rollout.Id] = (rollout.Generation, clock.GetUtcNow().UtcDateTime);
        tickedAt[rollout.Id] = Snapshot(rollout);
    }

    private void Saved(Rollout rollout, Dictionary<Guid, Waiting> tickedAt)
    {
        Remember(rollout, tickedAt);
        updates.Publish(rollout.Id, rollout.Target.ToString());
    }

    private static Waiting Snapshot(Rollout r) =>
        new(r.Id, r.Phase, r.PausedByUser, r.PromoteFullRequested, r.CurrentStepIndex, r.StepStartedAt, r.StrategyJson, r.Generation, r.ScaleDownAt);

    private async Task KeepStableAsync(DeployTarget t, CancellationToken ct)
    {
        var spec = new RevisionSpec(t.StableVersion!, t.Instances, t.StableConfig);
        // Both calls are idempotent: after a console restart they bring the revision and its traffic back, otherwise nothing changes.
        await cluster.DeployRevisionAsync(t.Target, spec, ct);
        await cluster.SetWeightsAsync(t.Target, TrafficSplit.AllTo(spec.Name), ct);
    }
}
