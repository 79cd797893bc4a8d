using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Security;

/// <summary>
/// Attacks on accounts and tokens, against a running console: locking out automation by guessing
/// passwords, and a token minting a token that outlives it or carries more roles.
/// </summary>
public sealed class AccessAttackTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    [Fact]
    public async Task Five_wrong_passwords_for_a_user_lock_interactive_sign_in_but_not_the_user_s_API_tokens()
    {
        // A second Admin with a token, so the fixture's own admin stays usable for the other tests.
        var password = Names.Password();
        var victim = await factory.CreateUserAsync(password, Roles.Admin);
        string victimToken;
        var (browser, _) = factory.CreateBrowser();
        using (browser)
        {
            await browser.SignInAsync(victim, password);
            await browser.UseAntiforgeryHeaderAsync();
            (_, victimToken) = await browser.CreateTokenAsync(Roles.Admin);
        }
        var before = await ConsoleState.TakeAsync(factory);

        // The attack: five wrong passwords, posted anonymously to the sign-in form.
        var (attacker, _) = factory.CreateBrowser();
        using (attacker)
            for (var i = 0; i < 5; i++)
                Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.PostLoginAsync(victim, $"guess-{i}-{Guid.NewGuid():N}")).StatusCode);

        // Interactive sign-in is locked, even with the right password...
        var (person, cookies) = factory.CreateBrowser();
        using (person)
        {
            var refused = await person.PostLoginAsync(victim, password);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("locked", await refused.Content.ReadAsStringAsync());
            Assert.Null(cookies.AuthCookieOf(person.BaseAddress!));
        }

        // ...but the automation keeps working: reads and writes with the token.
        using var automation = factory.CreateTokenClient(victimToken);
        var me = await (await automation.GetAsync("/api/v1/me").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal(victim, me.GetProperty("userName").GetString());
        await automation.GetAsync("/api/v1/users").EnsureStatusAsync(HttpStatusCode.OK);

        Assert.Equal(before, await ConsoleState.TakeAsync(factory));
        await ConsoleState.AssertAuditIntactAsync(automation);
    }

    [Fact]
    public async Task The_admin_token_answers_after_five_anonymous_wrong_passwords_for_admin()
    {
        // The scenario from the report: the admin's own account and the OPS_ADMIN_TOKEN automation uses.
        await using var console = new ConsoleFactory();
        var before = await ConsoleState.TakeAsync(console);
        var (attacker, _) = console.CreateBrowser();
        using (attacker)
            for (var i = 0; i < 5; i++)
                await attacker.PostLoginAsync(FirstRun.AdminUserName, $"guess-{i}-{Guid.NewGuid():N}");

        var (person, _) = console.CreateBrowser();
        using (person)
            Assert.Contains("locked", await (await person.PostLoginAsync(FirstRun.AdminUserName, console.AdminPassword)).Content.ReadAsStringAsync());

        using var admin = console.CreateAdminClient();
        await admin.GetAsync("/api/v1/me").EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal(before, await ConsoleState.TakeAsync(console));
        await ConsoleState.AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task A_token_cannot_mint_a_token_that_outlives_it_or_carries_more_roles()
    {
        using var admin = factory.CreateAdminClient();
        // A short-lived, narrow token, as a CI job would hold.
        var parent = await (await admin.PostAsJsonAsync("/api/v1/tokens", new { name = Names.Unique("ci"), roles = new[] { Roles.Viewer, Roles.OnCall }, expiresInDays = 5 }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        var parentExpiry = parent.GetProperty("token").GetProperty("expiresAt").GetDateTime();
        using var ci = factory.CreateTokenClient(parent.GetProperty("secret").GetString()!);
        var before = await ConsoleState.TakeAsync(factory);
        var auditBefore = await factory.CountAsync<Core.Audit.AuditEntry>();

        var longer = await ci.PostAsJsonAsync("/api/v1/tokens", new { name = "outlive", roles = new[] { Roles.Viewer }, expiresInDays = 365 }, TestApi.Json);
        var wider = await ci.PostAsJsonAsync("/api/v1/tokens", new { name = "escalate", roles = new[] { Roles.Viewer, Roles.Admin }, expiresInDays = 1 }, TestApi.Json);

        Assert.Equal(HttpStatusCode.BadRequest, longer.StatusCode);
        Assert.Equal("application/problem+json", longer.Content.Headers.ContentType?.MediaType);
        Assert.Contains("outlive", (await longer.ReadJsonAsync()).GetProperty("errors").GetProperty("expiresInDays")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, wider.StatusCode);
        Assert.Contains("Admin", (await wider.ReadJsonAsync()).GetProperty("errors").GetProperty("roles")[0].GetString());
        Assert.Equal(before, await ConsoleState.TakeAsync(factory));
        Assert.Equal(auditBefore, await factory.CountAsync<Core.Audit.AuditEntry>());

        // Without an expiry the child gets the parent's, not the 30-day default.
        var child = await (await ci.PostAsJsonAsync("/api/v1/tokens", new { name = "child", roles = new[] { Roles.Viewer } }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        Assert.True(child.GetProperty("token").GetProperty("expiresAt").GetDateTime() <= parentExpiry);
        await ConsoleState.AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task Only_generated_tokens_show_a_display_prefix_never_the_operator_chosen_admin_token()
    {
        using var admin = factory.CreateAdminClient();
        var (generatedId, generated) = await admin.CreateTokenAsync(Roles.Viewer);

        var listed = await admin.GetStringAsync("/api/v1/tokens?all=true");
        var tokens = await (await admin.GetAsync("/api/v1/tokens?all=true")).ReadJsonAsync();
        var provisioned = tokens.EnumerateArray().Single(t => t.GetProperty("name").GetString() == FirstRun.ProvisionedTokenName);

        Assert.Equal("", provisioned.GetProperty("prefix").GetString());
        // Before, the first ten characters of the chosen secret were listed and stored.
        Assert.DoesNotContain(factory.AdminToken[..10], listed);
        var storedPrefixes = await factory.WithStoreAsync(db => db.ApiTokens.AsNoTracking().Select(t => t.Prefix).ToListAsync());
        Assert.DoesNotContain(storedPrefixes, p => p.Length > 0 && factory.AdminToken.StartsWith(p, StringComparison.Ordinal));
        Assert.Equal(generated[..10], tokens.EnumerateArray().Single(t => t.GetProperty("id").GetGuid() == generatedId).GetProperty("prefix").GetString());
    }
}
