using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Tests.Shared;

namespace OpsConsole.Core.Tests.Access;

public sealed class AccessTests
{
    [Fact]
    public void Role_names_are_matched_case_insensitively_and_unknown_ones_reported()
    {
        var (known, unknown) = Roles.Parse(["oncall", " Admin ", "root", "ONCALL"]);
        Assert.Equal([Roles.OnCall, Roles.Admin], known);
        Assert.Equal(["root"], unknown);
    }

    [Fact]
    public void Provider_groups_map_to_console_roles()
    {
        var map = new ExternalRoleMap(new Dictionary<string, string> { ["ops-admins"] = "Admin", ["sre"] = "OnCall, Viewer" });
        Assert.Equal([Roles.Admin, Roles.OnCall, Roles.Viewer, Roles.ReleaseManager], map.Map(["ops-admins", "sre", "ReleaseManager", "marketing"]));
        Assert.Empty(map.Map(["marketing"]));
    }

    [Fact]
    public void An_actor_without_the_role_is_refused_with_the_role_named()
    {
        var viewer = new Actor("v", new HashSet<string> { Roles.Viewer }, "c");
        var error = Assert.Throws<AccessDeniedException>(() => viewer.Require("create users", Roles.Admin));
        Assert.Contains("Admin", error.Message);
        new Actor("a", new HashSet<string> { Roles.Admin }, "c").Require("create users", Roles.Admin);
    }

    [Fact]
    public async Task First_run_creates_an_admin_with_every_role_once()
    {
        await using var store = await TestStore.CreateAsync();
        for (var run = 0; run < 2; run++)
        {
            await using var scope = store.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<FirstRun>().EnsureAsync("first-run-password", "opc_provisioned_token_value");
        }
        await using var s = store.Services.CreateAsyncScope();
        var users = await s.ServiceProvider.GetRequiredService<UserDirectory>().ListAsync();
        var admin = Assert.Single(users);
        Assert.Equal(Roles.All, admin.Roles);
        var check = await s.ServiceProvider.GetRequiredService<ApiTokens>().CheckAsync("opc_provisioned_token_value");
        Assert.True(check.Succeeded);
        Assert.Equal(Roles.All, check.Roles);
    }

    [Fact]
    public async Task The_last_enabled_admin_cannot_lose_the_role_or_be_disabled()
    {
        await using var store = await TestStore.CreateAsync();
        await using var scope = store.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<FirstRun>().EnsureAsync("first-run-password", null);
        var directory = scope.ServiceProvider.GetRequiredService<UserDirectory>();
        var admin = new Actor("admin", new HashSet<string>(Roles.All), "c");
        await directory.CreateAsync(admin, "second", "second-password", [Roles.Admin]);

        var other = new Actor("second", new HashSet<string> { Roles.Admin }, "c");
        await directory.SetEnabledAsync(other, "admin", enabled: false);
        await Assert.ThrowsAsync<ConflictException>(() => directory.SetRolesAsync(admin, "second", [Roles.Viewer]));
        Assert.Equal([Roles.Admin], (await directory.ListAsync()).Single(u => u.UserName == "second").Roles);
    }

    [Fact]
    public async Task A_token_cannot_carry_a_role_its_owner_lacks_and_nothing_is_written()
    {
        await using var store = await TestStore.CreateAsync();
        await using var scope = store.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<FirstRun>().EnsureAsync("first-run-password", null);
        var admin = new Actor("admin", new HashSet<string>(Roles.All), "c");
        await scope.ServiceProvider.GetRequiredService<UserDirectory>().CreateAsync(admin, "olga", "olga-password-1", [Roles.OnCall]);
        var tokens = scope.ServiceProvider.GetRequiredService<ApiTokens>();
        var olga = new Actor("olga", new HashSet<string> { Roles.OnCall }, "c");

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => tokens.IssueAsync(olga, "ci", [Roles.OnCall, Roles.Admin], 30));
        Assert.Contains("Admin", error.Message);
        await using (var db = store.NewContext()) Assert.Equal(0, await db.ApiTokens.CountAsync());

        var issued = await tokens.IssueAsync(olga, "ci", [Roles.OnCall], 30);
        Assert.StartsWith(TokenSecret.Prefix, issued.Secret);
        await using (var db = store.NewContext())
        {
            var stored = await db.ApiTokens.SingleAsync();
            Assert.NotEqual(issued.Secret, stored.SecretHash);
            Assert.Equal(TokenSecret.Hash(issued.Secret), stored.SecretHash);
            Assert.DoesNotContain(issued.Secret, string.Join("|", await db.AuditEntries.Select(a => a.After ?? "").ToListAsync()));
        }
        await tokens.RevokeAsync(olga, issued.Token.Id);
        var check = await tokens.CheckAsync(issued.Secret);
        Assert.False(check.Succeeded);
        Assert.Contains("revoked", check.Refusal);
    }
}
