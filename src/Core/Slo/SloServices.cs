using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OpsConsole.Core.Slo;

public static class SloServices
{
    /// <summary>The SLO catalogue, the meter (<see cref="ISloBurn"/>, <see cref="IErrorBudgets"/>; scoped, over the registered metric history) and the burn-rate evaluator.</summary>
    public static IServiceCollection AddSlos(this IServiceCollection services)
    {
        services.TryAddSingleton<SloUpdates>();
        services.AddScoped<SloCatalog>();
        services.AddScoped<SloMeter>();
        services.AddScoped<ISloBurn>(sp => sp.GetRequiredService<SloMeter>());
        services.AddScoped<IErrorBudgets>(sp => sp.GetRequiredService<SloMeter>());
        services.AddScoped<SloBurnEvaluator>();
        return services;
    }
}
