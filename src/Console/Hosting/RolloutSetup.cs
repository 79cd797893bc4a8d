using OpsConsole.Console.Jobs;
using OpsConsole.Core.Replicas;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Hosting;

public static class RolloutSetup
{
    /// <summary>Rollouts on the cluster and metric sources <see cref="ClusterSetup.AddConsoleCluster"/> registered.</summary>
    public static IServiceCollection AddConsoleRollouts(this IServiceCollection services, ConsoleSettings settings)
    {
        if (settings.SharedStore)
        {
            services.AddSingleton(new ReplicaLeaseOptions
            {
                Replica = $"{settings.InstanceName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}",
                RolloutsFollowCluster = !settings.SpreadRollouts,
            });
            services.AddSingleton<IRolloutLeases, StoreLeases>();
            // Registered before the reconciler's service, so it stops after it: the leases are handed over once no pass runs.
            services.AddHostedService<ReplicaLeaseHandover>();
            services.AddHealthChecks().AddCheck<ReplicaReadyCheck>("replica", tags: ["ready"]);
        }
        services.AddRolloutEngine();
        services.AddHostedService<RolloutReconcilerService>();
        return services;
    }
}
