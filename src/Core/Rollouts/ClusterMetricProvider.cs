using OpsConsole.Core.Cluster;
using OpsConsole.Core.Rollouts.Analysis;

namespace OpsConsole.Core.Rollouts;

/// <summary>
/// Reads the built-in ingress metrics through the cluster adapter, and HTTP JSON checks with the
/// named HttpClient, which the host registers behind the egress policy (Egress.EgressServices). The window of an ingress measurement is the metric's interval.
/// </summary>
public sealed class ClusterMetricProvider(IClusterAdapter cluster, IHttpClientFactory http) : IMetricProvider
{
    public const string HttpClientName = "analysis";

    public async Task<MetricValue> MeasureAsync(AnalysisMetric metric, ServiceEnvironment target, string revision, CancellationToken ct)
    {
        if (metric.Source == MetricSource.HttpJson) return await MeasureHttpAsync(metric, ct);
        var m = await cluster.GetRevisionMetricsAsync(target, revision, metric.Interval, ct);
        if (m.Requests < Math.Max(1, metric.MinimumRequests))
            return new MetricValue(null, $"{m.Requests} requests in {Durations.Format(metric.Interval)}, fewer than the {Math.Max(1, metric.MinimumRequests)} needed to judge", TooFewRequests: true);
        double? value = metric.Source switch
        {
            MetricSource.IngressSuccessRate => m.SuccessRate,
            MetricSource.IngressErrorRate => m.ErrorRate,
            MetricSource.IngressLatencyP50Ms => m.LatencyP50Ms,
            MetricSource.IngressLatencyP90Ms => m.LatencyP90Ms,
            MetricSource.IngressLatencyP99Ms => m.LatencyP99Ms,
            _ => null,
        };
        return value is { } v ? MetricValue.Of(v) : MetricValue.Failed("The ingress reported no value.");
    }

    private async Task<MetricValue> MeasureHttpAsync(AnalysisMetric metric, CancellationToken ct)
    {
        // Measurements are shown to every reader: name the server, not a path or query that may hold a token.
        var where = Egress.SafeUrl.SchemeAndHost(metric.Url);
        try
        {
            using var response = await http.CreateClient(HttpClientName).GetAsync(metric.Url, ct);
            if (!response.IsSuccessStatusCode) return MetricValue.Failed($"{where} answered {(int)response.StatusCode}.");
            using var doc = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            return JsonPathNumber.Read(doc.RootElement, metric.JsonPath!) is { } v
                ? MetricValue.Of(v)
                : MetricValue.Failed($"No number at {metric.JsonPath} in the answer of {where}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !ct.IsCancellationRequested)
        {
            return MetricValue.Failed(Egress.SafeUrl.Scrub(ex is System.Text.Json.JsonException ? $"The answer of {where} is not JSON." : Egress.EgressPolicy.Describe(ex), metric.Url));
        }
    }
}
