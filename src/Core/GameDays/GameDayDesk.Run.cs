using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;

namespace OpsConsole.Core.GameDays;

/// <summary>
/// The run: start, faults injected and lifted on time, abort conditions evaluated against live
/// metrics, the end with a sealed report. <see cref="TickAsync"/> is the reconciler the runner calls
/// every second: it compares what the plan wants in force now with what the cluster holds and takes
/// the next step, so a console restart resumes a running game day (faults still in their window are
/// re-applied, faults past their end lifted and recorded) and no fault is ever left in place silently.
/// </summary>
public sealed partial class GameDayDesk
{
    /// <summary>Faults lifted later than this after their window ended were lifted by a console that had been down: the timeline says so.</summary>
    public static readonly TimeSpan LateLift = TimeSpan.FromSeconds(5);

    public async Task<GameDay> StartAsync(Actor actor, long id, CancellationToken ct = default)
    {
        actor.Require("run game days", GameDayRules.RunRoles);
        var gameDay = await LoadTrackedAsync(id, ct);
        RequireFacilitator(actor, gameDay, "start");
        if (gameDay.Status != GameDayStatus.Planned)
            throw new ConflictException($"Game day {id} is {gameDay.Status.ToString().ToLowerInvariant()}; it starts only once.");
        var plan = gameDay.Plan;
        if (GameDayRules.TouchesProd(plan, ProdEnvironments) && gameDay.ProdOptInBy is null)
            throw new AccessDeniedException($"start game day {id} in production without an Admin's opt-in", [Roles.Admin]);
        foreach (var target in plan.Faults.Select(f => ServiceEnvironment.Parse(f.Target)).Distinct())
            FaultInjection.For(cluster, target);
        var now = clock.GetUtcNow().UtcDateTime;
        gameDay.Status = GameDayStatus.Running;
        gameDay.StartedAt = now;
        gameDay.StartedBy = actor.Name;
        gameDay.FaultRuns = plan.Faults.Select((_, i) => new FaultRun(i, FaultPrefix(id) + i.ToString(CultureInfo.InvariantCulture), null, null, null)).ToList();
        gameDay.SliTallies = plan.SteadyState.Select(c => new SliTally(c, 0, 0, null, null)).ToList();
        gameDay.Log(now, GameDayEntryKind.Status, actor.Name, actor.Name == "system" && gameDay.ScheduledAt is not null
            ? $"Game day started at its scheduled time ({plan.Faults.Count} fault(s) planned over {plan.DurationSeconds} s)."
            : $"Game day started by {actor.Name} ({plan.Faults.Count} fault(s) planned over {plan.DurationSeconds} s).");
        gameDay.Touch(now);
        AuditTrail.Record(db, actor, "gameday.start", $"gameday/{id}", after: Summary(gameDay));
        outbox.Add(db, actor, EventTypes.GameDayStarted, Subject(gameDay), new
        {
            gameDayId = id, title = gameDay.Title, facilitator = gameDay.Facilitator, scope = plan.Scope, faults = plan.Faults.Count, by = actor.Name,
        });
        await SaveAsync(gameDay, ct);
        // Faults due at once go in now rather than at the runner's next tick (unless the runner got there first).
        try { await RunOnceAsync(gameDay, ct); }
        catch (StaleGameDayException) { db.ChangeTracker.Clear(); }
        return gameDay;
    }

    public Task<GameDay> AbortAsync(Actor actor, long id, string? reason, CancellationToken ct = default) =>
        RetryAsync(() => AbortOnceAsync(actor, id, reason, ct));

    private async Task<GameDay> AbortOnceAsync(Actor actor, long id, string? reason, CancellationToken ct)
    {
        actor.Require("abort game days", GameDayRules.RunRoles);
        var why = GameDayRules.Text(reason, "reason", 1000) ?? "no reason given";
        var gameDay = await LoadTrackedAsync(id, ct);
        RequireFacilitator(actor, gameDay, "abort");
        if (gameDay.Status != GameDayStatus.Running) throw new ConflictException($"Game day {id} is {gameDay.Status.ToString().ToLowerInvariant()}; only a running game day can be aborted.");
        await FinishAsync(actor, gameDay, GameDayStatus.Aborted, $"aborted by {actor.Name}: {why}", ct);
        return gameDay;
    }

    public Task<GameDay> CompleteAsync(Actor actor, long id, CancellationToken ct = default) =>
        RetryAsync(() => CompleteOnceAsync(actor, id, ct));

