using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Migrations.Orchestration;

/// <summary>A person's standing now: the actor with their current roles, or why they may no longer act.</summary>
public sealed record Standing(Actor? Actor, string? Refusal)
{
    public bool Holds => Actor is not null;
}

/// <summary>
/// Work that runs later on someone's behalf (a scheduled or approved batch, a deployment plan's
/// next step) acts with that person's roles as they are when it runs, read from the store, not as
/// they were when it was asked for: a user demoted or disabled in between stops their work.
/// </summary>
public static class StandingCheck
{
    public static async Task<Standing> ReadAsync(OpsDbContext db, string userName, string role, string correlationId, CancellationToken ct = default)
    {
        var normalized = userName.ToUpperInvariant();
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.NormalizedUserName == normalized, ct);
        if (user is null) return new Standing(null, $"{userName} is no longer a user of the console.");
        if (user.LockoutEnd == DateTimeOffset.MaxValue) return new Standing(null, $"{userName} is disabled.");
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ur.UserId == user.Id select r.Name!).ToListAsync(ct);
        if (!roles.Contains(role)) return new Standing(null, $"{userName} no longer holds the role {role}.");
        return new Standing(new Actor(user.UserName!, new HashSet<string>(roles), correlationId), null);
    }
}
