using Microsoft.AspNetCore.Identity;

namespace OpsConsole.Core.Access;

/// <summary>A person (or automation account) who signs in to the console.</summary>
public sealed class ConsoleUser : IdentityUser
{
    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;

    /// <summary>True when the account was created from an OpenID Connect sign-in rather than locally.</summary>
    public bool IsExternal { get; set; }
}
