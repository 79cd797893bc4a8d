using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Access;

/// <summary>
/// Prepares an empty store: the roles, and an <c>admin</c> account holding every role. The admin's
/// password comes from the operator or is generated and printed once; an operator-chosen token
/// lets automation act from the first minute.
/// </summary>
public sealed class FirstRun(OpsDbContext db, UserManager<ConsoleUser> users, RoleManager<IdentityRole> roles, ApiTokens tokens, ILogger<FirstRun> logger,
    OperatorNotice? notice = null)
{
    public const string AdminUserName = "admin";
    public const string ProvisionedTokenName = "provisioned (OPS_ADMIN_TOKEN)";

    public async Task EnsureAsync(string? adminPassword, string? adminToken, CancellationToken ct = default)
    {
        // Replicas starting at once on an empty shared store: one prepares it inside a transaction holding
        // an advisory lock, the others wait for that lock and then find the roles and the admin there.
        // (The embedded SQLite store has one process: nothing to race with.)
        await using var transaction = db.Database.IsPostgres() ? await db.Database.BeginTransactionAsync(ct) : null;
        if (transaction is not null) await StoreProvider.LockFirstRunAsync(db.Database, ct);

        var created = await PrepareAsync(adminPassword, adminToken, ct);
        if (transaction is not null) await transaction.CommitAsync(ct);
        if (created is null) return;

        if (created.GeneratedPassword is { } password)
        {
            // Printed once, on the only run that can know it (after it is stored for good); it is never stored in
            // clear anywhere. It goes to the process's standard output only, not through a logger: log exporters
            // would ship it away.
            (notice ?? OperatorNotice.StandardOutput).Write(
                $"First run: created user '{AdminUserName}' with the generated password {password} - sign in and change it, or set OPS_ADMIN_PASSWORD before the first start.");
            logger.LogWarning("First run: created user '{User}' with a generated password, printed once to the console's standard output (not to the logs).", AdminUserName);
        }
        else
            logger.LogInformation("First run: created user '{User}' with the password from OPS_ADMIN_PASSWORD.", AdminUserName);
        if (created.TokenProvisioned) logger.LogInformation("First run: created the admin API token given in OPS_ADMIN_TOKEN.");
    }

    private sealed record CreatedAdmin(string? GeneratedPassword, bool TokenProvisioned);

    /// <summary>The roles, and on an empty store the admin (and its token); null when the store already had users.</summary>
    private async Task<CreatedAdmin?> PrepareAsync(string? adminPassword, string? adminToken, CancellationToken ct)
    {
        foreach (var role in Roles.All)
            if (!await roles.RoleExistsAsync(role))
                await roles.CreateAsync(new IdentityRole(role));

        // Stores from before operator-chosen tokens lost their display prefix: forget it there too.
        await db.ApiTokens.Where(t => t.Name == ProvisionedTokenName && t.Prefix != "")
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.Prefix, ""), ct);

        if (await db.Users.AnyAsync(ct)) return null;

        var system = Actor.System("first-run");
        var generated = string.IsNullOrEmpty(adminPassword);
        var password = generated ? GeneratePassword() : adminPassword!;
        var admin = new ConsoleUser { UserName = AdminUserName, LockoutEnabled = true };
        var created = await users.CreateAsync(admin, password);
        if (!created.Succeeded)
            throw new InvalidOperationException("OPS_ADMIN_PASSWORD was refused: " + string.Join(" ", created.Errors.Select(e => e.Description)));
        await users.AddToRolesAsync(admin, Roles.All);
        AuditTrail.Record(db, system, "console.initialise", $"user/{AdminUserName}", after: new { userName = AdminUserName, roles = Roles.All, passwordSource = generated ? "generated" : "OPS_ADMIN_PASSWORD" });
        await db.SaveChangesAsync(ct);

        var withToken = !string.IsNullOrEmpty(adminToken);
        if (withToken) await tokens.ProvisionAsync(system, admin, ProvisionedTokenName, Roles.All, adminToken!, ct);
        return new CreatedAdmin(generated ? password : null, withToken);
    }

    private static string GeneratePassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', 'x').Replace('/', 'y');
}
