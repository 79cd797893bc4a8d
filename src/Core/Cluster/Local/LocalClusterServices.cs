using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OpsConsole.Core.Cluster.Local;

public static class LocalClusterServices
{
    /// <summary>
    /// Registers the local cluster as the <see cref="IClusterAdapter"/> and its traffic generator as the
    /// <see cref="ITrafficGenerator"/>, plus a hosted service that creates the cluster when the host
    /// starts (which reaps instances a previous run left behind) and stops every instance and ingress
    /// when the host stops. A registered TimeProvider stamps revisions and the ingress's traffic record
    /// (metric windows, so analysis and metrics agree on the time); supervision always runs on the real
    /// clock: it watches real processes.
    /// </summary>
    public static IServiceCollection AddLocalCluster(this IServiceCollection services, Func<IServiceProvider, LocalClusterOptions> options)
    {
        services.AddSingleton(sp => new LocalClusterAdapter(options(sp), sp.GetService<ILogger<LocalClusterAdapter>>(), sp.GetService<TimeProvider>(), sp.GetService<IWorkloadSecrets>()));
        services.AddSingleton<IClusterAdapter>(sp => sp.GetRequiredService<LocalClusterAdapter>());
        // Replaced by the config store's resolver where secrets are kept.
        services.TryAddSingleton<IWorkloadSecrets, NoWorkloadSecrets>();
        services.AddSingleton(sp => new TrafficGenerator(sp.GetRequiredService<IClusterAdapter>(), sp.GetService<ILogger<TrafficGenerator>>()));
        services.AddSingleton<ITrafficGenerator>(sp => sp.GetRequiredService<TrafficGenerator>());
        services.AddHostedService<LocalClusterLifetime>();
        return services;
    }

    private sealed class LocalClusterLifetime(IServiceProvider services) : IHostedService
    {
        // Held from the start, so stopping never asks a service provider that may already be torn down.
        private LocalClusterAdapter? _cluster;
        private TrafficGenerator? _traffic;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _cluster = services.GetRequiredService<LocalClusterAdapter>();
            _traffic = services.GetRequiredService<TrafficGenerator>();
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (_traffic is not null) await _traffic.DisposeAsync();
            if (_cluster is not null) await _cluster.DisposeAsync();
        }
    }
}
