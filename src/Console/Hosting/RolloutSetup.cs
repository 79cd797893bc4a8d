using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Jobs;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Local;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Hosting;

public static class RolloutSetup
{
    /// <summary>Rollouts on the local cluster (real processes behind an in-process ingress): the embedded default.</summary>
    public static IServiceCollection AddConsoleRollouts(this IServiceCollection services, ConsoleSettings settings)
    {
        services.AddSingleton(sp => new LocalClusterAdapter(
            new LocalClusterOptions { DataDirectory = settings.DataDirectory },
            sp.GetRequiredService<ILogger<LocalClusterAdapter>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IClusterAdapter>(sp => sp.GetRequiredService<LocalClusterAdapter>());
        services.AddSingleton(sp => new TrafficGenerator(sp.GetRequiredService<IClusterAdapter>(), sp.GetRequiredService<ILogger<TrafficGenerator>>()));
        services.AddSingleton<ITrafficGenerator>(sp => sp.GetRequiredService<TrafficGenerator>());
        services.AddSingleton<IMetricProvider, ClusterMetricProvider>();
        services.AddRolloutEngine();
        services.AddHostedService<RolloutReconcilerService>();
        return services;
    }
}
