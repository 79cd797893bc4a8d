using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Access;

/// <summary>API tokens as their owners and Admins rely on them: revocable, expiring, never wider than their owner.</summary>
public sealed class TokenTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    private static async Task<HttpStatusCode> MeStatusAsync(ConsoleFactory factory, string token)
    {
        using var client = factory.CreateTokenClient(token);
        return (await client.GetAsync("/api/v1/me")).StatusCode;
    }

    [Fact]
    public async Task A_revoked_token_is_refused()
    {
        using var admin = factory.CreateAdminClient();
        var (id, secret) = await admin.CreateTokenAsync(Roles.Viewer);
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(factory, secret));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/tokens/{id}")).StatusCode);

        using var client = factory.CreateTokenClient(secret);
        var response = await client.GetAsync("/api/v1/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("revoked", (await response.ReadJsonAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        using var admin = factory.CreateAdminClient();
        var (id, secret) = await admin.CreateTokenAsync(Roles.Viewer);
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(factory, secret));

        await factory.WithStoreAsync(db => db.ApiTokens.Where(t => t.Id == id)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.ExpiresAt, DateTime.UtcNow.AddMinutes(-1))));

        using var client = factory.CreateTokenClient(secret);
        var response = await client.GetAsync("/api/v1/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("expired", (await response.ReadJsonAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_token_cannot_carry_a_role_its_caller_lacks_and_nothing_is_written()
    {
        using var admin = factory.CreateAdminClient();
        var (_, viewerOnly) = await admin.CreateTokenAsync(Roles.Viewer);
        var tokensBefore = await factory.CountAsync<ApiToken>();
        var auditBefore = await factory.CountAsync<Core.Audit.AuditEntry>();

        using var viewer = factory.CreateTokenClient(viewerOnly);
        var response = await viewer.PostAsJsonAsync("/api/v1/tokens", new { name = "escalate", roles = new[] { Roles.Viewer, Roles.Admin } }, TestApi.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.ReadJsonAsync()).GetProperty("errors");
        Assert.Contains("Admin", errors.GetProperty("roles")[0].GetString());
        Assert.Equal(tokensBefore, await factory.CountAsync<ApiToken>());
        Assert.Equal(auditBefore, await factory.CountAsync<Core.Audit.AuditEntry>());
    }

    [Fact]
    public async Task The_secret_is_returned_once_and_never_listed()
    {
        using var admin = factory.CreateAdminClient();
        var (id, secret) = await admin.CreateTokenAsync(Roles.OnCall);
        Assert.StartsWith(TokenSecret.Prefix, secret);

        var list = await admin.GetStringAsync("/api/v1/tokens");
        var everyone = await admin.GetStringAsync("/api/v1/tokens?all=true");

        Assert.Contains(id.ToString(), list);             // the token is listed...
        Assert.Contains(secret[..10], list);              // ...with its display prefix...
        Assert.DoesNotContain(secret, list);              // ...but never its secret
        Assert.DoesNotContain(secret, everyone);
        Assert.DoesNotContain("\"secret\"", list);
        // Only the hash is kept in the store.
        var stored = await factory.WithStoreAsync(db => db.ApiTokens.AsNoTracking().SingleAsync(t => t.Id == id));
        Assert.NotEqual(secret, stored.SecretHash);
        Assert.Equal(TokenSecret.Hash(secret), stored.SecretHash);
    }

    [Fact]
    public async Task Disabling_a_user_stops_their_tokens()
    {
        var password = Names.Password();
        var user = await factory.CreateUserAsync(password, Roles.Viewer);
        var (browser, _) = factory.CreateBrowser();
        using (browser)
        {
            await browser.SignInAsync(user, password);
            await browser.UseAntiforgeryHeaderAsync(); // changes through the session cookie carry the antiforgery header
            var (_, secret) = await browser.CreateTokenAsync(Roles.Viewer);
            using var asUser = factory.CreateTokenClient(secret);
            var me = await (await asUser.GetAsync("/api/v1/me")).ReadJsonAsync();
            Assert.Equal(user, me.GetProperty("userName").GetString());

            using var admin = factory.CreateAdminClient();
            await admin.PostAsync($"/api/v1/users/{user}/disable", null).EnsureStatusAsync(HttpStatusCode.NoContent);

            var refused = await asUser.GetAsync("/api/v1/me");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("disabled", (await refused.ReadJsonAsync()).GetProperty("detail").GetString());

            // Enabling the user again brings the same token back.
            await admin.PostAsync($"/api/v1/users/{user}/enable", null).EnsureStatusAsync(HttpStatusCode.NoContent);
            Assert.Equal(HttpStatusCode.OK, (await asUser.GetAsync("/api/v1/me")).StatusCode);
        }
    }

    [Fact]
    public async Task Removing_a_role_from_a_user_removes_it_from_their_token()
    {
        var password = Names.Password();
        var user = await factory.CreateUserAsync(password, Roles.Viewer, Roles.OnCall);
        var (browser, _) = factory.CreateBrowser();
        using (browser)
        {
            await browser.SignInAsync(user, password);
            await browser.UseAntiforgeryHeaderAsync(); // changes through the session cookie carry the antiforgery header
            var (_, secret) = await browser.CreateTokenAsync(Roles.Viewer, Roles.OnCall);
            using var asUser = factory.CreateTokenClient(secret);
            Assert.Equal([Roles.Viewer, Roles.OnCall], await RolesOfAsync(asUser));

            using var admin = factory.CreateAdminClient();
            await admin.PutAsJsonAsync($"/api/v1/users/{user}/roles", new { roles = new[] { Roles.Viewer } }, TestApi.Json)
                .EnsureStatusAsync(HttpStatusCode.OK);

            Assert.Equal([Roles.Viewer], await RolesOfAsync(asUser));
        }
    }

    [Fact]
    public async Task Another_user_s_token_cannot_be_revoked_without_Admin()
    {
        using var admin = factory.CreateAdminClient();
        var (adminTokenId, adminSecret) = await admin.CreateTokenAsync(Roles.Viewer);
        var password = Names.Password();
        var user = await factory.CreateUserAsync(password, Roles.Viewer, Roles.OnCall);
        var (browser, _) = factory.CreateBrowser();
        using (browser)
        {
            await browser.SignInAsync(user, password);
            await browser.UseAntiforgeryHeaderAsync(); // so the refusal below is about the role, not the missing header
            var response = await browser.DeleteAsync($"/api/v1/tokens/{adminTokenId}");
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(factory, adminSecret));
    }

    private static async Task<string[]> RolesOfAsync(HttpClient client)
    {
        var me = await (await client.GetAsync("/api/v1/me").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        return [.. me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!)];
    }
}
