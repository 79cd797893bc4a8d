using OpsConsole.Console.Jobs;
using OpsConsole.Core.Slo;

namespace OpsConsole.Console.Hosting;

public static class SloSetup
{
    /// <summary>SLOs, their status over the metric history, the burn-rate evaluator (every 30 s) and the error budgets the promotion gate asks.</summary>
    public static IServiceCollection AddConsoleSlos(this IServiceCollection services)
    {
        services.AddSlos();
        services.AddHostedService<SloBurnService>();
        return services;
    }
}
