using System.Net;
using System.Text.Json;
using OpsConsole.Console.Tests.Shared;

namespace OpsConsole.Console.Tests.Hosting;

/// <summary>What an orchestrator, a Prometheus scraper and an API client see without signing in.</summary>
public sealed class HealthAndDocsTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    [Fact]
    public async Task Liveness_answers_200()
    {
        using var client = factory.CreateAnonymousClient();
        var response = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Readiness_answers_200_once_the_store_and_the_job_server_are_up()
    {
        using var client = factory.CreateAnonymousClient();
        await Wait.UntilAsync(async () => (await client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "/readyz to answer 200");
        var body = await (await client.GetAsync("/readyz")).Content.ReadAsStringAsync();
        Assert.Equal("Healthy", body);
    }

    [Fact]
    public async Task Metrics_expose_request_durations_in_Prometheus_format()
    {
        using var client = factory.CreateAnonymousClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        string metrics = "";
        await Wait.UntilAsync(async () =>
        {
            metrics = await client.GetStringAsync("/metrics");
            return metrics.Contains("http_server_request_duration_seconds_bucket");
        }, "the request duration histogram on /metrics");
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", metrics);
    }

    [Fact]
    public async Task OpenApi_document_lists_the_api_routes()
    {
        using var client = factory.CreateAnonymousClient();
        var response = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = doc.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/me", out var me), "GET /api/v1/me is documented");
        Assert.True(me.TryGetProperty("get", out _));
        Assert.True(paths.TryGetProperty("/api/v1/audit/verify", out var verify), "POST /api/v1/audit/verify is documented");
        Assert.True(verify.TryGetProperty("post", out _));
        Assert.Equal("OpsConsole API", doc.RootElement.GetProperty("info").GetProperty("title").GetString());
    }
}
