using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Security;

/// <summary>A console with the default egress policy (nothing allowlisted) and a real loopback server an attacker aims at.</summary>
public sealed class DefaultEgressConsole : IAsyncLifetime
{
    public FakeClusterConsoleFactory Factory { get; } = FakeClusterConsoleFactory.WithSettings(new Dictionary<string, string?> { ["OPS_EGRESS_ALLOW"] = "" });
    public EgressTestServer Target { get; private set; } = default!;

    public async Task InitializeAsync() => Target = await EgressTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        await Target.DisposeAsync();
        await Factory.DisposeAsync();
    }
}

/// <summary>
/// HTTP analysis checks cannot reach the host: the console's own API, the cluster's loopback ports,
/// the cloud metadata service and private networks are refused, at save when the URL names such an
/// address and at connect time when a name resolves to one; templates are bounded.
/// </summary>
public sealed class EgressAnalysisTests(DefaultEgressConsole fx) : IClassFixture<DefaultEgressConsole>
{
    private static object Template(string name, string url, string interval = "1s", int count = 1) => new
    {
        name,
        metrics = new[] { new { name = "remote", source = "HttpJson", url, jsonPath = "$.value", interval, count, successCondition = "result < 0.05", consecutiveErrorLimit = 0 } },
    };

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/iam/security-credentials/")]
    [InlineData("http://127.0.0.1:{port}/stats")]
    [InlineData("http://127.0.0.1:5080/api/v1/users")]
    [InlineData("http://[::1]:{port}/stats")]
    [InlineData("http://[::ffff:127.0.0.1]:{port}/stats")]
    [InlineData("http://10.0.0.8/metrics")]
    [InlineData("http://192.168.1.1/")]
    public async Task A_template_whose_check_names_an_internal_address_is_refused_at_save(string url)
    {
        using var admin = fx.Factory.CreateAdminClient();
        var name = Names.Unique("ssrf").ToLowerInvariant();
        var response = await admin.PostAsJsonAsync("/api/v1/analysis-templates", Template(name, url.Replace("{port}", fx.Target.Port.ToString())), TestApi.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadJsonAsync();
        Assert.Contains("OPS_EGRESS_ALLOW", problem.GetProperty("errors").GetProperty("metrics[0].url")[0].GetString());
        Assert.Equal(0, await fx.Factory.WithStoreAsync(db => db.AnalysisTemplates.CountAsync(t => t.Name == name)));
        Assert.Empty(fx.Target.Requests);
    }

    [Fact]
    public async Task A_check_on_a_name_that_resolves_to_loopback_errs_as_blocked_and_no_request_reaches_the_target()
    {
        using var admin = fx.Factory.CreateAdminClient();
        var name = Names.Unique("rebind").ToLowerInvariant();
        // A name passes the save-time check; the connection is what is refused.
        await admin.PostAsJsonAsync("/api/v1/analysis-templates", Template(name, $"http://localhost:{fx.Target.Port}/stats"), TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created);
        var service = Names.Unique("svc");
        await fx.Factory.SeedTargetAsync(service);
        var started = await admin.PostAsJsonAsync("/api/v1/rollouts", new
        {
            service, environment = "dev", version = "1.1.0",
            strategy = new { canary = new { steps = new object[] { new { setWeight = 10 }, new { analysis = name }, new { setWeight = 100 } } } },
        }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        var id = (await started.ReadJsonAsync()).GetProperty("id").GetGuid();

        JsonElement measurement = default;
        await Wait.UntilAsync(async () =>
        {
            var view = await (await admin.GetAsync($"/api/v1/rollouts/{id}")).ReadJsonAsync();
            var taken = view.GetProperty("analysisRuns").EnumerateArray()
                .SelectMany(r => r.GetProperty("metrics").EnumerateArray()).SelectMany(m => m.GetProperty("measurements").EnumerateArray()).ToList();
            if (taken.Count == 0) return false;
            measurement = taken[0];
            return true;
        }, "the analysis to take its measurement");

        Assert.Equal("Error", measurement.GetProperty("phase").GetString());
        Assert.Contains("blocked", measurement.GetProperty("message").GetString());
        var done = await (await admin.GetAsync($"/api/v1/rollouts/{id}")).ReadJsonAsync();
        Assert.NotEqual("Healthy", done.GetProperty("phase").GetString());
        Assert.Empty(fx.Target.Requests);
    }

    [Fact]
    public async Task A_check_urls_token_is_shown_whole_to_those_who_change_templates_and_as_scheme_and_host_to_viewers()
    {
        using var admin = fx.Factory.CreateAdminClient();
        using var viewer = fx.Factory.CreateTokenClient((await admin.CreateTokenAsync(Roles.Viewer)).Secret);
        using var releaseManager = fx.Factory.CreateTokenClient((await admin.CreateTokenAsync(Roles.ReleaseManager)).Secret);
        var token = "tok" + Guid.NewGuid().ToString("N");
        await admin.PostAsJsonAsync("/api/v1/analysis-templates",
            Template(Names.Unique("prom").ToLowerInvariant(), $"https://prometheus.example.com/api/v1/query?token={token}"), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);

        var seenByViewer = await viewer.GetStringAsync("/api/v1/analysis-templates?allVersions=true");
        Assert.Contains("https://prometheus.example.com", seenByViewer);
        Assert.DoesNotContain(token, seenByViewer);
        Assert.Contains(token, await releaseManager.GetStringAsync("/api/v1/analysis-templates"));
    }

    [Theory]
    [InlineData(50, "1s", 3, "metrics")]
    [InlineData(1, "10ms", 3, "metrics[0].interval")]
    [InlineData(1, "500ms", 3, "metrics[0].interval")]
    [InlineData(1, "1s", 100000, "metrics[0].count")]
    public async Task A_template_with_too_many_metrics_too_short_an_interval_or_too_many_measurements_is_refused(int metrics, string interval, int count, string field)
    {
        using var admin = fx.Factory.CreateAdminClient();
        var name = Names.Unique("flood").ToLowerInvariant();
        var response = await admin.PostAsJsonAsync("/api/v1/analysis-templates", new
        {
            name,
            metrics = Enumerable.Range(0, metrics).Select(i => new { name = $"m{i}", source = "IngressErrorRate", interval, count, successCondition = "result < 0.05" }).ToArray(),
        }, TestApi.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _), $"the problem names {field}");
        Assert.Equal(0, await fx.Factory.WithStoreAsync(db => db.AnalysisTemplates.CountAsync(t => t.Name == name)));
    }
}

/// <summary>The other side of the policy: a server an Admin allowlists (e.g. a Prometheus on loopback) stays reachable.</summary>
public sealed class EgressAllowlistTests
{
    [Fact]
    public async Task A_check_on_an_allowlisted_loopback_server_is_measured()
    {
        await using var prometheus = await EgressTestServer.StartAsync();
        await using var factory = FakeClusterConsoleFactory.WithSettings(new Dictionary<string, string?> { ["OPS_EGRESS_ALLOW"] = $"127.0.0.1:{prometheus.Port}" });
        using var admin = factory.CreateAdminClient();
        var name = Names.Unique("prom").ToLowerInvariant();
        await admin.PostAsJsonAsync("/api/v1/analysis-templates", new
        {
            name,
            metrics = new[] { new { name = "remote", source = "HttpJson", url = $"{prometheus.BaseUrl}/stats?secret=1", jsonPath = "$.value", interval = "1s", count = 1, successCondition = "result < 0.05" } },
        }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        var service = Names.Unique("svc");
        await factory.SeedTargetAsync(service);
        var started = await admin.PostAsJsonAsync("/api/v1/rollouts", new
        {
            service, environment = "dev", version = "1.1.0",
            strategy = new { canary = new { steps = new object[] { new { setWeight = 10 }, new { analysis = name }, new { setWeight = 100 } } } },
        }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        var id = (await started.ReadJsonAsync()).GetProperty("id").GetGuid();

        await Wait.UntilAsync(async () => (await (await admin.GetAsync($"/api/v1/rollouts/{id}")).ReadJsonAsync()).GetProperty("phase").GetString() == "Healthy",
            "the rollout to pass its allowlisted check");
        Assert.Contains("GET /stats?secret=1", prometheus.Requests);
    }
}
