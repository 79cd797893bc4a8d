using Microsoft.AspNetCore.Identity;

namespace OpsConsole.Core.Access;

/// <summary>A person (or automation account) who signs in to the console.</summary>
public sealed class ConsoleUser : IdentityUser
{
    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;

    /// <summary>True when the account was created from an OpenID Connect sign-in rather than locally.</summary>
    public bool IsExternal { get; set; }
}

public static class ConsoleUserState
{
    /// <summary>
    /// Disabled by an Admin (lockout end set to the maximum). Unlike a lockout after failed passwords,
    /// which only stops interactive sign-in, this stops sign-in, sessions and every token of the user.
    /// </summary>
    public static bool IsDisabled(this ConsoleUser user) => user.LockoutEnd == DateTimeOffset.MaxValue;
}
