using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsConsole.Core.Config;
using OpsConsole.Core.Releases;

namespace OpsConsole.Core.Promotions;

public static class PromotionServices
{
    /// <summary>The promotion desk, plus stand-ins for a freeze calendar and a config store when the host registered none.</summary>
    public static IServiceCollection AddPromotions(this IServiceCollection services)
    {
        services.TryAddScoped<IFreezeCalendar, OpenFreezeCalendar>();
        services.TryAddScoped<IConfigSnapshots, StableConfigSnapshots>();
        services.AddScoped<PromotionDesk>();
        services.AddScoped<IPromotionRequests>(sp => sp.GetRequiredService<PromotionDesk>());
        return services;
    }
}
