using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Releases;

/// <summary>
/// A freeze window as it is submitted. Recurring: <see cref="RRule"/>, <see cref="Start"/> (local
/// date and time of the first occurrence), <see cref="DurationMinutes"/> and <see cref="TimeZone"/>.
/// One-off: <see cref="StartUtc"/> and <see cref="EndUtc"/>. At least one of service and environment.
/// </summary>
public sealed record FreezeWindowRequest(
    string? Name, string? Service, string? Environment, string? RRule = null, DateTime? Start = null, int DurationMinutes = 0,
    string? TimeZone = null, DateTimeOffset? StartUtc = null, DateTimeOffset? EndUtc = null, string? Reason = null);

/// <summary>The freeze windows: kept in the store, created and deleted by Admin or ReleaseManager, asked by the promotion gate.</summary>
public sealed class FreezeCalendar(OpsDbContext db, TimeProvider clock) : IFreezeCalendar
{
    public const int MaxWindows = 200;

    /// <summary>How far ahead <see cref="FreezeState.NextStart"/> looks.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromDays(60);

    private static readonly string[] EditorRoles = [Roles.Admin, Roles.ReleaseManager];

    public async Task<IReadOnlyList<FreezeWindow>> ListAsync(CancellationToken ct = default) =>
        await db.FreezeWindows.AsNoTracking().OrderBy(w => w.Name).ToListAsync(ct);

    public async Task<FreezeWindow> CreateAsync(Actor actor, FreezeWindowRequest r, CancellationToken ct = default)
    {
        actor.Require("create a freeze window", EditorRoles);
        var name = r.Name?.Trim() ?? "";
        if (name.Length is 0 or > 100 || name.Any(char.IsControl)) throw new InvalidInputException("name", "The name is 1 to 100 characters without control characters.");
        var service = string.IsNullOrWhiteSpace(r.Service) ? null : r.Service.Trim();
        var environment = string.IsNullOrWhiteSpace(r.Environment) ? null : r.Environment.Trim();
        if (service is null && environment is null) throw new InvalidInputException("environment", "A freeze window names a service, an environment or both.");
        _ = new ServiceEnvironment(service ?? "any", environment ?? "any");
        var reason = r.Reason?.Trim() ?? "";
        if (reason.Length > 500) throw new InvalidInputException("reason", "The reason is at most 500 characters.");
        var window = new FreezeWindow
        {
            Name = name, Service = service, Environment = environment, Reason = reason, CreatedBy = actor.Name, CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        if (!string.IsNullOrWhiteSpace(r.RRule))
        {
            if (r.StartUtc is not null || r.EndUtc is not null) throw new InvalidInputException("rrule", "A window is either recurring (rrule, start, durationMinutes, timeZone) or one-off (startUtc, endUtc), not both.");
            var zone = string.IsNullOrWhiteSpace(r.TimeZone) ? "UTC" : r.TimeZone.Trim();
            FreezeSchedule.Validate(r.RRule, r.Start, r.DurationMinutes, zone);
            window.RRule = FreezeSchedule.Normalise(r.RRule);
            window.StartLocal = DateTime.SpecifyKind(r.Start!.Value, DateTimeKind.Unspecified);
            window.DurationMinutes = r.DurationMinutes;
            window.TimeZone = zone;
        }
        else
        {
            if (r.StartUtc is not { } s || r.EndUtc is not { } e) throw new InvalidInputException("startUtc", "A one-off window needs startUtc and endUtc; a recurring one needs rrule.");
            if (e <= s) throw new InvalidInputException("endUtc", "The window ends before it starts.");
            if (e - s > TimeSpan.FromDays(90)) throw new InvalidInputException("endUtc", "A one-off window lasts at most 90 days.");
            window.StartUtc = s.UtcDateTime;
            window.EndUtc = e.UtcDateTime;
            window.DurationMinutes = (int)(e - s).TotalMinutes;
        }
        if (await db.FreezeWindows.CountAsync(ct) >= MaxWindows) throw new ConflictException($"There are already {MaxWindows} freeze windows: delete old ones first.");
        db.FreezeWindows.Add(window);
        AuditTrail.Record(db, actor, "freeze.create", $"freeze/{window.Id}", after: Summary(window));
        await db.SaveChangesAsync(ct);
        return window;
    }

    public async Task DeleteAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        actor.Require("delete a freeze window", EditorRoles);
        var window = await db.FreezeWindows.FirstOrDefaultAsync(w => w.Id == id, ct) ?? throw new NotFoundException($"Freeze window {id}");
        db.FreezeWindows.Remove(window);
        AuditTrail.Record(db, actor, "freeze.delete", $"freeze/{window.Id}", before: Summary(window));
        await db.SaveChangesAsync(ct);
    }

    public async Task<FreezeState> StateAsync(string service, string environment, DateTime utc, CancellationToken ct = default)
    {
        var windows = (await db.FreezeWindows.AsNoTracking().ToListAsync(ct)).Where(w => w.Covers(service, environment)).ToList();
        return State(windows, DateTime.SpecifyKind(utc, DateTimeKind.Utc));
    }

    /// <summary>The state at a moment for the given windows (those that cover the service and environment).</summary>
    public static FreezeState State(IEnumerable<FreezeWindow> windows, DateTime utc)
    {
        FreezeOccurrence? covering = null;
        DateTime? next = null;
        foreach (var w in windows)
        {
            foreach (var o in FreezeSchedule.Occurrences(w, utc, utc + Horizon, max: 3))
            {
                if (o.StartUtc <= utc && o.EndUtc > utc)
                {
                    if (covering is null || o.EndUtc > covering.EndUtc) covering = o;
                }
                else if (o.StartUtc > utc && (next is null || o.StartUtc < next))
                {
                    next = o.StartUtc;
                }
            }
        }
        return covering is not null ? new FreezeState(true, covering.Name, covering.EndUtc, null) : new FreezeState(false, null, null, next);
    }

    /// <summary>Every occurrence of every window overlapping [fromUtc, toUtc), in start order (the calendar page).</summary>
    public async Task<IReadOnlyList<FreezeOccurrence>> OccurrencesAsync(DateTime fromUtc, DateTime toUtc, CancellationToken ct = default)
    {
        var windows = await db.FreezeWindows.AsNoTracking().ToListAsync(ct);
        return windows.SelectMany(w => FreezeSchedule.Occurrences(w, fromUtc, toUtc, max: 100)).OrderBy(o => o.StartUtc).ThenBy(o => o.Name).ToList();
    }

    private static object Summary(FreezeWindow w) => new
    {
        w.Name, w.Service, w.Environment, w.RRule, w.StartLocal, w.DurationMinutes, w.TimeZone, w.StartUtc, w.EndUtc, w.Reason,
    };
}
