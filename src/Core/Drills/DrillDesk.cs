using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Incidents;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Runbooks;

namespace OpsConsole.Core.Drills;

/// <summary>
/// Rollback drills: creates and schedules them, runs one (a rollout of the service's stable version
/// with the fault added, through the real rollout engine, marked as a drill), follows each running
/// run until the engine has rolled back (or the timeout aborts it), then scores it, emits
/// <c>drill.completed</c> and opens an incident when it failed.
/// </summary>
public sealed class DrillDesk(
    OpsDbContext db, EventOutbox outbox, RolloutCoordinator rollouts, TimeProvider clock,
    IDrillScheduler? scheduler = null, IncidentSettings? incidents = null, IRunbookMatcher? runbooks = null, ILogger<DrillDesk>? logger = null)
{
    private readonly IDrillScheduler _scheduler = scheduler ?? new NoDrillScheduler();
    private readonly ILogger _log = logger ?? NullLogger<DrillDesk>.Instance;
    private IReadOnlySet<string> ProdEnvironments => (incidents ?? IncidentSettings.Default).ProdEnvironments;

    public bool IsProd(string environment) => ProdEnvironments.Contains(environment);

    public async Task<Drill> CreateAsync(Actor actor, DrillRequest request, CancellationToken ct = default)
    {
        actor.Require("create drills", DrillRules.RunRoles);
        var target = new ServiceEnvironment(request.Service?.Trim() ?? "", request.Environment?.Trim() ?? "");
        var allowProd = request.AllowProd == true;
        DrillRules.CheckProdOptIn(actor, IsProd(target.Environment), allowProd, target.Environment);
        var fault = DrillRules.CheckFault(request.Fault);
        DrillRules.ParseCron(request.Cron);
        var cron = request.Cron!.Trim();
        var targetSeconds = DrillRules.CheckTarget(request.TargetSeconds);
        var timeout = DrillRules.CheckTimeout(request.TimeoutSeconds, targetSeconds);
        var alert = DrillRules.CheckAlertName(request.ExpectedAlert);
        if (!await db.DeployTargets.AnyAsync(t => t.Service == target.Service && t.Environment == target.Environment, ct))
            throw new NotFoundException($"Service '{target.Service}' in environment '{target.Environment}'");

        var now = clock.GetUtcNow().UtcDateTime;
        var drill = new Drill
        {
            Service = target.Service, Environment = target.Environment, FaultJson = JsonSerializer.Serialize(fault), Cron = cron,
            TargetSeconds = targetSeconds, TimeoutSeconds = timeout, ExpectedAlert = alert, Enabled = request.Enabled ?? true, AllowProd = allowProd,
            CreatedBy = actor.Name, CreatedAt = now, UpdatedAt = now,
        };
        db.Drills.Add(drill);
        AuditTrail.Record(db, actor, "drill.create", $"drill/{drill.Id}", after: Summary(drill));
        await db.SaveChangesAsync(ct);
        if (drill.Enabled) _scheduler.Schedule(drill);
        return drill;
    }

    /// <summary>Switches a drill's schedule on or off; enabling a prod drill again needs an Admin.</summary>
    public async Task<Drill> SetEnabledAsync(Actor actor, Guid id, bool enabled, CancellationToken ct = default)
    {
        actor.Require(enabled ? "enable drills" : "disable drills", DrillRules.RunRoles);
        var drill = await db.Drills.FirstOrDefaultAsync(d => d.Id == id, ct) ?? throw new NotFoundException($"Drill {id}");
        if (enabled && IsProd(drill.Environment)) actor.Require("enable a drill in production", Roles.Admin);
        if (drill.Enabled == enabled) return drill;
        var before = Summary(drill);
        drill.Enabled = enabled;
        drill.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        AuditTrail.Record(db, actor, enabled ? "drill.enable" : "drill.disable", $"drill/{drill.Id}", before, Summary(drill));
        await db.SaveChangesAsync(ct);
        if (enabled) _scheduler.Schedule(drill);
        else _scheduler.Unschedule(drill.Id);
        return drill;
    }

    public async Task DeleteAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        actor.Require("delete drills", DrillRules.RunRoles);
        var drill = await db.Drills.FirstOrDefaultAsync(d => d.Id == id, ct) ?? throw new NotFoundException($"Drill {id}");
        if (IsProd(drill.Environment)) actor.Require("delete a drill in production", Roles.Admin);
        if (await db.DrillRuns.AnyAsync(r => r.DrillId == id && r.Status == DrillRunStatus.Running, ct))
            throw new ConflictException("The drill is running: wait for the run to finish before deleting it.");
        db.Drills.Remove(drill);
        AuditTrail.Record(db, actor, "drill.delete", $"drill/{drill.Id}", before: Summary(drill));
        await db.SaveChangesAsync(ct);
        _scheduler.Unschedule(id);
    }

    public async Task<IReadOnlyList<DrillView>> ListAsync(CancellationToken ct = default)
    {
        var drills = await db.Drills.AsNoTracking().OrderBy(d => d.Service).ThenBy(d => d.Environment).ThenBy(d => d.CreatedAt).ToListAsync(ct);
        var runs = (await db.DrillRuns.AsNoTracking().ToListAsync(ct)).ToLookup(r => r.DrillId);
        var now = clock.GetUtcNow().UtcDateTime;
        return drills.Select(d => DrillView.From(d, runs[d.Id].ToList(), now)).ToList();
    }

    public async Task<DrillView?> GetAsync(Guid id, CancellationToken ct = default)
    {
        var drill = await db.Drills.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct);
        if (drill is null) return null;
        var runs = await db.DrillRuns.AsNoTracking().Where(r => r.DrillId == id).ToListAsync(ct);
        return DrillView.From(drill, runs, clock.GetUtcNow().UtcDateTime);
    }

    /// <summary>A drill's runs, oldest first (at most <paramref name="limit"/> of the latest).</summary>
    public async Task<IReadOnlyList<DrillRunView>> RunsAsync(Guid drillId, int limit = 200, CancellationToken ct = default)
    {
        var runs = await db.DrillRuns.AsNoTracking().Where(r => r.DrillId == drillId).OrderByDescending(r => r.StartedAt).Take(limit).ToListAsync(ct);
        return runs.OrderBy(r => r.StartedAt).Select(DrillRunView.From).ToList();
    }

    public async Task<DrillRunView?> RunAsync(Guid runId, CancellationToken ct = default) =>
        await db.DrillRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct) is { } run ? DrillRunView.From(run) : null;

    /// <summary>
    /// Runs the drill now: records a run and starts its rollout in one commit. 409 while a run of the
    /// drill is in progress. When the rollout cannot start (nothing deployed, another rollout in flight)
    /// the run is recorded as failed with the reason, and the failure is reported like any other.
    /// </summary>
    public async Task<DrillRun> StartRunAsync(Actor actor, Guid drillId, CancellationToken ct = default)
    {
        actor.Require("run drills", DrillRules.RunRoles);
        var drill = await db.Drills.AsNoTracking().FirstOrDefaultAsync(d => d.Id == drillId, ct) ?? throw new NotFoundException($"Drill {drillId}");
        if (IsProd(drill.Environment) && !drill.AllowProd)
            throw new ConflictException($"{drill.Target} is a production environment and the drill has no Admin opt-in: it does not run.");
        if (await RunningAsync(drillId, ct) is { } running)
            throw new ConflictException($"The drill is already running (run {running}); wait for it to finish.");

        var now = clock.GetUtcNow().UtcDateTime;
        var run = new DrillRun
        {
            DrillId = drill.Id, Service = drill.Service, Environment = drill.Environment, TriggeredBy = actor.Name, StartedAt = now,
            TargetSeconds = drill.TargetSeconds, ExpectedAlert = drill.ExpectedAlert,
        };
        db.DrillRuns.Add(run);
        AuditTrail.Record(db, actor, "drill.run", $"drill/{drill.Id}", after: new { runId = run.Id, drill.Service, drill.Environment, faultKeys = drill.Fault.Keys });
        string? refused;
        try
        {
            var config = new Dictionary<string, string>(await StableConfigAsync(drill.Target, ct), StringComparer.Ordinal);
            foreach (var (k, v) in drill.Fault) config[k] = v;
            // Saves the run together with the rollout (same unit of work): both or neither.
            var rollout = await rollouts.StartDrillAsync(actor, drill.Target, config, run.Id, ct);
            run.RolloutId = rollout.Id;
            await db.SaveChangesAsync(ct);
            _log.LogInformation("Drill {DrillId} on {Target}: run {RunId} started rollout {RolloutId}", drill.Id, drill.Target, run.Id, rollout.Id);
            return run;
        }
        catch (RolloutInProgressException e) { refused = $"The faulty build could not start: another rollout of {drill.Target} is in flight ({e.RunningId})."; }
        catch (NotFoundException) { refused = $"The faulty build could not start: {drill.Target} is not deployed."; }
        catch (ConflictException e) { refused = $"The faulty build could not start: {e.Message}"; }

        // The rollout never started: the run is a recorded failure, not a silent no-op.
        db.ChangeTracker.Clear();
        if (await RunningAsync(drillId, ct) is { } raced) throw new ConflictException($"The drill is already running (run {raced}); wait for it to finish.");
        run.RolloutId = null;
        db.DrillRuns.Add(run);
        AuditTrail.Record(db, actor, "drill.run", $"drill/{drill.Id}", after: new { runId = run.Id, drill.Service, drill.Environment, faultKeys = drill.Fault.Keys });
        await CompleteAsync(run, drill, passed: false, refused, ct);
        return run;
    }

    /// <summary>The schedule's run, as the system: skipped (logged) when the drill is disabled, gone or already running.</summary>
    public async Task<DrillRun?> RunScheduledAsync(Guid drillId, CancellationToken ct = default)
    {
        var drill = await db.Drills.AsNoTracking().FirstOrDefaultAsync(d => d.Id == drillId, ct);
        if (drill is null || !drill.Enabled)
        {
            _log.LogInformation("Scheduled drill {DrillId} skipped: {Why}", drillId, drill is null ? "it no longer exists" : "it is disabled");
            if (drill is null) _scheduler.Unschedule(drillId);
            return null;
        }
        try { return await StartRunAsync(Actor.System($"drill-{drillId:N}"), drillId, ct); }
        catch (ConflictException e)
        {
            _log.LogInformation("Scheduled drill {DrillId} skipped: {Why}", drillId, e.Message);
            return null;
        }
    }

    /// <summary>Puts every enabled drill on the schedule and takes the others off (at start).</summary>
    public async Task SyncScheduleAsync(CancellationToken ct = default)
    {
        foreach (var drill in await db.Drills.AsNoTracking().ToListAsync(ct))
        {
            if (drill.Enabled) _scheduler.Schedule(drill);
            else _scheduler.Unschedule(drill.Id);
        }
    }

    /// <summary>Looks at every running run: scores those whose rollout has ended, aborts those past their timeout. Returns how many are still running.</summary>
    public async Task<int> FollowAsync(CancellationToken ct = default)
    {
        var ids = await db.DrillRuns.AsNoTracking().Where(r => r.Status == DrillRunStatus.Running).Select(r => r.Id).ToListAsync(ct);
        var still = 0;
        foreach (var id in ids)
        {
            try { if (!await FollowOneAsync(id, ct)) still++; }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _log.LogWarning(ex, "Drill run {RunId}: could not follow it; the next pass tries again", id);
                db.ChangeTracker.Clear();
                still++;
            }
        }
        return still;
    }

    /// <summary>True when the run is finished after this look.</summary>
    private async Task<bool> FollowOneAsync(Guid runId, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var run = await db.DrillRuns.FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null || run.Status != DrillRunStatus.Running) return true;
        var drill = await db.Drills.AsNoTracking().FirstOrDefaultAsync(d => d.Id == run.DrillId, ct);
        // The run and its rollout commit together; the run learns the rollout's id in a second save.
        var rollout = run.RolloutId is { } rid
            ? await db.Rollouts.AsNoTracking().WithAnalysis().FirstOrDefaultAsync(r => r.Id == rid, ct)
            : await db.Rollouts.AsNoTracking().WithAnalysis().Where(r => r.DrillRunId == run.Id).OrderBy(r => r.CreatedAt).FirstOrDefaultAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        if (rollout is null && drill is not null && now - run.StartedAt < TimeSpan.FromSeconds(30)) return false;
        if (drill is null || rollout is null)
        {
            await CompleteAsync(run, drill, false, rollout is null ? "The drill's rollout was not found." : "The drill was deleted during the run.", ct);
            return true;
        }

        if (!rollout.IsFinished)
        {
            if (now - run.StartedAt < TimeSpan.FromSeconds(drill.TimeoutSeconds)) return false;
            // Never leave the fault running: past the timeout the drill aborts the rollout itself.
            run.AbortedByDrill = true;
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            try
            {
                await rollouts.ActAsync(Actor.System($"drill-{run.Id:N}"), rollout.Id, RolloutAction.Abort, ct);
                _log.LogWarning("Drill run {RunId}: no rollback within {Timeout} s; the drill aborted rollout {RolloutId}", run.Id, drill.TimeoutSeconds, rollout.Id);
            }
            catch (ConflictException e)
            {
                // The rollout ended in between (or cannot be aborted in its phase): the next look scores it.
                _log.LogInformation("Drill run {RunId}: abort of rollout {RolloutId} refused: {Why}", run.Id, rollout.Id, e.Message);
            }
            return false;
        }

        var times = await TimesAsync(rollout, ct);
        run.FaultLiveAt = times.FaultLive;
        run.DetectedAt = times.Detected;
        run.StableAt = times.Stable;
        run.DetectionSeconds = times.Detected is { } d ? Math.Max(0, (d - times.FaultLive).TotalSeconds) : null;
        run.RollbackSeconds = times.Stable is { } s ? Math.Max(0, (s - times.FaultLive).TotalSeconds) : null;

        if (drill.ExpectedAlert is { } expected)
        {
            var since = times.FaultLive.AddSeconds(-1);
            var fired = await AlertFiredAsync(expected, drill.Target, since, ct);
            run.AlertFired = fired is not null;
            // Alerts may lag the rollback (burn-rate windows): wait a little for the expected one.
            if (fired is null && times.Stable is { } stableAt && now < stableAt + DrillRules.AlertGrace
                && now - run.StartedAt < TimeSpan.FromSeconds(drill.TimeoutSeconds) + DrillRules.AlertGrace)
            {
                db.ChangeTracker.Clear();
                return false;
            }
            (run.RunbookLinked, run.Runbook) = await RunbookAsync(drill.Service, fired, ct);
        }
        else (run.RunbookLinked, run.Runbook) = await RunbookAsync(drill.Service, null, ct);

        var promoted = rollout.Phase == RolloutPhase.Healthy;
        var (passed, reason) = DrillRules.Judge(new DrillRules.Measured(
            RolledBack: rollout.Phase is RolloutPhase.Aborted or RolloutPhase.Degraded, run.AbortedByDrill, promoted,
            run.DetectionSeconds, run.RollbackSeconds, drill.TargetSeconds, drill.ExpectedAlert, run.AlertFired, run.RunbookLinked, rollout.AbortReason ?? rollout.Message));
        if (promoted) await RestoreAsync(run, rollout, ct);
        await CompleteAsync(run, drill, passed, reason, ct);
        return true;
    }

    /// <summary>The faulty build became stable: roll the previous version and config out again (marked as the same drill).</summary>
    private async Task RestoreAsync(DrillRun run, Rollout faulty, CancellationToken ct)
    {
        try
        {
            var restore = await rollouts.StartDrillAsync(Actor.System($"drill-{run.Id:N}"), faulty.Target, faulty.StableConfig, run.Id, ct);
            _log.LogWarning("Drill run {RunId}: the faulty build was promoted; rollout {RolloutId} restores the previous build", run.Id, restore.Id);
        }
        catch (Exception ex) when (ex is DomainException or DbUpdateException)
        {
            _log.LogError(ex, "Drill run {RunId}: the faulty build was promoted and could not be replaced; restore {Target} by hand", run.Id, faulty.Target);
        }
        db.ChangeTracker.Clear();
        db.DrillRuns.Attach(run);
        db.Entry(run).State = EntityState.Modified;
    }

    private sealed record Times(DateTime FaultLive, DateTime? Detected, DateTime? Stable);

    /// <summary>
    /// From the rollout's recorded steps and events: when the faulty revision first took traffic, when
    /// the fault was detected (the first failed analysis, else the abort), and when all traffic was back on stable.
    /// </summary>
    private async Task<Times> TimesAsync(Rollout rollout, CancellationToken ct)
    {
        var subject = rollout.Target.ToString();
        var since = rollout.CreatedAt.AddSeconds(-5);
        var rows = await db.OutboxEvents.AsNoTracking()
            .Where(e => e.Subject == subject && e.Time >= since
                        && (e.Type == EventTypes.RolloutStepChanged || e.Type == EventTypes.AnalysisFailed || e.Type == EventTypes.RollbackExecuted))
            .OrderBy(e => e.Position).Select(e => new { e.Type, e.Time, e.CloudEventJson }).ToListAsync(ct);
        DateTime? live = null, failed = null, rolledBack = null;
        var id = rollout.Id.ToString();
        foreach (var row in rows)
        {
            using var doc = JsonDocument.Parse(row.CloudEventJson);
            if (!doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object) continue;
            if (!data.TryGetProperty("rolloutId", out var rid) || rid.GetString() != id) continue;
            switch (row.Type)
            {
                case EventTypes.RolloutStepChanged when live is null && data.TryGetProperty("weights", out var w) && w.ValueKind == JsonValueKind.Object
                    && w.TryGetProperty(rollout.Revision, out var share) && share.ValueKind == JsonValueKind.Number && share.GetDouble() > 0:
                    live = row.Time;
                    break;
                case EventTypes.AnalysisFailed when failed is null:
                    failed = row.Time;
                    break;
                case EventTypes.RollbackExecuted when rolledBack is null:
                    rolledBack = row.Time;
                    break;
            }
        }
        // The store's own records as the fallback: the failed analysis run, the rollout's end.
        var failedRun = rollout.AnalysisRuns.Where(a => a.Phase is Rollouts.Analysis.AnalysisPhase.Failed or Rollouts.Analysis.AnalysisPhase.Error && a.CompletedAt is not null)
            .OrderBy(a => a.CompletedAt).FirstOrDefault();
        failed ??= failedRun?.CompletedAt;
        var rolledBackPhase = rollout.Phase is RolloutPhase.Aborted or RolloutPhase.Degraded;
        var stable = rolledBackPhase ? rolledBack ?? rollout.CompletedAt : null;
        var detected = failed ?? (rolledBackPhase ? stable : null);
        var faultLive = live ?? rollout.AnalysisRuns.OrderBy(a => a.StartedAt).FirstOrDefault()?.StartedAt ?? rollout.CreatedAt;
        if (detected is { } dd && dd < faultLive) faultLive = rollout.CreatedAt;
        return new Times(faultLive, detected, stable);
    }

    private sealed record FiredAlert(IReadOnlyDictionary<string, string> Labels);

    /// <summary>The expected alert for the service and environment that fired since <paramref name="since"/>, from the alert history.</summary>
    private async Task<FiredAlert?> AlertFiredAsync(string name, ServiceEnvironment target, DateTime since, CancellationToken ct)
    {
        var fingerprints = await db.Alerts.AsNoTracking().Where(a => a.Name == name && a.Service == target.Service && a.Environment == target.Environment)
            .Select(a => new { a.Fingerprint, a.LabelsJson, a.StartsAt, a.LastSeenAt, a.Status }).ToListAsync(ct);
        foreach (var a in fingerprints)
        {
            var fp = a.Fingerprint;
            var fired = await db.AlertHistory.AsNoTracking().AnyAsync(h => h.Fingerprint == fp && h.Status == AlertStatus.Firing && h.At >= since, ct)
                        || (a.Status == AlertStatus.Firing && a.LastSeenAt >= since);
            if (fired) return new FiredAlert(JsonSerializer.Deserialize<Dictionary<string, string>>(a.LabelsJson) ?? []);
        }
        return null;
    }

    /// <summary>
    /// The service catalogue's runbooks for the service; linked when the alert that fired leads to one
    /// of them (runbook alert matchers), or, with no alert to follow, when one of them exists in the library.
    /// </summary>
    private async Task<(bool Linked, string? Slug)> RunbookAsync(string service, FiredAlert? alert, CancellationToken ct)
    {
        var profile = await db.ServiceProfiles.AsNoTracking().FirstOrDefaultAsync(p => p.Service == service, ct);
        var slugs = (profile?.Runbooks ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (slugs.Length == 0) return (false, null);
        if (alert is not null && runbooks is not null)
        {
            var matched = await runbooks.ForAlertLabelsAsync(alert.Labels, ct);
            var hit = matched.FirstOrDefault(m => slugs.Contains(m.Slug));
            return hit is null ? (false, slugs[0]) : (true, hit.Slug);
        }
        var existing = await db.Runbooks.AsNoTracking().Where(r => slugs.Contains(r.Slug)).Select(r => r.Slug).FirstOrDefaultAsync(ct);
        return existing is null ? (false, slugs[0]) : (true, existing);
    }

    /// <summary>Ends the run: verdict, <c>drill.completed</c> (with <c>"drill": true</c>), an incident when it failed; one commit.</summary>
    private async Task CompleteAsync(DrillRun run, Drill? drill, bool passed, string reason, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var actor = Actor.System($"drill-{run.Id:N}");
        run.Status = passed ? DrillRunStatus.Passed : DrillRunStatus.Failed;
        run.Passed = passed;
        run.Reason = reason.Length > 2000 ? reason[..2000] : reason;
        run.CompletedAt = now;
        var subject = $"{run.Service}/{run.Environment}";
        if (!passed)
        {
            var incident = await OpenIncidentAsync(run, actor, now, ct);
            run.IncidentId = incident.Id;
        }
        AuditTrail.Record(db, actor, "drill.complete", $"drill/{run.DrillId}", after: new { runId = run.Id, status = run.Status.ToString(), run.DetectionSeconds, run.RollbackSeconds, run.Reason, run.IncidentId });
        outbox.Add(db, actor, EventTypes.DrillCompleted, subject, new
        {
            drillId = run.DrillId, runId = run.Id, rolloutId = run.RolloutId, service = run.Service, environment = run.Environment,
            status = run.Status.ToString(), passed, detectionSeconds = run.DetectionSeconds, rollbackSeconds = run.RollbackSeconds,
            targetSeconds = run.TargetSeconds, alertFired = run.AlertFired, runbookLinked = run.RunbookLinked, reason = run.Reason,
            incidentId = run.IncidentId, cron = drill?.Cron, drill = true,
        });
        await db.SaveChangesAsync(ct);
        _log.LogInformation("Drill run {RunId} on {Subject}: {Status}: {Reason}", run.Id, subject, run.Status, run.Reason);
    }

    private async Task<Incident> OpenIncidentAsync(DrillRun run, Actor actor, DateTime now, CancellationToken ct)
    {
        var title = $"Rollback drill failed on {run.Service}/{run.Environment}";
        var incident = new Incident
        {
            Id = await IncidentQueries.NextIdAsync(db, ct),
            Title = title, Severity = IncidentSeverity.Sev3, Origin = "drill", OpenedAt = now, OpenedBy = actor.Name, UpdatedAt = now,
            Services = IncidentRules.ParseServices([$"{run.Service}/{run.Environment}"]),
        };
        incident.Log.Add(new IncidentLogEntry { At = now, Actor = actor.Name, Kind = IncidentLogKind.Note, Text = $"Opened by the rollback drill (run {run.Id}): {run.Reason}" });
        if (run.Runbook is { } slug && await db.Runbooks.AsNoTracking().FirstOrDefaultAsync(r => r.Slug == slug, ct) is { } book)
            incident.Runbooks.Add(new IncidentRunbook { Slug = book.Slug, Title = book.Title, AttachedAt = now });
        db.Incidents.Add(incident);
        AuditTrail.Record(db, actor, "incident.open", $"incident/{incident.Id}", after: new { incidentId = incident.Id, incident.Title, severity = IncidentRules.Label(incident.Severity), origin = incident.Origin, runId = run.Id });
        outbox.Add(db, actor, EventTypes.IncidentOpened, incident.Subject, IncidentDesk.EventData(incident, actor, new Dictionary<string, object?>
        {
            ["origin"] = incident.Origin, ["fingerprints"] = Array.Empty<string>(), ["drillRunId"] = run.Id, ["drill"] = true,
        }));
        return incident;
    }

    private async Task<IReadOnlyDictionary<string, string>> StableConfigAsync(ServiceEnvironment target, CancellationToken ct) =>
        await db.DeployTargets.AsNoTracking().FirstOrDefaultAsync(t => t.Service == target.Service && t.Environment == target.Environment, ct) is { } t
            ? t.StableConfig : new Dictionary<string, string>();

    private async Task<Guid?> RunningAsync(Guid drillId, CancellationToken ct) =>
        await db.DrillRuns.AsNoTracking().Where(r => r.DrillId == drillId && r.Status == DrillRunStatus.Running).Select(r => (Guid?)r.Id).FirstOrDefaultAsync(ct);

    private static object Summary(Drill d) => new
    {
        d.Service, d.Environment, faultKeys = d.Fault.Keys, fault = d.Fault, d.Cron, d.TargetSeconds, d.TimeoutSeconds, d.ExpectedAlert, d.Enabled, d.AllowProd,
    };
}
