using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Events;
using OpsConsole.Core.Metrics;

namespace OpsConsole.Console.Tests.Metrics;

/// <summary>GET /api/v1/metrics/{service}/{environment}: its contract over stored points and events, its refusals, and the sampler at work in the console.</summary>
public sealed class MetricsApiTests : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2026, 11, 20, 12, 0, 0, DateTimeKind.Utc);
    private readonly FakeClusterConsoleFactory _factory = new();
    private HttpClient _viewer = default!;

    public async Task InitializeAsync()
    {
        using var admin = _factory.CreateAdminClient();
        _viewer = _factory.CreateTokenClient((await admin.CreateTokenAsync(Roles.Viewer)).Secret);
    }

    public async Task DisposeAsync()
    {
        _viewer.Dispose();
        await _factory.DisposeAsync();
    }

    private static MetricPoint Point(string service, string revision, DateTime at, long requests, long errors, double p99) => new()
    {
        Service = service, Environment = "prod", Revision = revision, StepSeconds = 10, BucketStart = at,
        Requests = requests, Errors5xx = errors, LatencyP50Ms = p99 / 3, LatencyP90Ms = p99 / 2, LatencyP99Ms = p99,
    };

    private Task EventAsync(string type, string subject, DateTime at, object data) => _factory.WithStoreAsync(async db =>
    {
        var row = _factory.Services.GetRequiredService<EventOutbox>().Add(db, new Actor("ci", new HashSet<string>(), "metrics"), type, subject, data);
        row.Time = at;
        return await db.SaveChangesAsync();
    });

    private static string Iso(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Points_overall_and_per_revision_come_with_the_service_s_events_marked_in_time()
    {
        var service = Names.Unique("metrics");
        await _factory.SeedTargetAsync(service, "prod");
        await _factory.WithStoreAsync(async db =>
        {
            db.MetricPoints.AddRange(
                Point(service, "stable", T0, 90, 0, 30), Point(service, "canary", T0, 10, 5, 130),
                Point(service, "stable", T0.AddSeconds(10), 100, 1, 30), Point(service, "canary", T0.AddSeconds(10), 20, 10, 130));
            return await db.SaveChangesAsync();
        });
        await EventAsync(EventTypes.DeployStarted, $"{service}/prod", T0.AddSeconds(3), new { service, environment = "prod", version = "1.1.0", previousVersion = "1.0.0" });
        await EventAsync(EventTypes.RollbackExecuted, $"{service}/prod", T0.AddSeconds(15), new { service, environment = "prod", version = "1.1.0", stableVersion = "1.0.0" });
        await EventAsync(EventTypes.RollbackExecuted, $"{service}/staging", T0.AddSeconds(15), new { service, environment = "staging", version = "1.1.0" });
        await EventAsync(EventTypes.DeployStarted, $"{service}/prod", T0.AddHours(-2), new { service, environment = "prod", version = "1.0.0" });

        var body = await (await _viewer.GetAsync($"/api/v1/metrics/{service}/prod?from={Iso(T0)}&to={Iso(T0.AddMinutes(1))}&step=10s")
            .EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();

        Assert.Equal(10, body.GetProperty("stepSeconds").GetDouble());
        var points = body.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(2, points.Count);
        Assert.Equal(T0, points[0].GetProperty("at").GetDateTimeOffset().UtcDateTime);
        Assert.Equal(100, points[0].GetProperty("requests").GetInt64());
        Assert.Equal(0.05, points[0].GetProperty("errorRatio").GetDouble(), 9);
        Assert.Equal(10.0, points[0].GetProperty("requestsPerSecond").GetDouble(), 9);
        Assert.Equal(40.0, points[0].GetProperty("latencyP99Ms").GetDouble(), 9);
        var revisions = body.GetProperty("revisions").EnumerateArray().ToList();
        Assert.Equal(["canary", "stable"], revisions.Select(r => r.GetProperty("revision").GetString()));
        Assert.Equal(0.5, revisions[0].GetProperty("points")[1].GetProperty("errorRatio").GetDouble(), 9);
        var markers = body.GetProperty("markers").EnumerateArray().ToList();
        Assert.Equal(["deploy", "rollback"], markers.Select(m => m.GetProperty("kind").GetString()));
        Assert.Equal(EventTypes.RollbackExecuted, markers[1].GetProperty("type").GetString());
        Assert.Contains("rolled back to 1.0.0", markers[1].GetProperty("text").GetString());

        var merged = await (await _viewer.GetAsync($"/api/v1/metrics/{service}/prod?from={Iso(T0)}&to={Iso(T0.AddMinutes(1))}&step=60")
            .EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        var one = Assert.Single(merged.GetProperty("points").EnumerateArray());
        Assert.Equal(220, one.GetProperty("requests").GetInt64());
        Assert.Equal(11.0, one.GetProperty("requestsPerSecond").GetDouble(), 9);
    }

    [Fact]
    public async Task Without_times_the_last_hour_is_read_at_ten_seconds()
    {
        var service = Names.Unique("metrics");
        await _factory.SeedTargetAsync(service, "prod");
        var body = await (await _viewer.GetAsync($"/api/v1/metrics/{service}/prod").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Equal(TimeSpan.FromHours(1), body.GetProperty("to").GetDateTimeOffset() - body.GetProperty("from").GetDateTimeOffset());
        Assert.Equal(10, body.GetProperty("stepSeconds").GetDouble());
        Assert.Equal(0, body.GetProperty("points").GetArrayLength());
        Assert.Equal(JsonValueKind.Array, body.GetProperty("markers").ValueKind);
    }

    [Theory]
    [InlineData("known", "prod", "from=2026-11-20T12:00:00Z&to=2026-11-20T11:00:00Z", "from")]
    [InlineData("known", "prod", "from=2026-10-01T00:00:00Z&to=2026-11-20T00:00:00Z&step=1h", "from")]
    [InlineData("known", "prod", "from=last%20week", "from")]
    [InlineData("known", "prod", "to=2026-13-01", "to")]
    [InlineData("known", "prod", "step=5s", "step")]
    [InlineData("known", "prod", "step=often", "step")]
    [InlineData("known", "prod", "from=2026-11-13T00:00:00Z&to=2026-11-20T00:00:00Z&step=10s", "step")]
    [InlineData("unknown", "prod", "", "service")]
    [InlineData("known", "moon", "", "environment")]
    [InlineData("Not%20A%20Service", "prod", "", "service")]
    public async Task Bad_input_is_a_problem_naming_the_parameter(string service, string environment, string query, string field)
    {
        var known = Names.Unique("metrics");
        await _factory.SeedTargetAsync(known, "prod");
        var path = $"/api/v1/metrics/{(service == "known" ? known : service == "unknown" ? Names.Unique("nothing") : service)}/{environment}?{query}";

        var response = await _viewer.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task The_console_samples_the_cluster_every_ten_seconds_and_the_api_shows_it()
    {
        var service = Names.Unique("metrics");
        var target = new ServiceEnvironment(service, "prod");
        await _factory.SeedTargetAsync(service, "prod");
        var cluster = _factory.Cluster;
        cluster.Traffic = (t, revision, now, window) => t == target
            ? new RevisionMetrics(t, revision, now - window, now, 200, 100, 5, 9, 20) { SlowerThan = new long[MetricBounds.LatencyBoundsMs.Count] }
            : new RevisionMetrics(t, revision, now - window, now, 0, 0, null, null, null);
        await cluster.DeployRevisionAsync(target, new RevisionSpec("1.2.0"));

        JsonElement point = default;
        await Wait.UntilAsync(async () =>
        {
            var body = await (await _viewer.GetAsync($"/api/v1/metrics/{service}/prod").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
            var points = body.GetProperty("points");
            if (points.GetArrayLength() == 0) return false;
            point = points[0];
            return true;
        }, "a sampled point", TimeSpan.FromSeconds(30));

        Assert.Equal(200, point.GetProperty("requests").GetInt64());
        Assert.Equal(0.5, point.GetProperty("errorRatio").GetDouble(), 9);
        Assert.Equal(20.0, point.GetProperty("requestsPerSecond").GetDouble(), 9);
    }
}
