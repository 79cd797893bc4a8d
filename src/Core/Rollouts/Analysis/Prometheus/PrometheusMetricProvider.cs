using System.Globalization;
using System.Text.Json;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Egress;

namespace OpsConsole.Core.Rollouts.Analysis.Prometheus;

/// <summary>
/// Measures <see cref="MetricSource.Prometheus"/> metrics with an instant query
/// (<c>POST /api/v1/query</c>) to the Prometheus in <see cref="PrometheusOptions"/>, and hands every
/// other metric to the provider it wraps. The result feeds the template's conditions as
/// <c>result</c>: a scalar, or a vector of exactly one sample. Like Argo Rollouts' Prometheus
/// provider, a failed query is an <c>Error</c> measurement (counted against the metric's
/// consecutive-error limit) and a result with nothing to judge is <c>Inconclusive</c> (counted
/// against its inconclusive limit):
/// <list type="bullet">
/// <item>Error: Prometheus unreachable or slow, an HTTP error, a query Prometheus rejects (its
/// message, e.g. a syntax error, is kept), several series where one was expected, a non-number.</item>
/// <item>Inconclusive: an empty vector (no series matched: usually no traffic yet) or NaN (0/0).</item>
/// </list>
/// The address comes only from configuration, the query goes in the request body: a template
/// cannot choose the server, path or parameters the console calls.
/// </summary>
public sealed class PrometheusMetricProvider(IMetricProvider inner, IHttpClientFactory http, PrometheusOptions options) : IMetricProvider
{
    public const string HttpClientName = "prometheus";

    public Task<MetricValue> MeasureAsync(AnalysisMetric metric, ServiceEnvironment target, string revision, CancellationToken ct) =>
        metric.Source == MetricSource.Prometheus ? QueryAsync(metric, target, revision, ct) : inner.MeasureAsync(metric, target, revision, ct);

    private async Task<MetricValue> QueryAsync(AnalysisMetric metric, ServiceEnvironment target, string revision, CancellationToken ct)
    {
        if (options.Address is not { } address)
            return MetricValue.Failed("No Prometheus is configured: an operator sets OPS_PROMETHEUS_URL.");
        string query;
        try
        {
            PromQlTemplate.Check(metric.Query, "query");
            query = PromQlTemplate.Render(metric.Query!, target, revision);
        }
        catch (Domain.InvalidInputException e)
        {
            return MetricValue.Failed(e.Message);
        }

        var where = SafeUrl.SchemeAndHost(address.ToString());
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = query,
            ["timeout"] = $"{Math.Max(1, (int)options.Timeout.TotalSeconds)}s",
        });
        try
        {
            using var response = await http.CreateClient(HttpClientName).PostAsync(new Uri(address, "api/v1/query"), form, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
                return MetricValue.Failed($"Prometheus at {where} answered {(int)response.StatusCode} with no JSON.");
            }
            using (doc)
                return Read(doc.RootElement, (int)response.StatusCode, where);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return MetricValue.Failed($"Prometheus at {where} could not be queried: {SafeUrl.Scrub(EgressPolicy.Describe(ex), address.ToString())}");
        }
    }

    /// <summary>Turns an answer of /api/v1/query into a measurement (public for the unit tests' answers).</summary>
    public static MetricValue Read(JsonElement root, int status, string where)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var s))
            return MetricValue.Failed($"Prometheus at {where} answered {status} with no status.");
        if (s.GetString() != "success")
        {
            var type = root.TryGetProperty("errorType", out var t) ? t.GetString() : "error";
            var error = root.TryGetProperty("error", out var e) ? e.GetString() : "no message";
            return MetricValue.Failed($"Prometheus rejected the query ({type}): {Shorten(error)}");
        }
        if (!root.TryGetProperty("data", out var data) || !data.TryGetProperty("resultType", out var rt) || !data.TryGetProperty("result", out var result))
            return MetricValue.Failed("Prometheus answered without data.");
        switch (rt.GetString())
        {
            case "scalar":
                return Sample(result);
            case "vector":
                var n = result.GetArrayLength();
                if (n == 0) return new MetricValue(null, "The query returned no series (no traffic or no matching metric yet).", TooFewRequests: true);
                if (n > 1)
                {
                    var labels = string.Join("; ", result.EnumerateArray().Take(3).Select(x => Labels(x.GetProperty("metric"))));
                    return MetricValue.Failed($"The query returned {n} series where one was expected (e.g. {labels}); aggregate it, e.g. with sum(...).");
                }
                return Sample(result[0].GetProperty("value"));
            default:
                return MetricValue.Failed($"The query returned a {rt.GetString()}; use an instant query whose result is a scalar or one series.");
        }
    }

    private static MetricValue Sample(JsonElement pair)
    {
        if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2 || pair[1].GetString() is not { } text)
            return MetricValue.Failed("Prometheus answered a sample that is not [time, value].");
        if (text is "NaN") return new MetricValue(null, "The query returned NaN (e.g. 0/0: no requests in the window).", TooFewRequests: true);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || double.IsInfinity(v))
            return MetricValue.Failed($"The query returned '{Shorten(text)}', which is not a finite number.");
        return MetricValue.Of(v);
    }

    private static string Labels(JsonElement metric) =>
        "{" + string.Join(",", metric.EnumerateObject().Select(p => $"{p.Name}=\"{p.Value.GetString()}\"")) + "}";

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 300 ? text : text[..300] + "…";
}
