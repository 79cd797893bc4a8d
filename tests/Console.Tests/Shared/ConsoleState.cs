using System.Net;
using Microsoft.EntityFrameworkCore;

namespace OpsConsole.Console.Tests.Shared;

/// <summary>
/// What an attack must not change: the users (name, roles, disabled), the tokens (owner, roles,
/// expiry, revocation). Taken from the store before and after; compared as text so a failure shows the difference.
/// </summary>
public sealed record ConsoleState(string Users, string Tokens)
{
    public static async Task<ConsoleState> TakeAsync(ConsoleFactory factory) => await factory.WithStoreAsync(async db =>
    {
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id select new { ur.UserId, r.Name }).ToListAsync();
        var users = (await db.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync())
            .Select(u => $"{u.UserName} [{string.Join(",", roles.Where(r => r.UserId == u.Id).Select(r => r.Name).Order())}]{(u.LockoutEnd == DateTimeOffset.MaxValue ? " disabled" : "")}");
        var tokens = (await db.ApiTokens.AsNoTracking().ToListAsync()).OrderBy(t => t.Id)
            .Select(t => $"{t.Id} {t.UserName} [{t.Roles}] expires={t.ExpiresAt:O} revoked={t.RevokedAt:O}");
        return new ConsoleState(string.Join("\n", users), string.Join("\n", tokens));
    });

    /// <summary>Asserts the audit trail's hash chain still verifies, through the public API.</summary>
    public static async Task AssertAuditIntactAsync(HttpClient caller)
    {
        var result = await (await caller.PostAsync("/api/v1/audit/verify", null).EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.True(result.GetProperty("intact").GetBoolean(), "The audit chain no longer verifies: " + result);
    }
}
