using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Rollouts.Analysis;
using OpsConsole.Core.Rollouts.Analysis.Prometheus;
using OpsConsole.Cluster.Tests.Rollouts;

namespace OpsConsole.Cluster.Tests.Prometheus;

/// <summary>
/// Canaries on the real local cluster judged by a PromQL error ratio that a real Prometheus computes
/// from the ingress's request counters, scraped every second.
/// </summary>
public sealed class PrometheusAnalysisTests(PrometheusFixture fixture) : IClassFixture<PrometheusFixture>
{
    public const string TemplateName = "prom-error-ratio";

    /// <summary>5xx share of the revision's requests over 5 s; no 5xx series yet counts as 0 errors.</summary>
    public const string ErrorRatio =
        "(sum(rate(opsconsole_ingress_server_errors_total{service=\"{{service}}\",environment=\"{{environment}}\",revision=\"{{revision}}\"}[5s])) or vector(0))" +
        " / sum(rate(opsconsole_ingress_requests_total{service=\"{{service}}\",environment=\"{{environment}}\",revision=\"{{revision}}\"}[5s]))";

    private static readonly AnalysisTemplate Template = new()
    {
        Name = TemplateName,
        Metrics =
        [
            new AnalysisMetric
            {
                Name = "error-ratio", Source = MetricSource.Prometheus, Query = ErrorRatio,
                InitialDelay = TimeSpan.FromSeconds(4), Interval = TimeSpan.FromSeconds(2), Count = 3,
                SuccessCondition = "result <= 0.05", FailureLimit = 0, InconclusiveLimit = 2,
            },
        ],
    };

    private const string Strategy = """{"canary":{"steps":[{"setWeight":50},{"analysis":"prom-error-ratio"},{"setWeight":100}]}}""";

    private RolloutHarness NewHarness() =>
        new(configure: s => s.AddPrometheusAnalysis(PrometheusOptions.From(fixture.Prometheus.Address.ToString())));

