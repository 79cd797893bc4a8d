using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events;

namespace OpsConsole.Console.Tests.Dora;

/// <summary>GET /api/v1/dora over real rollouts in prod on the fake cluster, and its refusals.</summary>
public sealed class DoraApiTests : IAsyncLifetime
{
    private readonly FakeClusterConsoleFactory _factory = new();
    private HttpClient _releaseManager = default!;
    private HttpClient _viewer = default!;

    public async Task InitializeAsync()
    {
        using var admin = _factory.CreateAdminClient();
        _releaseManager = _factory.CreateTokenClient((await admin.CreateTokenAsync(Roles.ReleaseManager)).Secret);
        _viewer = _factory.CreateTokenClient((await admin.CreateTokenAsync(Roles.Viewer)).Secret);
    }

    public async Task DisposeAsync()
    {
        _releaseManager.Dispose();
        _viewer.Dispose();
        await _factory.DisposeAsync();
    }

    private async Task<Guid> StartAsync(string service, string environment, string version)
    {
        await _factory.SeedTargetAsync(service, environment);
        var started = await _releaseManager.PostAsJsonAsync("/api/v1/rollouts", new { service, environment, version }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        return (await started.ReadJsonAsync()).GetProperty("id").GetGuid();
    }

    private Task UntilStoredAsync(string type, string subject, int count) => Wait.UntilAsync(
        () => _factory.WithStoreAsync(db => db.OutboxEvents.Where(e => e.Type == type && e.Subject == subject).CountAsync()).ContinueWith(t => t.Result >= count),
        $"{count} {type} on {subject}");

    [Fact]
    public async Task A_completed_prod_rollout_counts_and_an_aborted_one_counts_as_failed()
    {
        var service = Names.Unique("dora");
        var first = await StartAsync(service, "prod", "1.1.0");
        await _releaseManager.PostAsync($"/api/v1/rollouts/{first}/promote-full", null).EnsureStatusAsync(HttpStatusCode.OK);
        await UntilStoredAsync(EventTypes.DeployCompleted, $"{service}/prod", 1);
        var staging = await StartAsync(service, "staging", "1.1.0");
        await _releaseManager.PostAsync($"/api/v1/rollouts/{staging}/promote-full", null).EnsureStatusAsync(HttpStatusCode.OK);
        await UntilStoredAsync(EventTypes.DeployCompleted, $"{service}/staging", 1);

        var report = await (await _viewer.GetAsync($"/api/v1/dora?service={service}").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        var overall = report.GetProperty("overall");
        Assert.Equal(1, overall.GetProperty("deployments").GetInt32());
        Assert.Equal(1, overall.GetProperty("successfulDeployments").GetInt32());
        Assert.Equal(0.0, overall.GetProperty("changeFailureRate").GetDouble());
        Assert.Equal("Elite", overall.GetProperty("changeFailureBand").GetString());

        var second = await StartAsync(service, "prod", "1.2.0");
        await _releaseManager.PostAsync($"/api/v1/rollouts/{second}/abort", null).EnsureStatusAsync(HttpStatusCode.OK);
        await UntilStoredAsync(EventTypes.DeployCompleted, $"{service}/prod", 2);

        report = await (await _viewer.GetAsync($"/api/v1/dora?service={service}").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        overall = report.GetProperty("overall");
        Assert.Equal(2, overall.GetProperty("deployments").GetInt32());
        Assert.Equal(1, overall.GetProperty("failedDeployments").GetInt32());
        Assert.Equal(0.5, overall.GetProperty("changeFailureRate").GetDouble());
        Assert.Equal(["1.2.0", "1.1.0"], report.GetProperty("deployments").EnumerateArray().Select(d => d.GetProperty("version").GetString()));
        Assert.Equal(service, Assert.Single(report.GetProperty("services").EnumerateArray()).GetProperty("service").GetString());
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-11-10&to=2026-11-01", "from")]
    [InlineData("from=2024-01-01&to=2026-11-01", "to")]
    [InlineData("service=check%20out", "service")]
    public async Task A_bad_query_is_a_problem_naming_the_field(string query, string field)
    {
        var response = await _viewer.GetAsync($"/api/v1/dora?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Without_a_token_the_figures_are_not_shown()
    {
        using var anonymous = _factory.CreateAnonymousClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/dora")).StatusCode);
        var empty = await (await _viewer.GetAsync("/api/v1/dora?from=2026-01-01&to=2026-01-31").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("overall").GetProperty("changeFailureRate").ValueKind);
        Assert.Equal(5, empty.GetProperty("weeks").GetArrayLength()); // weeks starting 29 Dec, 5, 12, 19 and 26 Jan
    }
}
