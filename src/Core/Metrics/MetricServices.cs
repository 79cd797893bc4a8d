using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OpsConsole.Core.Metrics;

public static class MetricServices
{
    /// <summary>
    /// The metric history over the registered store, cluster and clock: <see cref="IMetricHistory"/>
    /// (scoped), dashboards, the sampler and the retention pass (singletons: they make their own
    /// store contexts), and <see cref="MetricUpdates"/> for live pages.
    /// </summary>
    public static IServiceCollection AddMetricHistory(this IServiceCollection services)
    {
        services.TryAddSingleton<MetricUpdates>();
        services.AddScoped<MetricHistory>();
        services.AddScoped<IMetricHistory>(sp => sp.GetRequiredService<MetricHistory>());
        services.AddScoped<MetricDashboards>();
        services.AddSingleton<MetricSampler>();
        services.AddSingleton<MetricRetention>();
        return services;
    }
}