    private async Task<GameDay> CompleteOnceAsync(Actor actor, long id, CancellationToken ct)
    {
        actor.Require("complete game days", GameDayRules.RunRoles);
        var gameDay = await LoadTrackedAsync(id, ct);
        RequireFacilitator(actor, gameDay, "complete");
        if (gameDay.Status != GameDayStatus.Running) throw new ConflictException($"Game day {id} is {gameDay.Status.ToString().ToLowerInvariant()}; only a running game day can be completed.");
        await FinishAsync(actor, gameDay, GameDayStatus.Completed, null, ct);
        return gameDay;
    }

    /// <summary>
    /// One pass of the runner: starts planned game days whose time has come, advances every running
    /// one, and lifts any game-day fault the cluster holds that no running game day wants. Returns how
    /// many game days it advanced.
    /// </summary>
    public async Task<int> TickAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var system = Actor.System("gameday-runner");
        var due = await db.GameDays.AsNoTracking().Where(g => g.Status == GameDayStatus.Planned && g.ScheduledAt != null && g.ScheduledAt <= now)
            .Select(g => g.Id).ToListAsync(ct);
        foreach (var id in due)
        {
            try { await StartAsync(system, id, ct); }
            catch (DomainException e)
            {
                _log.LogWarning("Game day {Id} could not start at its scheduled time: {Reason}", id, e.Message);
                db.ChangeTracker.Clear();
                await RecordScheduleFailureAsync(id, e.Message, ct);
            }
        }

