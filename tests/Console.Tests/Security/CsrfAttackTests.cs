using System.Net;
using System.Net.Http.Json;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Security;

/// <summary>
/// Cross-site request forgery against the API: a page elsewhere makes the signed-in browser send a
/// state-changing request with its session cookie. Without the antiforgery header (which another site
/// cannot read or set) the console refuses it and changes nothing.
/// </summary>
public sealed class CsrfAttackTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    /// <summary>The admin's browser, signed in: the cookie is all it sends, as in a forged request.</summary>
    private async Task<HttpClient> AdminBrowserAsync()
    {
        var (browser, _) = factory.CreateBrowser();
        await browser.SignInAsync(FirstRun.AdminUserName, factory.AdminPassword);
        return browser;
    }

    [Fact]
    public async Task Cookie_authenticated_changes_without_the_antiforgery_header_are_refused_and_change_nothing()
    {
        var victim = await factory.CreateUserAsync(Names.Password(), Roles.OnCall);
        using var admin = factory.CreateAdminClient();
        var (adminTokenId, adminTokenSecret) = await admin.CreateTokenAsync(Roles.Viewer);
        using var browser = await AdminBrowserAsync();
        var before = await ConsoleState.TakeAsync(factory);
        var auditBefore = await factory.CountAsync<Core.Audit.AuditEntry>();

        var attempts = new[]
        {
            await browser.PostAsJsonAsync("/api/v1/tokens", new { name = "forged", roles = new[] { Roles.Admin } }, TestApi.Json),
            await browser.PostAsJsonAsync("/api/v1/users", new { userName = Names.Unique("mallory"), password = Names.Password(), roles = new[] { Roles.Admin } }, TestApi.Json),
            // Body-less, exactly what a plain HTML form on another site can send.
            await browser.PostAsync($"/api/v1/users/{victim}/disable", null),
            await browser.PutAsJsonAsync($"/api/v1/users/{victim}/roles", new { roles = new[] { Roles.Admin } }, TestApi.Json),
            await browser.DeleteAsync($"/api/v1/tokens/{adminTokenId}"),
        };

        foreach (var response in attempts)
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("X-CSRF-TOKEN", (await response.ReadJsonAsync()).GetProperty("detail").GetString());
        }
        Assert.Equal(before, await ConsoleState.TakeAsync(factory));
        Assert.Equal(auditBefore, await factory.CountAsync<Core.Audit.AuditEntry>());
        using (var stillThere = factory.CreateTokenClient(adminTokenSecret))
            await stillThere.GetAsync("/api/v1/me").EnsureStatusAsync(HttpStatusCode.OK);
        await ConsoleState.AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task A_form_posted_from_another_site_with_a_guessed_or_stolen_field_is_refused()
    {
        var victim = await factory.CreateUserAsync(Names.Password(), Roles.OnCall);
        // The attacker's own session yields a real token, but one bound to the attacker, not the victim's browser.
        var attackerPassword = Names.Password();
        var attackerName = await factory.CreateUserAsync(attackerPassword, Roles.Viewer);
        var before = await ConsoleState.TakeAsync(factory);
        var (attacker, _) = factory.CreateBrowser();
        string attackerToken;
        using (attacker)
        {
            await attacker.SignInAsync(attackerName, attackerPassword);
            attackerToken = (await (await attacker.GetAsync("/api/v1/me/antiforgery")).ReadJsonAsync()).GetProperty("token").GetString()!;
        }

        using var browser = await AdminBrowserAsync();
        var asForm = await browser.PostAsync($"/api/v1/users/{victim}/disable",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = attackerToken }));
        using var withHeader = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/users/{victim}/disable");
        withHeader.Headers.Add("X-CSRF-TOKEN", attackerToken);
        var asHeader = await browser.SendAsync(withHeader);

        Assert.Equal(HttpStatusCode.Forbidden, asForm.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asHeader.StatusCode);
        Assert.Equal(before, await ConsoleState.TakeAsync(factory));
        using var admin = factory.CreateAdminClient();
        await ConsoleState.AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task The_signed_in_browser_with_its_own_antiforgery_header_and_token_callers_are_served()
    {
        using var browser = await AdminBrowserAsync();
        await browser.UseAntiforgeryHeaderAsync();
        var created = await browser.PostAsJsonAsync("/api/v1/tokens", new { name = "with-header", roles = new[] { Roles.Viewer } }, TestApi.Json);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // Reads need no header, and API tokens never do: a browser does not attach them by itself.
        using var plain = await AdminBrowserAsync();
        await plain.GetAsync("/api/v1/users").EnsureStatusAsync(HttpStatusCode.OK);
        using var admin = factory.CreateAdminClient();
        await admin.PostAsJsonAsync("/api/v1/tokens", new { name = "token-caller", roles = new[] { Roles.Viewer } }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
    }
}
