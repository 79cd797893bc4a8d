using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Access;

public sealed record UserSummary(string Id, string UserName, string? Email, IReadOnlyList<string> Roles, bool Disabled, bool LockedOut, bool IsExternal, DateTime CreatedAt);

/// <summary>Local accounts and their roles. Only Admins change them; every change is audited and emitted.</summary>
public sealed partial class UserDirectory(OpsDbContext db, UserManager<ConsoleUser> users, EventOutbox outbox)
{
    [GeneratedRegex("^[A-Za-z0-9._@-]{2,64}$")]
    private static partial Regex UserNamePattern();

    /// <summary>Every user with roles and state, for an Admin (the list names who holds which role).</summary>
    public async Task<IReadOnlyList<UserSummary>> ListAsync(Actor actor, CancellationToken ct = default)
    {
        actor.Require("see users", Roles.Admin);
        return await ListAsync(ct);
    }

    public async Task<IReadOnlyList<UserSummary>> ListAsync(CancellationToken ct = default)
    {
        var all = await db.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync(ct);
        var roleRows = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id select new { ur.UserId, r.Name }).ToListAsync(ct);
        var now = DateTimeOffset.UtcNow;
        return all.Select(u => new UserSummary(u.Id, u.UserName!, u.Email,
            roleRows.Where(r => r.UserId == u.Id).Select(r => r.Name!).OrderBy(Roles.All.ToList().IndexOf).ToList(),
            Disabled: u.LockoutEnd == DateTimeOffset.MaxValue,
            LockedOut: u.LockoutEnd is { } end && end > now && end != DateTimeOffset.MaxValue,
            u.IsExternal, u.CreatedAt)).ToList();
    }

    public async Task<UserSummary> CreateAsync(Actor actor, string? userName, string? password, IEnumerable<string>? roles, string? email = null, CancellationToken ct = default)
    {
        actor.Require("create users", Roles.Admin);
        userName = userName?.Trim() ?? "";
        if (!UserNamePattern().IsMatch(userName))
            throw new InvalidInputException("userName", "A user name is 2 to 64 letters, digits or . _ @ -.");
        var parsed = ParseRoles(roles);
        if (string.IsNullOrEmpty(password))
            throw new InvalidInputException("password", "A password is required.");
        if (await users.FindByNameAsync(userName) is not null)
            throw new ConflictException($"A user named '{userName}' already exists.");

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var user = new ConsoleUser { UserName = userName, Email = string.IsNullOrWhiteSpace(email) ? null : email.Trim(), LockoutEnabled = true };
        ThrowOnFailure(await users.CreateAsync(user, password), "password");
        ThrowOnFailure(await users.AddToRolesAsync(user, parsed), "roles");
        AuditTrail.Record(db, actor, "user.create", $"user/{userName}", after: new { userName, roles = parsed });
        outbox.Add(db, actor, EventTypes.UserCreated, $"user/{userName}", new { userName, roles = parsed });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return (await ListAsync(ct)).Single(u => u.Id == user.Id);
    }

    public async Task<UserSummary> SetRolesAsync(Actor actor, string userName, IEnumerable<string>? roles, CancellationToken ct = default)
    {
        actor.Require("change roles", Roles.Admin);
        var parsed = ParseRoles(roles);
        var user = await users.FindByNameAsync(userName) ?? throw new NotFoundException($"User '{userName}'");
        var before = (await users.GetRolesAsync(user)).ToList();
        if (before.Contains(Roles.Admin) && !parsed.Contains(Roles.Admin))
            await EnsureAnotherAdminAsync(user, "remove the Admin role from", ct);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        ThrowOnFailure(await users.RemoveFromRolesAsync(user, before.Except(parsed)), "roles");
        ThrowOnFailure(await users.AddToRolesAsync(user, parsed.Except(before)), "roles");
        await users.UpdateSecurityStampAsync(user); // open sessions pick up the new roles
        AuditTrail.Record(db, actor, "user.roles.set", $"user/{userName}", before: new { roles = before }, after: new { roles = parsed });
        outbox.Add(db, actor, EventTypes.UserChanged, $"user/{userName}", new { userName, roles = parsed });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return (await ListAsync(ct)).Single(u => u.Id == user.Id);
    }

    /// <summary>Disabling stops sign-in and every token of the user at once; enabling also clears a lockout.</summary>
    public async Task SetEnabledAsync(Actor actor, string userName, bool enabled, CancellationToken ct = default)
    {
        actor.Require(enabled ? "enable users" : "disable users", Roles.Admin);
        var user = await users.FindByNameAsync(userName) ?? throw new NotFoundException($"User '{userName}'");
        if (!enabled && string.Equals(user.UserName, actor.Name, StringComparison.Ordinal))
            throw new InvalidInputException("userName", "You cannot disable your own account.");
        if (!enabled && (await users.GetRolesAsync(user)).Contains(Roles.Admin))
            await EnsureAnotherAdminAsync(user, "disable", ct);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        ThrowOnFailure(await users.SetLockoutEndDateAsync(user, enabled ? null : DateTimeOffset.MaxValue), "userName");
        if (enabled) await users.ResetAccessFailedCountAsync(user);
        await users.UpdateSecurityStampAsync(user); // signs the user out of existing sessions
        AuditTrail.Record(db, actor, enabled ? "user.enable" : "user.disable", $"user/{userName}");
        outbox.Add(db, actor, EventTypes.UserChanged, $"user/{userName}", new { userName, disabled = !enabled });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    public async Task ResetPasswordAsync(Actor actor, string userName, string? newPassword, CancellationToken ct = default)
    {
        actor.Require("reset passwords", Roles.Admin);
        var user = await users.FindByNameAsync(userName) ?? throw new NotFoundException($"User '{userName}'");
        if (string.IsNullOrEmpty(newPassword)) throw new InvalidInputException("password", "A password is required.");

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var token = await users.GeneratePasswordResetTokenAsync(user);
        ThrowOnFailure(await users.ResetPasswordAsync(user, token, newPassword), "password");
        AuditTrail.Record(db, actor, "user.password.reset", $"user/{userName}");
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private async Task EnsureAnotherAdminAsync(ConsoleUser user, string verb, CancellationToken ct)
    {
        var admins = await users.GetUsersInRoleAsync(Roles.Admin);
        if (!admins.Any(a => a.Id != user.Id && a.LockoutEnd != DateTimeOffset.MaxValue))
            throw new ConflictException($"You cannot {verb} the last enabled Admin: nobody could manage the console afterwards.");
    }

    private static List<string> ParseRoles(IEnumerable<string>? roles)
    {
        var (known, unknown) = Roles.Parse(roles);
        if (unknown.Count > 0)
            throw new InvalidInputException("roles", $"Unknown role(s): {string.Join(", ", unknown)}. Known roles: {string.Join(", ", Roles.All)}.");
        if (known.Count == 0)
            throw new InvalidInputException("roles", "Give the user at least one role.");
        return [.. known];
    }

    private static void ThrowOnFailure(IdentityResult result, string field)
    {
        if (result.Succeeded) return;
        var messages = result.Errors.Select(e => e.Description).ToArray();
        throw new InvalidInputException(string.Join(" ", messages), new Dictionary<string, string[]> { [field] = messages });
    }
}
