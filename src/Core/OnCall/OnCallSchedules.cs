using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.OnCall;

public sealed record ScheduleInput(string? Name, string? Description, IReadOnlyList<RotationLayer>? Layers);

public sealed record OverrideInput(string? User, DateTime? Start, DateTime? End);

public sealed record ScheduleView(Guid Id, string Name, string Description, IReadOnlyList<RotationLayer> Layers, IReadOnlyList<ScheduleOverride> Overrides,
    DateTime UpdatedAt, string UpdatedBy);

/// <summary>Who is on call in one schedule at an instant: the person (null: nobody), the layer or override, and until when (null: no change within 90 days).</summary>
public sealed record OnCallNow(Guid ScheduleId, string Schedule, string? User, string Source, int LayerIndex, DateTime At, DateTime? Until);

/// <summary>Schedules: Admins edit them, everyone reads who is on call.</summary>
public sealed class OnCallSchedules(OpsDbContext db, TimeProvider clock)
{
    public async Task<IReadOnlyList<ScheduleView>> ListAsync(CancellationToken ct = default) =>
        (await db.OnCallSchedules.AsNoTracking().OrderBy(s => s.Name).ToListAsync(ct)).Select(View).ToList();

    public async Task<ScheduleView> GetAsync(Guid id, CancellationToken ct = default) => View(await FindAsync(id, ct));

    public async Task<ScheduleView> CreateAsync(Actor actor, ScheduleInput input, CancellationToken ct = default)
    {
        actor.Require("edit on-call schedules", Roles.Admin);
        var schedule = new OnCallSchedule();
        await ApplyAsync(schedule, input, actor, ct);
        db.OnCallSchedules.Add(schedule);
        AuditTrail.Record(db, actor, "oncall.schedule.create", $"schedule/{schedule.Name}", after: new { schedule.Name, layers = schedule.Layers });
        await SaveAsync(ct);
        return View(schedule);
    }

    public async Task<ScheduleView> UpdateAsync(Actor actor, Guid id, ScheduleInput input, CancellationToken ct = default)
    {
        actor.Require("edit on-call schedules", Roles.Admin);
        var schedule = await FindAsync(id, ct);
        var before = new { schedule.Name, layers = schedule.Layers };
        await ApplyAsync(schedule, input, actor, ct);
        AuditTrail.Record(db, actor, "oncall.schedule.update", $"schedule/{schedule.Name}", before, new { schedule.Name, layers = schedule.Layers });
        await SaveAsync(ct);
        return View(schedule);
    }

