using OpsConsole.Console.Jobs;
using OpsConsole.Core.Metrics;

namespace OpsConsole.Console.Hosting;

public static class MetricsSetup
{
    /// <summary>
    /// The ingress metric history: every revision the cluster runs sampled every 10 s into the store,
    /// rolled up to 5 min after a day and kept 30 days; read by dashboards, SLOs and the metrics API.
    /// </summary>
    public static IServiceCollection AddConsoleMetrics(this IServiceCollection services)
    {
        services.AddMetricHistory();
        services.AddHostedService<MetricSamplerService>();
        return services;
    }
}