        var running = await db.GameDays.AsNoTracking().Where(g => g.Status == GameDayStatus.Running).Select(g => g.Id).ToListAsync(ct);
        foreach (var id in running)
        {
            db.ChangeTracker.Clear();
            var gameDay = await LoadTrackedAsync(id, ct);
            try { await RunOnceAsync(gameDay, ct); }
            catch (StaleGameDayException) { /* changed by a person meanwhile: the next tick sees the new state */ }
        }
        db.ChangeTracker.Clear();
        await SweepOrphanFaultsAsync(ct);
        return running.Count;
    }

    /// <summary>Advances one running game day: faults on time, SLI samples, abort conditions, the planned end.</summary>
    private async Task RunOnceAsync(GameDay gameDay, CancellationToken ct)
    {
        if (gameDay.Status != GameDayStatus.Running || gameDay.StartedAt is not { } started) return;
        var now = clock.GetUtcNow().UtcDateTime;
        var plan = gameDay.Plan;
        var runs = gameDay.FaultRuns;
        var system = Actor.System("gameday-runner");
        for (var i = 0; i < plan.Faults.Count && i < runs.Count; i++)
        {
            var planned = plan.Faults[i];
            var run = runs[i];
            if (run.LiftedAt is not null) continue;
            var target = ServiceEnvironment.Parse(planned.Target);
            var from = started.AddSeconds(planned.StartSeconds);
            var until = from.AddSeconds(planned.DurationSeconds);
            var label = $"Fault {i + 1} ({planned})";
            if (now >= until)
            {
                if (run.InjectedAt is null)
                {
                    runs[i] = run with { LiftedAt = now, Outcome = "never injected: its window passed while the console was not running" };
                    gameDay.Log(now, GameDayEntryKind.Recovery, null, $"{label} was never injected: its window {T(from)}–{T(until)} passed while the console was not running.");
                    continue;
                }
                var wasInForce = await LiftAsync(target, run.Id, ct);
                var late = now - until > LateLift;
                runs[i] = run with { LiftedAt = now, Outcome = late ? $"lifted late, at {T(now)}: the console was not running when its window ended at {T(until)}" : "lifted on time" };
                gameDay.Log(now, late ? GameDayEntryKind.Recovery : GameDayEntryKind.Fault, null, late
                    ? $"{label} lifted at {T(now)}, {(now - until).TotalSeconds:0} s after its window ended at {T(until)}: the console was not running then{(wasInForce ? "" : " (the restart had already cleared it at the cluster)")}."
                    : $"{label} lifted: its window ended.");
                continue;
            }
            if (now < from) continue;
            if (run.InjectedAt is null)
            {
                try
                {
                    await FaultInjection.For(cluster, target).InjectAsync(target, run.Id, planned.Spec, ct);
                    runs[i] = run with { InjectedAt = now, Outcome = "in force" };
                    gameDay.Log(now, GameDayEntryKind.Fault, null, $"{label} injected, until {T(until)}.");
                }
                catch (DomainException e)
                {
                    runs[i] = run with { LiftedAt = now, Outcome = $"could not be injected: {e.Message}" };
                    gameDay.Log(now, GameDayEntryKind.Fault, null, $"{label} could not be injected: {e.Message}");
                }
            }
            else if (IsHeld(planned.Type) && cluster is IFaultInjector injector && injector.ListFaults(target).All(f => f.Id != run.Id))
            {
                // The cluster no longer holds it (a console restart forgets ingress faults): the window is still open, so it goes back in.
                try
                {
                    await injector.InjectAsync(target, run.Id, planned.Spec, ct);
                    gameDay.Log(now, GameDayEntryKind.Recovery, null, $"{label} was no longer in force at the cluster (console restart); re-applied until {T(until)} as planned.");
                }
                catch (DomainException e)
                {
                    runs[i] = run with { LiftedAt = now, Outcome = $"lost and could not be re-applied: {e.Message}" };
                    gameDay.Log(now, GameDayEntryKind.Recovery, null, $"{label} was lost at a console restart and could not be re-applied: {e.Message}");
                }
            }
        }
        gameDay.FaultRuns = runs;

        // Live checks: abort conditions first (any target), then the steady-state samples.
        var tallies = gameDay.SliTallies;
        var steady = plan.SteadyState.Select(c => GameDayCondition.Parse(c, "steadyState")).ToList();
        var aborts = plan.AbortConditions.Select(c => GameDayCondition.Parse(c, "abortConditions")).ToList();
        foreach (var target in plan.Targets)
        {
            var values = await metrics.ReadAsync(target, ct);
            if (values is null) continue;
            foreach (var condition in aborts)
            {
                if (!Holds(condition, values)) continue;
                gameDay.SliTallies = tallies;
                gameDay.Log(now, GameDayEntryKind.Abort, null, $"Abort condition '{condition.Text}' held on {target} ({values}): stopping everything.");
                await FinishAsync(system, gameDay, GameDayStatus.Aborted, $"abort condition '{condition.Text}' held on {target} ({values})", ct);
                return;
            }
            for (var s = 0; s < steady.Count && s < tallies.Count; s++)
            {
                var t = tallies[s];
                var ok = Holds(steady[s], values);
                tallies[s] = ok ? t with { Samples = t.Samples + 1 }
                    : t with { Samples = t.Samples + 1, Violations = t.Violations + 1, FirstViolationAt = t.FirstViolationAt ?? now, FirstViolationValues = t.FirstViolationValues ?? $"{target}: {values}" };
            }
        }
        gameDay.SliTallies = tallies;

        if (now >= started.AddSeconds(plan.DurationSeconds))
        {
            await FinishAsync(system, gameDay, GameDayStatus.Completed, null, ct);
            return;
        }
        gameDay.Touch(now);
        await SaveAsync(gameDay, ct);
    }

    /// <summary>Lifts every fault, records the end, seals the report and emits <c>gameday.completed</c>, in one unit of work.</summary>
    private async Task FinishAsync(Actor actor, GameDay gameDay, GameDayStatus status, string? abortReason, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var plan = gameDay.Plan;
        var runs = gameDay.FaultRuns;
        var lifted = new List<string>();
        for (var i = 0; i < runs.Count && i < plan.Faults.Count; i++)
        {
            if (runs[i].LiftedAt is not null) continue;
            var target = ServiceEnvironment.Parse(plan.Faults[i].Target);
            if (runs[i].InjectedAt is not null)
            {
                await LiftAsync(target, runs[i].Id, ct);
                lifted.Add($"fault {i + 1} ({plan.Faults[i]})");
            }
            runs[i] = runs[i] with
            {
                LiftedAt = now,
                Outcome = runs[i].InjectedAt is null ? (status == GameDayStatus.Aborted ? "not injected: the game day was aborted first" : "not injected: the game day ended first")
                    : status == GameDayStatus.Aborted ? "lifted at the abort" : "lifted at the end",
            };
        }
        // Anything else the cluster still holds for this game day goes too.
        foreach (var stray in FaultsInForce(gameDay)) await LiftAsync(stray.Target, stray.Id, ct);
        gameDay.FaultRuns = runs;
        gameDay.Status = status;
        gameDay.EndedAt = now;
        gameDay.EndedBy = actor.Name;
        gameDay.AbortReason = abortReason;
        gameDay.Log(now, GameDayEntryKind.Fault, null, lifted.Count == 0 ? "No fault was in force: the steady state is untouched." : $"Lifted {string.Join(", ", lifted)}: steady state restored.");
        gameDay.Log(now, GameDayEntryKind.Status, actor.Name == "system" ? null : actor.Name, status == GameDayStatus.Aborted
            ? $"Game day aborted: {abortReason}."
            : actor.Name == "system" ? "Game day completed: its planned duration ended." : $"Game day completed by {actor.Name}.");
        gameDay.Touch(now);
        var result = await SealReportAsync(actor, gameDay, now, ct);
        AuditTrail.Record(db, actor, status == GameDayStatus.Aborted ? "gameday.abort" : "gameday.complete", $"gameday/{gameDay.Id}", after: Summary(gameDay));
        outbox.Add(db, actor, EventTypes.GameDayCompleted, Subject(gameDay), new
        {
            gameDayId = gameDay.Id, title = gameDay.Title, outcome = status.ToString().ToLowerInvariant(), abortReason,
            ttdSeconds = result.TtdSeconds, ttaSeconds = result.TtaSeconds, ttmSeconds = result.TtmSeconds, hypothesisHeld = result.HypothesisHeld,
            sha256 = gameDay.ReportSha256, by = actor.Name,
        });
        await SaveAsync(gameDay, ct);
        _log.LogInformation("Game day {Id} {Status}: {Verdict}", gameDay.Id, status, result.Verdict);
    }

    /// <summary>Seals the report as it stands (the game day ended; later observations and action items seal a new version) and puts its hash in the audit chain.</summary>
    private async Task<GameDayResult> SealReportAsync(Actor actor, GameDay gameDay, DateTime now, CancellationToken ct)
    {
        var timeline = await GameDayTimeline.BuildAsync(db, gameDay, now, ct);
        var result = GameDayResult.From(gameDay, timeline);
        var (document, sha256) = GameDayReport.Seal(GameDayReport.Build(gameDay, timeline, result, now));
        gameDay.ReportJson = document;
        gameDay.ReportSha256 = sha256;
        AuditTrail.Record(db, actor, "gameday.report.sealed", $"gameday/{gameDay.Id}", after: new { gameDayId = gameDay.Id, sha256, status = gameDay.Status.ToString() });
        return result;
    }

    private async Task<bool> LiftAsync(ServiceEnvironment target, string faultId, CancellationToken ct)
    {
        if (cluster is not IFaultInjector injector) return false;
        try
        {
            return await injector.LiftAsync(target, faultId, ct);
        }
        catch (Exception e) when (e is DomainException or ObjectDisposedException)
        {
            _log.LogWarning(e, "Fault {Fault} on {Target} could not be lifted", faultId, target);
            return false;
        }
    }

    /// <summary>Lifts game-day faults the cluster holds that no running game day wants in force (a game day that ended while a write raced).</summary>
    private async Task SweepOrphanFaultsAsync(CancellationToken ct)
    {
        if (cluster is not IFaultInjector injector) return;
        var held = injector.ListFaults().Where(f => f.Id.StartsWith("gameday-", StringComparison.Ordinal)).ToList();
        if (held.Count == 0) return;
        var running = await db.GameDays.AsNoTracking().Where(g => g.Status == GameDayStatus.Running).Select(g => new { g.Id, g.FaultStateJson }).ToListAsync(ct);
        var wanted = running.SelectMany(g => new GameDay { Title = "", Facilitator = "", CreatedBy = "", FaultStateJson = g.FaultStateJson }.FaultRuns
            .Where(r => r.InjectedAt is not null && r.LiftedAt is null).Select(r => r.Id)).ToHashSet(StringComparer.Ordinal);
        foreach (var fault in held.Where(f => !wanted.Contains(f.Id)))
        {
            _log.LogWarning("Lifting fault {Fault} on {Target}: no running game day wants it", fault.Id, fault.Target);
            await LiftAsync(fault.Target, fault.Id, ct);
        }
    }

    private async Task RecordScheduleFailureAsync(long id, string reason, CancellationToken ct)
    {
        var gameDay = await LoadTrackedAsync(id, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        gameDay.Log(now, GameDayEntryKind.Status, null, $"The game day could not start at its scheduled time: {reason} It stays planned without a schedule.");
        gameDay.ScheduledAt = null;
        gameDay.Touch(now);
        await SaveAsync(gameDay, ct);
    }

    private static bool Holds(GameDayCondition condition, SliValues values)
    {
        try { return condition.Holds(values); }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException) { return false; }
    }

    private static bool IsHeld(FaultKind kind) => kind is FaultKind.ErrorRate or FaultKind.Latency or FaultKind.Drop;

    private static string Subject(GameDay g) => g.Plan.Scope.Count == 1 ? g.Plan.Scope[0] : $"gameday/{g.Id}";

    private static string T(DateTime t) => t.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
}
