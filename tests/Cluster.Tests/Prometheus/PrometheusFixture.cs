namespace OpsConsole.Cluster.Tests.Prometheus;

/// <summary>One real Prometheus scraping the ingress meters' /metrics every second, shared by a test class.</summary>
public sealed class PrometheusFixture : IAsyncLifetime
{
    public IngressMetricsEndpoint Metrics { get; private set; } = null!;
    public PrometheusProcess Prometheus { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Metrics = await IngressMetricsEndpoint.StartAsync();
        Prometheus = await PrometheusProcess.StartAsync(Metrics.Target);
    }

    public async Task DisposeAsync()
    {
        if (Prometheus is not null) await Prometheus.DisposeAsync();
        if (Metrics is not null) await Metrics.DisposeAsync();
    }
}
