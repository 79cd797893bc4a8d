namespace OpsConsole.Core.Rollouts.Analysis.Prometheus;

/// <summary>
/// Where the console's Prometheus is (OPS_PROMETHEUS_URL). Only an operator sets it: templates hold
/// a query, never an address, so whoever writes a template cannot make the console fetch a URL.
/// </summary>
public sealed class PrometheusOptions
{
    /// <summary>The Prometheus base address, e.g. <c>http://prometheus.monitoring:9090/</c>; null: no Prometheus.</summary>
    public Uri? Address { get; init; }

    /// <summary>A query that takes longer counts as an error (Prometheus is also told this timeout).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Parses OPS_PROMETHEUS_URL; throws naming the setting when it is not an absolute http(s) URL.</summary>
    public static PrometheusOptions From(string? address, TimeSpan? timeout = null)
    {
        if (string.IsNullOrWhiteSpace(address)) return new PrometheusOptions();
        if (!Uri.TryCreate(address.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query))
            throw new InvalidOperationException("OPS_PROMETHEUS_URL must be an absolute http(s) URL without a query, e.g. http://prometheus:9090/.");
        if (!uri.AbsolutePath.EndsWith('/')) uri = new Uri(uri + "/");
        return new PrometheusOptions { Address = uri, Timeout = timeout ?? TimeSpan.FromSeconds(10) };
    }
}