    public async Task DeleteAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        actor.Require("delete on-call schedules", Roles.Admin);
        var schedule = await FindAsync(id, ct);
        db.OnCallSchedules.Remove(schedule);
        AuditTrail.Record(db, actor, "oncall.schedule.delete", $"schedule/{schedule.Name}");
        await db.SaveChangesAsync(ct);
    }

    public async Task<ScheduleView> AddOverrideAsync(Actor actor, Guid id, OverrideInput input, CancellationToken ct = default)
    {
        actor.Require("override on-call schedules", Roles.Admin);
        var schedule = await FindAsync(id, ct);
        var user = input.User?.Trim() ?? "";
        if (user.Length == 0) throw new InvalidInputException("user", "Name the user who takes over.");
        if (input.Start is not { } start || input.End is not { } end) throw new InvalidInputException("start", "An override needs a start and an end.");
        start = start.ToUniversalTime();
        end = end.ToUniversalTime();
        if (end <= start) throw new InvalidInputException("end", "The override must end after it starts.");
        if (end - start > TimeSpan.FromDays(366)) throw new InvalidInputException("end", "An override lasts at most a year.");
        await RequireUsersAsync([user], "user", ct);
        var o = new ScheduleOverride { User = user, Start = start, End = end, CreatedBy = actor.Name };
        schedule.Overrides = [.. schedule.Overrides.Where(x => x.End > clock.GetUtcNow().UtcDateTime.AddDays(-30)), o];
        Touch(schedule, actor);
        AuditTrail.Record(db, actor, "oncall.override.add", $"schedule/{schedule.Name}", after: o);
        await db.SaveChangesAsync(ct);
        return View(schedule);
    }

    public async Task<ScheduleView> RemoveOverrideAsync(Actor actor, Guid id, Guid overrideId, CancellationToken ct = default)
    {
        actor.Require("override on-call schedules", Roles.Admin);
        var schedule = await FindAsync(id, ct);
        var o = schedule.Overrides.FirstOrDefault(x => x.Id == overrideId) ?? throw new NotFoundException($"Override {overrideId}");
        schedule.Overrides = schedule.Overrides.Where(x => x.Id != overrideId).ToList();
        Touch(schedule, actor);
        AuditTrail.Record(db, actor, "oncall.override.remove", $"schedule/{schedule.Name}", before: o);
        await db.SaveChangesAsync(ct);
        return View(schedule);
    }

    /// <summary>Who is on call in every schedule at <paramref name="at"/> (default now).</summary>
    public async Task<IReadOnlyList<OnCallNow>> WhoIsOnCallAsync(DateTime? at = null, CancellationToken ct = default)
    {
        var when = (at ?? clock.GetUtcNow().UtcDateTime).ToUniversalTime();
        var schedules = await db.OnCallSchedules.AsNoTracking().OrderBy(s => s.Name).ToListAsync(ct);
        return schedules.Select(s =>
        {
            var now = ScheduleMath.Now(s.Layers, s.Overrides, when);
            return new OnCallNow(s.Id, s.Name, now.User, now.Source, now.LayerIndex, when, now.End);
        }).ToList();
    }

    /// <summary>Who is on call in the named schedule right now (for escalation), or null.</summary>
    public async Task<string?> OnCallUserAsync(string scheduleName, DateTime at, CancellationToken ct = default)
    {
        var s = await db.OnCallSchedules.AsNoTracking().FirstOrDefaultAsync(x => x.Name == scheduleName, ct);
        return s is null ? null : ScheduleMath.At(s.Layers, s.Overrides, at).User;
    }

    public async Task<IReadOnlyList<OnCallSegment>> TimelineAsync(Guid id, DateTime from, DateTime to, CancellationToken ct = default)
    {
        if (to <= from || to - from > TimeSpan.FromDays(62)) throw new InvalidInputException("to", "A timeline spans up to 62 days.");
        var s = await FindAsync(id, ct);
        return ScheduleMath.Timeline(s.Layers, s.Overrides, from.ToUniversalTime(), to.ToUniversalTime());
    }

    private async Task ApplyAsync(OnCallSchedule schedule, ScheduleInput input, Actor actor, CancellationToken ct)
    {
        var name = input.Name?.Trim() ?? "";
        if (name.Length is < 1 or > 100) throw new InvalidInputException("name", "Give the schedule a name of 1 to 100 characters.");
        ScheduleMath.Validate(input.Layers);
        var layers = input.Layers!.Select(l => l with
        {
            Name = l.Name?.Trim() ?? "",
            Users = l.Users.Select(u => u.Trim()).Where(u => u.Length > 0).ToList(),
        }).ToList();
        await RequireUsersAsync(layers.SelectMany(l => l.Users).Distinct().ToList(), "layers", ct);
        if (await db.OnCallSchedules.AnyAsync(s => s.Name == name && s.Id != schedule.Id, ct))
            throw new ConflictException($"A schedule named '{name}' exists already.");
        schedule.Name = name;
        schedule.Description = (input.Description ?? "").Trim();
        if (schedule.Description.Length > 1000) throw new InvalidInputException("description", "A description is at most 1000 characters.");
        schedule.Layers = layers;
        Touch(schedule, actor);
    }

    private async Task RequireUsersAsync(IReadOnlyList<string> names, string field, CancellationToken ct)
    {
        var known = await db.Users.Where(u => names.Contains(u.UserName!)).Select(u => u.UserName!).ToListAsync(ct);
        var missing = names.Except(known, StringComparer.Ordinal).ToList();
        if (missing.Count > 0) throw new InvalidInputException(field, $"Unknown user(s): {string.Join(", ", missing.Take(5))}. Create them under Settings → Users first.");
    }

    private void Touch(OnCallSchedule schedule, Actor actor)
    {
        schedule.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        schedule.UpdatedBy = actor.Name;
    }

    private async Task SaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw new ConflictException("A schedule with that name exists already.");
        }
    }

    private async Task<OnCallSchedule> FindAsync(Guid id, CancellationToken ct) =>
        await db.OnCallSchedules.FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundException($"Schedule {id}");

    public static ScheduleView View(OnCallSchedule s) => new(s.Id, s.Name, s.Description, s.Layers, s.Overrides, s.UpdatedAt, s.UpdatedBy);
}
