using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsConsole.Console.Jobs;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Metrics;
using OpsConsole.Core.Slo;

namespace OpsConsole.Console.Hosting;

public static class SloSetup
{
    /// <summary>SLOs, their status over the metric history, the burn-rate evaluator (every 30 s) and the error budgets the promotion gate asks.</summary>
    public static IServiceCollection AddConsoleSlos(this IServiceCollection services)
    {
        services.AddSlos();
        // placeholder until the metric history lands: no history, so every SLO reads as without traffic.
        services.TryAddScoped<IMetricHistory, NoMetricHistory>();
        services.AddHostedService<SloBurnService>();
        return services;
    }

    /// <summary>placeholder until the metric history lands.</summary>
    private sealed class NoMetricHistory : IMetricHistory
    {
        public Task<IReadOnlyList<MetricSeriesPoint>> RangeAsync(ServiceEnvironment target, DateTimeOffset from, DateTimeOffset to, TimeSpan step, CancellationToken ct = default) =>
            Task.FromResult<IReadOnlyList<MetricSeriesPoint>>([]);

        public Task<SliTotals> TotalsAsync(ServiceEnvironment target, DateTimeOffset from, DateTimeOffset to, double? latencyThresholdMs = null, CancellationToken ct = default) =>
            Task.FromResult(default(SliTotals));
    }
}
