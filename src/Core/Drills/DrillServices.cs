using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OpsConsole.Core.Drills;

public static class DrillServices
{
    /// <summary>The drill desk; the host replaces <see cref="IDrillScheduler"/> with its job server's.</summary>
    public static IServiceCollection AddDrills(this IServiceCollection services)
    {
        services.AddScoped<DrillDesk>();
        services.TryAddSingleton<IDrillScheduler, NoDrillScheduler>();
        return services;
    }
}
