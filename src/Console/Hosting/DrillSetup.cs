using OpsConsole.Console.Jobs;
using OpsConsole.Core.Drills;

namespace OpsConsole.Console.Hosting;

public static class DrillSetup
{
    /// <summary>Rollback drills: the desk, one Hangfire recurring job per enabled drill, and the follower that scores runs.</summary>
    public static IServiceCollection AddConsoleDrills(this IServiceCollection services)
    {
        services.AddSingleton<IDrillScheduler, HangfireDrillScheduler>();
        services.AddDrills();
        services.AddTransient<DrillJob>();
        services.AddHostedService<DrillFollower>();
        return services;
    }
}
