using System.Net;
using System.Net.Http.Json;
using System.Text;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Events.Webhooks;

namespace OpsConsole.Console.Tests.Hosting;

/// <summary>Bad requests get RFC 9457 problem details a script can act on, and change nothing.</summary>
public sealed class ProblemDetailsTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    private sealed record Counts(int Users, int Webhooks, int AuditEntries, int Tokens);

    private async Task<Counts> CountAsync() => new(
        await factory.CountAsync<ConsoleUser>(), await factory.CountAsync<WebhookSubscription>(),
        await factory.CountAsync<AuditEntry>(), await factory.CountAsync<ApiToken>());

    private static async Task<System.Text.Json.JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    [Theory]
    [InlineData("/api/v1/users")]
    [InlineData("/api/v1/tokens")]
    [InlineData("/api/v1/webhooks")]
    public async Task Malformed_JSON_is_a_400_and_writes_nothing(string path)
    {
        var before = await CountAsync();
        using var admin = factory.CreateAdminClient();

        var response = await admin.PostAsync(path, new StringContent("{\"userName\": \"half", Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task An_unknown_API_route_is_a_404_naming_the_route()
    {
        var before = await CountAsync();
        using var admin = factory.CreateAdminClient();

        var response = await admin.PostAsJsonAsync("/api/v1/no-such-thing", new { a = 1 });

        var problem = await AssertProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Contains("/api/v1/no-such-thing", problem.GetProperty("detail").GetString());
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task A_body_over_1_MiB_is_a_413_and_writes_nothing()
    {
        var before = await CountAsync();
        using var admin = factory.CreateAdminClient();
        // A valid request except for its size: a user whose email field is padded past the limit.
        var json = $"{{\"userName\":\"{Names.Unique("big")}\",\"password\":\"{Names.Password()}\",\"roles\":[\"Viewer\"],\"email\":\"{new string('x', 1024 * 1024)}@example.test\"}}";

        var response = await admin.PostAsync("/api/v1/users", new StringContent(json, Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task A_webhook_with_an_ftp_url_is_a_400_with_the_url_error_and_writes_nothing()
    {
        var before = await CountAsync();
        using var admin = factory.CreateAdminClient();

        var response = await admin.PostAsJsonAsync("/api/v1/webhooks", new { name = "ftp", url = "ftp://x" }, TestApi.Json);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        var urlErrors = problem.GetProperty("errors").GetProperty("url");
        Assert.Contains("http", urlErrors[0].GetString());
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task A_user_with_a_short_password_is_a_400_and_no_account_is_left_behind()
    {
        var before = await CountAsync();
        using var admin = factory.CreateAdminClient();
        var name = Names.Unique("short");

        var response = await admin.PostAsJsonAsync("/api/v1/users", new { userName = name, password = "short", roles = new[] { "Viewer" } }, TestApi.Json);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _));
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task A_second_user_with_the_same_name_is_a_409()
    {
        var name = await factory.CreateUserAsync(Names.Password(), Roles.Viewer);
        var before = await CountAsync();
        using var admin = factory.CreateAdminClient();

        var response = await admin.PostAsJsonAsync("/api/v1/users", new { userName = name, password = Names.Password(), roles = new[] { "Viewer" } }, TestApi.Json);

        await AssertProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Equal(before, await CountAsync());
    }
}
