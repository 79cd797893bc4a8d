using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Incidents;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.GameDays;

/// <summary>"Look again" notices for live game-day pages: the id of the game day that changed.</summary>
public sealed class GameDayUpdates(ILogger<GameDayUpdates>? logger = null) : ChangeNotifier<long>(logger);

/// <summary>
/// Plans game days and applies people's actions to them (notes, action items, observations). The run
/// itself (start, faults on time, abort conditions, end) is in GameDayDesk.Run.cs. Every change is
/// checked against the actor's roles, audited and, where it is an event, emitted in one unit of work.
/// </summary>
public sealed partial class GameDayDesk(
    OpsDbContext db, EventOutbox outbox, TimeProvider clock, IClusterAdapter cluster, GameDayMetrics metrics,
    GameDayUpdates? updates = null, IncidentSettings? incidentSettings = null, ILogger<GameDayDesk>? logger = null)
{
    private readonly ILogger _log = logger ?? NullLogger<GameDayDesk>.Instance;

    /// <summary>The environments that count as production (a game day there needs an Admin's opt-in).</summary>
    public IReadOnlySet<string> ProdEnvironments => (incidentSettings ?? IncidentSettings.Default).ProdEnvironments;

    public async Task<GameDay> PlanAsync(Actor actor, GameDayInput input, CancellationToken ct = default)
    {
        actor.Require("plan game days", GameDayRules.RunRoles);
        ArgumentNullException.ThrowIfNull(input);
        var plan = GameDayRules.Check(input, out var title, out var facilitator);
        var optIn = CheckProd(actor, plan, input.AllowProd);
        facilitator = await CheckFacilitatorAsync(facilitator, actor, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var scheduled = CheckSchedule(input.ScheduledAt, now);
        for (var attempt = 1; ; attempt++)
        {
            var gameDay = new GameDay
            {
                Id = (await db.GameDays.MaxAsync(g => (long?)g.Id, ct) ?? 0) + 1,
                Title = title, Facilitator = facilitator, Status = GameDayStatus.Planned, ScheduledAt = scheduled, CreatedAt = now, CreatedBy = actor.Name,
                UpdatedAt = now, ProdOptInBy = optIn, Plan = plan,
            };
            db.GameDays.Add(gameDay);
            AuditTrail.Record(db, actor, "gameday.plan", $"gameday/{gameDay.Id}", after: Summary(gameDay));
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Another plan took the id in between: take the next one.
                db.ChangeTracker.Clear();
                continue;
            }
            updates?.Publish(gameDay.Id);
            return gameDay;
        }
    }

    /// <summary>Replaces the plan of a game day that has not started.</summary>
    public async Task<GameDay> UpdatePlanAsync(Actor actor, long id, GameDayInput input, CancellationToken ct = default)
    {
        actor.Require("plan game days", GameDayRules.RunRoles);
        var gameDay = await LoadTrackedAsync(id, ct);
        RequireFacilitator(actor, gameDay, "change the plan of");
        if (gameDay.Status != GameDayStatus.Planned) throw new ConflictException($"Game day {id} is {gameDay.Status}; only a planned game day's plan can change.");
        var plan = GameDayRules.Check(input, out var title, out var facilitator);
        var before = Summary(gameDay);
        gameDay.ProdOptInBy = CheckProd(actor, plan, input.AllowProd, gameDay.ProdOptInBy, gameDay.Plan);
        gameDay.Facilitator = await CheckFacilitatorAsync(facilitator ?? gameDay.Facilitator, actor, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        gameDay.ScheduledAt = CheckSchedule(input.ScheduledAt, now);
        gameDay.Title = title;
        gameDay.Plan = plan;
        gameDay.Touch(now);
        AuditTrail.Record(db, actor, "gameday.plan.change", $"gameday/{id}", before, Summary(gameDay));
        await SaveAsync(gameDay, ct);
        return gameDay;
    }

    public Task<GameDay> AddNoteAsync(Actor actor, long id, string? text, CancellationToken ct = default) =>
        RetryAsync(() => AddNoteOnceAsync(actor, id, text, ct));

    private async Task<GameDay> AddNoteOnceAsync(Actor actor, long id, string? text, CancellationToken ct)
    {
        var note = GameDayRules.Text(text, "text", GameDayRules.MaxTextLength, required: true)!;
        var gameDay = await LoadTrackedAsync(id, ct);
        var participant = gameDay.Plan.Participants.Contains(actor.Name, StringComparer.OrdinalIgnoreCase);
        if (!participant && !IsFacilitator(actor, gameDay))
            throw new AccessDeniedException($"write notes on game day {id} (participants, its facilitator and Admins do)", [Roles.Facilitator, Roles.Admin]);
        var now = clock.GetUtcNow().UtcDateTime;
        gameDay.Log(now, GameDayEntryKind.Note, actor.Name, note);
        gameDay.Touch(now);
        AuditTrail.Record(db, actor, "gameday.note", $"gameday/{id}", after: new { note });
        await SaveAsync(gameDay, ct);
        return gameDay;
    }

    public Task<GameDay> AddActionItemAsync(Actor actor, long id, string? text, string? owner, DateOnly? dueDate, CancellationToken ct = default) =>
        RetryAsync(() => AddActionItemOnceAsync(actor, id, text, owner, dueDate, ct));

    private async Task<GameDay> AddActionItemOnceAsync(Actor actor, long id, string? text, string? owner, DateOnly? dueDate, CancellationToken ct)
    {
        actor.Require("record game-day action items", GameDayRules.RunRoles);
        var item = GameDayRules.Text(text, "text", 1000, required: true)!;
        var who = GameDayRules.Text(owner, "owner", 256, required: true)!;
        var gameDay = await LoadTrackedAsync(id, ct);
        RequireFacilitator(actor, gameDay, "record action items of");
        var now = clock.GetUtcNow().UtcDateTime;
        gameDay.ActionItems.Add(new GameDayActionItem { GameDayId = id, Text = item, Owner = who, DueDate = dueDate, CreatedAt = now, CreatedBy = actor.Name });
        gameDay.Touch(now);
        AuditTrail.Record(db, actor, "gameday.action-item", $"gameday/{id}", after: new { text = item, owner = who, dueDate });
        if (gameDay.IsFinished) await SealReportAsync(actor, gameDay, now, ct);
        await SaveAsync(gameDay, ct);
        return gameDay;
    }

    public Task<GameDay> SetObservationsAsync(Actor actor, long id, string? text, CancellationToken ct = default) =>
        RetryAsync(() => SetObservationsOnceAsync(actor, id, text, ct));

    private async Task<GameDay> SetObservationsOnceAsync(Actor actor, long id, string? text, CancellationToken ct)
    {
        actor.Require("record game-day observations", GameDayRules.RunRoles);
        var observations = GameDayRules.Text(text, "observations", 20_000);
        var gameDay = await LoadTrackedAsync(id, ct);
        RequireFacilitator(actor, gameDay, "record observations of");
        var now = clock.GetUtcNow().UtcDateTime;
        var before = gameDay.Observations;
        gameDay.Observations = observations;
        gameDay.Touch(now);
        AuditTrail.Record(db, actor, "gameday.observations", $"gameday/{id}", before: new { observations = before }, after: new { observations });
        if (gameDay.IsFinished) await SealReportAsync(actor, gameDay, now, ct);
        await SaveAsync(gameDay, ct);
        return gameDay;
    }

    public async Task<GameDay?> LoadAsync(long id, CancellationToken ct = default) =>
        await db.GameDays.AsNoTracking().Include(g => g.Entries).Include(g => g.ActionItems).AsSplitQuery().FirstOrDefaultAsync(g => g.Id == id, ct);

    public async Task<IReadOnlyList<GameDay>> ListAsync(CancellationToken ct = default) =>
        await db.GameDays.AsNoTracking().OrderByDescending(g => g.Id).Take(500).ToListAsync(ct);

    /// <summary>The timeline and the result so far (or final), for a view.</summary>
    public async Task<(IReadOnlyList<GameDayTimelineItem> Timeline, GameDayResult Result)> ReadRunAsync(GameDay gameDay, CancellationToken ct = default)
    {
        var timeline = await GameDayTimeline.BuildAsync(db, gameDay, clock.GetUtcNow().UtcDateTime, ct);
        return (timeline, GameDayResult.From(gameDay, timeline));
    }

    /// <summary>The faults the cluster holds in force for this game day now (ingress faults).</summary>
    public IReadOnlyList<ActiveFault> FaultsInForce(GameDay gameDay)
    {
        if (cluster is not IFaultInjector injector) return [];
        var prefix = FaultPrefix(gameDay.Id);
        return injector.ListFaults().Where(f => f.Id.StartsWith(prefix, StringComparison.Ordinal)).ToList();
    }

    /// <summary>The live steady-state values of each target in scope (null: no traffic in the window).</summary>
    public async Task<IReadOnlyList<(string Target, SliValues? Values)>> ReadSlisAsync(GameDay gameDay, CancellationToken ct = default)
    {
        var list = new List<(string, SliValues?)>();
        foreach (var target in gameDay.Plan.Targets) list.Add((target.ToString(), await metrics.ReadAsync(target, ct)));
        return list;
    }

    // ------------------------------------------------------------------ helpers

    private string? CheckProd(Actor actor, GameDayPlan plan, bool allowProd, string? existingOptIn = null, GameDayPlan? existingPlan = null)
    {
        if (!GameDayRules.TouchesProd(plan, ProdEnvironments)) return null;
        var prod = string.Join(", ", plan.Targets.Where(t => ProdEnvironments.Contains(t.Environment)));
        // An Admin's earlier opt-in holds while the production part of the scope does not grow.
        if (existingOptIn is not null && existingPlan is not null && plan.Targets.Where(t => ProdEnvironments.Contains(t.Environment)).All(existingPlan.Targets.Contains))
            return existingOptIn;
        if (!actor.IsInRole(Roles.Admin))
            throw new AccessDeniedException($"plan faults in production ({prod}); an Admin must opt production in", [Roles.Admin]);
        if (!allowProd)
            throw new InvalidInputException("allowProd", $"The scope includes production ({prod}); set allowProd to true to opt it in as an Admin.");
        return actor.Name;
    }

    private async Task<string> CheckFacilitatorAsync(string? name, Actor actor, CancellationToken ct)
    {
        if (name is null || string.Equals(name, actor.Name, StringComparison.Ordinal)) return actor.Name;
        if (!await db.Users.AsNoTracking().AnyAsync(u => u.UserName == name, ct))
            throw new InvalidInputException("facilitator", $"There is no user '{name}'.");
        return name;
    }

    private static DateTime? CheckSchedule(DateTimeOffset? scheduledAt, DateTime now)
    {
        if (scheduledAt is not { } at) return null;
        var utc = at.UtcDateTime;
        if (utc < now.AddMinutes(-1)) throw new InvalidInputException("scheduledAt", $"{at:u} is in the past; schedule a game day ahead, or start it now.");
        return utc;
    }

    private static bool IsFacilitator(Actor actor, GameDay gameDay) =>
        actor.IsInRole(Roles.Admin) || (actor.IsInRole(Roles.Facilitator) && string.Equals(actor.Name, gameDay.Facilitator, StringComparison.OrdinalIgnoreCase))
        || actor.Name == "system";

    private static void RequireFacilitator(Actor actor, GameDay gameDay, string action)
    {
        if (!IsFacilitator(actor, gameDay))
            throw new AccessDeniedException($"{action} game day {gameDay.Id} (its facilitator {gameDay.Facilitator} or an Admin does)", GameDayRules.RunRoles);
    }

    private async Task<GameDay> LoadTrackedAsync(long id, CancellationToken ct) =>
        await db.GameDays.Include(g => g.Entries).Include(g => g.ActionItems).AsSplitQuery().FirstOrDefaultAsync(g => g.Id == id, ct)
        ?? throw new NotFoundException($"Game day {id}");

    private async Task SaveAsync(GameDay gameDay, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            throw new StaleGameDayException($"Game day {gameDay.Id} changed meanwhile; look again and repeat.");
        }
        updates?.Publish(gameDay.Id);
    }

    private static object Summary(GameDay g) => new
    {
        gameDayId = g.Id, title = g.Title, status = g.Status.ToString(), facilitator = g.Facilitator, scope = g.Plan.Scope,
        faults = g.Plan.Faults.Select(f => f.ToString()).ToList(), scheduledAt = g.ScheduledAt, prodOptInBy = g.ProdOptInBy,
    };

    public static string FaultPrefix(long id) => $"gameday-{id}-";

    /// <summary>
    /// A person's change, applied again to the fresh state when the runner saved the same game day in
    /// between (it does every second while one runs); refused moves stay refused.
    /// </summary>
    private async Task<GameDay> RetryAsync(Func<Task<GameDay>> change)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await change();
            }
            catch (StaleGameDayException) when (attempt < 5)
            {
                db.ChangeTracker.Clear();
            }
        }
    }
}

/// <summary>The game day was saved by someone else (usually the runner) between reading and writing it.</summary>
public sealed class StaleGameDayException(string message) : ConflictException(message);
