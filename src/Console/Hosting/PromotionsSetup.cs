using OpsConsole.Console.Jobs;
using OpsConsole.Core.Promotions;

namespace OpsConsole.Console.Hosting;

public static class PromotionsSetup
{
    /// <summary>
    /// Promotions: the desk, the minute job (Hangfire) and the watcher that moves promotions on when checks
    /// arrive or rollouts change. Stand-ins for the freeze calendar and config store apply only when none is registered.
    /// </summary>
    public static IServiceCollection AddConsolePromotions(this IServiceCollection services)
    {
        services.AddPromotions();
        services.AddTransient<PromotionTickJob>();
        services.AddHostedService<PromotionWatcher>();
        return services;
    }
}
