using OpsConsole.Console.Jobs;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Hosting;

public static class RolloutSetup
{
    /// <summary>Rollouts on the cluster and metric sources <see cref="ClusterSetup.AddConsoleCluster"/> registered.</summary>
    public static IServiceCollection AddConsoleRollouts(this IServiceCollection services, ConsoleSettings settings)
    {
        services.AddRolloutEngine();
        services.AddHostedService<RolloutReconcilerService>();
        return services;
    }
}
