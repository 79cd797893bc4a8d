using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Auth;

public enum SignInOutcome { SignedIn, WrongCredentials, LockedOut, Disabled, NoRoles }

/// <summary>Password and single sign-on sign-in, each attempt audited (never with the password).</summary>
public sealed class ConsoleSignIn(SignInManager<ConsoleUser> signIn, UserManager<ConsoleUser> users, OpsDbContext db, OidcSettings oidc, ILogger<ConsoleSignIn> logger)
{
    public async Task<SignInOutcome> PasswordAsync(string userName, string password, string correlationId)
    {
        var user = await users.FindByNameAsync(userName.Trim());
        var outcome = SignInOutcome.WrongCredentials;
        if (user is not null)
        {
            if (user.LockoutEnd == DateTimeOffset.MaxValue) outcome = SignInOutcome.Disabled;
            else
            {
                var result = await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
                outcome = result.Succeeded ? SignInOutcome.SignedIn : result.IsLockedOut ? SignInOutcome.LockedOut : SignInOutcome.WrongCredentials;
            }
        }
        var actor = new Actor(user?.UserName ?? "anonymous", new HashSet<string>(), correlationId);
        AuditTrail.Record(db, actor, outcome == SignInOutcome.SignedIn ? "auth.signin" : "auth.signin.refused", $"user/{user?.UserName ?? "unknown"}",
            after: new { method = "password", outcome = outcome.ToString(), attemptedUser = user is null ? userName.Trim() : null });
        await db.SaveChangesAsync();
        logger.LogInformation("Password sign-in for {User}: {Outcome}", user?.UserName ?? "(unknown user)", outcome);
        return outcome;
    }

    /// <summary>Completes an OpenID Connect sign-in: finds or creates the local account and syncs its roles from the provider's claims.</summary>
    public async Task<SignInOutcome> ExternalAsync(string correlationId)
    {
        var info = await signIn.GetExternalLoginInfoAsync();
        if (info is null) return SignInOutcome.WrongCredentials;
        var name = info.Principal.FindFirstValue(oidc.NameClaim) ?? info.Principal.FindFirstValue("email") ?? info.ProviderKey;
        var roles = oidc.Roles.Map(info.Principal.FindAll(oidc.RoleClaim).Select(c => c.Value));
        var actor = new Actor(name, roles.ToHashSet(), correlationId);
        if (roles.Count == 0)
        {
            AuditTrail.Record(db, actor, "auth.signin.refused", $"user/{name}", after: new { method = "oidc", outcome = nameof(SignInOutcome.NoRoles) });
            await db.SaveChangesAsync();
            return SignInOutcome.NoRoles;
        }

        var user = await users.FindByLoginAsync(info.LoginProvider, info.ProviderKey);
        if (user is null)
        {
            user = await users.FindByNameAsync(name);
            // A local account of the same name is not taken over by a provider's claim.
            if (user is { IsExternal: false }) return SignInOutcome.WrongCredentials;
            if (user is null)
            {
                user = new ConsoleUser { UserName = name, IsExternal = true, LockoutEnabled = true };
                if (!(await users.CreateAsync(user)).Succeeded) return SignInOutcome.WrongCredentials;
            }
            await users.AddLoginAsync(user, info);
        }
        if (user.LockoutEnd == DateTimeOffset.MaxValue) return SignInOutcome.Disabled;
        var held = await users.GetRolesAsync(user);
        await users.RemoveFromRolesAsync(user, held.Except(roles));
        await users.AddToRolesAsync(user, roles.Except(held));
        await signIn.SignInAsync(user, isPersistent: false, authenticationMethod: "oidc");
        AuditTrail.Record(db, actor, "auth.signin", $"user/{name}", before: new { roles = held }, after: new { method = "oidc", roles });
        await db.SaveChangesAsync();
        return SignInOutcome.SignedIn;
    }

    public async Task SignOutAsync(ClaimsPrincipal user, string correlationId)
    {
        if (user.Identity?.IsAuthenticated == true)
        {
            AuditTrail.Record(db, user.ToActor(correlationId), "auth.signout", $"user/{user.Identity.Name}");
            await db.SaveChangesAsync();
        }
        await signIn.SignOutAsync();
    }
}