    private static async Task SeedTemplateAsync(RolloutHarness h)
    {
        await using var db = h.NewContext();
        db.AnalysisTemplates.Add(new StoredAnalysisTemplate
        {
            Name = TemplateName, Version = 1, Json = JsonSerializer.Serialize(Template), CreatedBy = "test", CreatedAt = DateTime.UtcNow,
        });
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task A_healthy_canary_judged_by_a_PromQL_error_ratio_completes()
    {
        var target = new ServiceEnvironment("promok", "dev");
        await using var h = NewHarness();
        await h.SeedAsync(target);
        await SeedTemplateAsync(h);
        var rollout = await h.StartAsync(target, "1.1.0", Strategy);

        var done = await h.ReconcileUntilAsync(rollout.Id, r => r.IsFinished, "the canary finishes");
        Assert.Equal(RolloutPhase.Healthy, done.Phase);
        var run = Assert.Single(done.AnalysisRuns);
        Assert.Equal(AnalysisPhase.Successful, run.Phase);
        // Prometheus computed the ratio from scraped traffic: at least one measurement is a real 0, none failed.
        Assert.Contains(run.Measurements, m => m.Phase == MeasurementPhase.Successful && m.Value == 0);
        Assert.DoesNotContain(run.Measurements, m => m.Phase is MeasurementPhase.Failed or MeasurementPhase.Error);
        Assert.Equal(new Dictionary<string, int> { ["1.1.0"] = 20 }, await h.VersionsThroughIngressAsync(target, 20));
    }

    [Fact]
    public async Task A_canary_with_a_high_FAULT_ERROR_RATE_is_rolled_back_on_the_PromQL_error_ratio()
    {
        var target = new ServiceEnvironment("prombad", "dev");
        await using var h = NewHarness();
        await h.SeedAsync(target);
        await SeedTemplateAsync(h);
        var rollout = await h.StartAsync(target, "1.2.0", Strategy, new() { ["FAULT_ERROR_RATE"] = "0.6" });

        var done = await h.ReconcileUntilAsync(rollout.Id, r => r.IsFinished, "the bad canary is decided");
        Assert.Equal(RolloutPhase.Aborted, done.Phase);
        Assert.Contains("error-ratio", done.AbortReason);
        var failed = done.AnalysisRuns.SelectMany(a => a.Measurements).Where(m => m.Phase == MeasurementPhase.Failed).ToList();
        Assert.NotEmpty(failed);
        Assert.All(failed, m => Assert.InRange(m.Value!.Value, 0.3, 0.9));
        Assert.Equal(new Dictionary<string, int> { ["1.0.0"] = 30 }, await h.VersionsThroughIngressAsync(target, 30));
        await using var db = h.NewContext();
        Assert.Single(await db.OutboxEvents.Where(e => e.Type == EventTypes.RollbackExecuted).ToListAsync());
    }

    [Fact]
    public async Task Query_errors_several_series_empty_results_and_scalars_map_to_error_inconclusive_and_values()
    {
        var provider = Provider(fixture.Prometheus.Address.ToString());
        var target = new ServiceEnvironment("checkout", "dev");
        Task<MetricValue> Measure(string query) => provider.MeasureAsync(Metric(query), target, "1.0.0", CancellationToken.None);

        var syntax = await Measure("sum(rate(up[1m]");
        Assert.Null(syntax.Value);
        Assert.False(syntax.TooFewRequests);
        Assert.Contains("bad_data", syntax.Error);
        Assert.Contains("parse error", syntax.Error);

        var several = await Measure("label_replace(vector(1), \"a\", \"x\", \"\", \"\") or label_replace(vector(2), \"a\", \"y\", \"\", \"\")");
        Assert.Null(several.Value);
        Assert.Contains("2 series where one was expected", several.Error);

        var empty = await Measure("up{job=\"{{service}}\"}");
        Assert.True(empty.TooFewRequests);
        Assert.Contains("no series", empty.Error);

        var nan = await Measure("scalar(vector(0)) / 0");
        Assert.True(nan.TooFewRequests);

        Assert.Equal(0.25, (await Measure("scalar(vector(0.25))")).Value);
        Assert.Equal(1, (await Measure("sum(up{job=\"ingress\"})")).Value);

        var matrix = await Measure("up[10s]");
        Assert.Contains("matrix", matrix.Error);

        var unreachable = await Provider($"http://127.0.0.1:{PrometheusProcess.FreePort()}/").MeasureAsync(Metric("vector(1)"), target, "1.0.0", CancellationToken.None);
        Assert.Null(unreachable.Value);
        Assert.False(unreachable.TooFewRequests);
        Assert.Contains("could not be queried", unreachable.Error);
    }

    [Fact]
    public async Task A_variable_cannot_break_out_of_its_string_literal()
    {
        var provider = Provider(fixture.Prometheus.Address.ToString());
        var target = new ServiceEnvironment("checkout", "dev");
        // Unescaped, this revision would close the literal and turn the query into "... or vector(1)".
        const string revision = "x\"} or vector(1) or up{job=\"y";
        var value = await provider.MeasureAsync(Metric("up{revision=\"{{revision}}\"}"), target, revision, CancellationToken.None);
        Assert.True(value.TooFewRequests, value.Error);
        Assert.Equal("up{revision=\"x\\\"} or vector(1) or up{job=\\\"y\"}", PromQlTemplate.Render("up{revision=\"{{revision}}\"}", target, revision));
    }

    [Fact]
    public async Task A_template_cannot_choose_the_server_the_console_queries()
    {
        // A listener standing for an internal server a template author would like the console to call.
        using var other = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        other.Start();
        var otherUrl = $"http://127.0.0.1:{((System.Net.IPEndPoint)other.LocalEndpoint).Port}/";
        var target = new ServiceEnvironment("checkout", "dev");
        var sneaky = Metric("vector(0.5)") with { Url = otherUrl, JsonPath = "$.x" };

        var configured = await Provider(fixture.Prometheus.Address.ToString()).MeasureAsync(sneaky, target, "1.0.0", CancellationToken.None);
        Assert.Equal(0.5, configured.Value);

        // Parameters smuggled into the query stay inside the one form field: Prometheus sees one bad query.
        var smuggled = await Provider(fixture.Prometheus.Address.ToString()).MeasureAsync(Metric("vector(1)&query=up&time=0"), target, "1.0.0", CancellationToken.None);
        Assert.Contains("parse error", smuggled.Error);

        var none = await Provider(null).MeasureAsync(sneaky, target, "1.0.0", CancellationToken.None);
        Assert.Contains("No Prometheus is configured", none.Error);
        Assert.False(other.Pending(), "the console connected to the address a template named");
        Assert.Throws<Core.Domain.InvalidInputException>(() => new AnalysisTemplate { Name = "t", Metrics = [Metric("up{job=\"{{secret}}\"}")] }.Compile());
        Assert.Throws<Core.Domain.InvalidInputException>(() => new AnalysisTemplate { Name = "t", Metrics = [Metric(" ")] }.Compile());
    }

    private static AnalysisMetric Metric(string query) => new()
    {
        Name = "q", Source = MetricSource.Prometheus, Query = query, SuccessCondition = "result < 1",
    };

    private static IMetricProvider Provider(string? address)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IMetricProvider>(new NoMetrics());
        services.AddPrometheusAnalysis(PrometheusOptions.From(address));
        return services.BuildServiceProvider().GetRequiredService<IMetricProvider>();
    }

    private sealed class NoMetrics : IMetricProvider
    {
        public Task<MetricValue> MeasureAsync(AnalysisMetric metric, ServiceEnvironment target, string revision, CancellationToken ct) =>
            Task.FromResult(MetricValue.Failed("not a Prometheus metric"));
    }
}
