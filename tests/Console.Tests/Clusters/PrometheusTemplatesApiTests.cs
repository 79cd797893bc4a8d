using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Console.Tests.Shared;

namespace OpsConsole.Console.Tests.Clusters;

/// <summary>Prometheus analysis metrics through the templates API: a query with the rollout's variables only.</summary>
public sealed class PrometheusTemplatesApiTests(FakeClusterConsoleFactory factory) : IClassFixture<FakeClusterConsoleFactory>
{
    private static object Template(string name, string query) => new
    {
        name,
        metrics = new[] { new { name = "error-ratio", source = "Prometheus", query, interval = "10s", count = 3, successCondition = "result < 0.05" } },
    };

    [Fact]
    public async Task A_PromQL_metric_is_saved_with_its_query()
    {
        var admin = factory.CreateAdminClient();
        var name = Names.Unique("prom").ToLowerInvariant();
        const string query = "sum(rate(http_requests_total{revision=\"{{revision}}\",code=~\"5..\"}[1m])) / sum(rate(http_requests_total{revision=\"{{revision}}\"}[1m]))";
        var saved = await (await admin.PostAsJsonAsync("/api/v1/analysis-templates", Template(name, query), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        var metric = saved.GetProperty("template").GetProperty("metrics")[0];
        Assert.Equal(query, metric.GetProperty("query").GetString());
    }

    [Theory]
    [InlineData("up{job=\"{{db_password}}\"}", "{{db_password}}")]
    [InlineData("", "needs a PromQL query")]
    public async Task A_query_with_an_unknown_variable_or_none_is_refused_and_nothing_is_saved(string query, string expected)
    {
        var admin = factory.CreateAdminClient();
        var name = Names.Unique("prombad").ToLowerInvariant();
        var response = await admin.PostAsJsonAsync("/api/v1/analysis-templates", Template(name, query), TestApi.Json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await response.ReadJsonAsync()).GetProperty("detail").GetString());
        Assert.Equal(0, await factory.WithStoreAsync(db => db.AnalysisTemplates.CountAsync(t => t.Name == name)));
    }
}
