using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Jobs;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Local;
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

    /// <summary>Seeds the templates (always) and, with the demo on, the demo services; starts demo traffic.</summary>
    public static async Task SeedRolloutsAsync(this IServiceProvider services, ConsoleSettings settings, CancellationToken ct = default)
    {
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
            await DemoSeed.EnsureAsync(db, settings.Demo, DateTime.UtcNow, ct);
        }
        if (!settings.Demo || settings.DemoRequestsPerSecond <= 0) return;
        var traffic = services.GetRequiredService<ITrafficGenerator>();
        await using var s = services.CreateAsyncScope();
        foreach (var t in await s.ServiceProvider.GetRequiredService<OpsDbContext>().DeployTargets.AsNoTracking().ToListAsync(ct))
            traffic.SetLoad(t.Target, new TrafficLoad(settings.DemoRequestsPerSecond));
    }
}
