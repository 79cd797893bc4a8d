using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Metrics;

namespace OpsConsole.Console.Api;

/// <summary>A service/environment's ingress series: points overall and per revision, with the events marked on the time axis.</summary>
public sealed record MetricsView(string Service, string Environment, DateTimeOffset From, DateTimeOffset To, double StepSeconds,
    IReadOnlyList<MetricPointView> Points, IReadOnlyList<RevisionPointsView> Revisions, IReadOnlyList<MetricMarkerView> Markers);

public sealed record MetricPointView(DateTimeOffset At, long Requests, long Errors5xx, double RequestsPerSecond, double? ErrorRatio,
    double? LatencyP50Ms, double? LatencyP90Ms, double? LatencyP99Ms);

public sealed record RevisionPointsView(string Revision, IReadOnlyList<MetricPointView> Points);

public sealed record MetricMarkerView(DateTimeOffset At, string Type, string Kind, string Text, string EventId);

public static class MetricsApi
{
    public static RouteGroupBuilder MapMetricsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/metrics/{service}/{environment}", Get).WithTags("Metrics").WithName("GetServiceMetrics")
            .WithSummary("A service/environment's ingress metrics over time, overall and per revision, with deploys, rollbacks, migrations and incidents marked")
            .WithDescription("Any role. from and to: ISO 8601 times (default the last hour); step: 10s, 1m, 5m, 1h or seconds (default 10s; raised to 5m " +
                             "where the range reaches points older than a day, which are kept at 5 min). Each point: requests, 5xx, requests per second, " +
                             "error ratio and latency p50/p90/p99 in ms (null when there were no requests; over several stored steps the " +
                             "request-weighted mean). Steps with nothing measured are left out. 400 naming the parameter for a bad time, from not " +
                             "before to, more than 30 days, a step under 10 s, more than 2000 points, or a service/environment the console does not deploy.")
            .ProducesValidationProblem();
        return api;
    }

    private static async Task<Ok<MetricsView>> Get(string service, string environment, string? from, string? to, string? step,
        MetricDashboards dashboards, TimeProvider clock, CancellationToken ct)
    {
        var range = MetricRange.Parse(from, to, step, clock.GetUtcNow());
        var d = await dashboards.ReadAsync(service, environment, range, ct);
        return TypedResults.Ok(new MetricsView(d.Service, d.Environment, d.From, d.To, d.Step.TotalSeconds,
            d.Overall.Select(View).ToList(),
            d.Revisions.Select(r => new RevisionPointsView(r.Revision, r.Points.Select(View).ToList())).ToList(),
            d.Markers.Select(m => new MetricMarkerView(m.At, m.Type, m.Kind, m.Text, m.EventId)).ToList()));
    }

    private static MetricPointView View(MetricSeriesPoint p) =>
        new(p.At, p.Requests, p.Errors5xx, Math.Round(p.RequestsPerSecond, 3), p.ErrorRatio, Round(p.LatencyP50Ms), Round(p.LatencyP90Ms), Round(p.LatencyP99Ms));

    private static double? Round(double? ms) => ms is { } v ? Math.Round(v, 2) : null;
}
