using OpsConsole.Console.Jobs;
using OpsConsole.Core.Cluster.Local;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Hosting;

public static class RolloutSetup
{
    /// <summary>Rollouts on the local cluster (real processes behind an in-process ingress): the embedded default.</summary>
    public static IServiceCollection AddConsoleRollouts(this IServiceCollection services, ConsoleSettings settings)
    {
        services.AddLocalCluster(_ => new LocalClusterOptions { DataDirectory = settings.DataDirectory });
        services.AddSingleton<IMetricProvider, ClusterMetricProvider>();
        services.AddRolloutEngine();
        services.AddHostedService<RolloutReconcilerService>();
        return services;
    }
}
