using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Auth;

public enum SignInOutcome { SignedIn, WrongCredentials, LockedOut, Disabled, NoRoles }

/// <summary>Password and single sign-on sign-in, each attempt audited (never with the password).</summary>
public sealed class ConsoleSignIn(SignInManager<ConsoleUser> signIn, UserManager<ConsoleUser> users, OpsDbContext db, OidcSettings oidc,
    SignInRefusals refusals, ILogger<ConsoleSignIn> logger)
{
    /// <summary>
    /// Checks the password. Five wrong ones lock interactive sign-in for 15 minutes; the user's API
    /// tokens keep working (only disabling a user stops them). A success is audited at once; refusals
    /// are audited aggregated per user name and minute (<see cref="SignInRefusals"/>).
    /// </summary>
    public async Task<SignInOutcome> PasswordAsync(string userName, string password, string correlationId)
    {
        var typed = (userName ?? "").Trim();
        // Identity allows at most 256 characters in a name; anything longer names nobody.
        var user = typed.Length is > 0 and <= 256 ? await users.FindByNameAsync(typed) : null;
        var outcome = SignInOutcome.WrongCredentials;
        if (user is not null)
        {
            if (user.IsDisabled()) outcome = SignInOutcome.Disabled;
            else
            {
                var result = await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
                outcome = result.Succeeded ? SignInOutcome.SignedIn : result.IsLockedOut ? SignInOutcome.LockedOut : SignInOutcome.WrongCredentials;
            }
        }
        var shownName = user?.UserName ?? SignInRefusals.Shorten(typed);
        if (outcome == SignInOutcome.SignedIn)
        {
            await refusals.FlushAsync(user!.UserName); // earlier refusals first, so the trail reads in order
            AuditTrail.Record(db, new Actor(user.UserName!, new HashSet<string>(), correlationId), "auth.signin", $"user/{user.UserName}",
                after: new { method = "password", outcome = outcome.ToString() });
            await db.SaveChangesAsync();
        }
        else refusals.Add(shownName, known: user is not null, outcome, correlationId);
        logger.LogInformation("Password sign-in for {User}: {Outcome}", user is null ? "(unknown user)" : shownName, outcome);
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
            AuditTrail.Record(db, actor with { Name = SignInRefusals.Shorten(name) }, "auth.signin.refused", $"user/{SignInRefusals.Shorten(name)}",
                after: new { method = "oidc", outcome = nameof(SignInOutcome.NoRoles) });
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
        if (user.IsDisabled()) return SignInOutcome.Disabled;
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
