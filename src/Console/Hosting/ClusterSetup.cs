using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Kubernetes;
using OpsConsole.Core.Cluster.Local;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Rollouts.Analysis.Prometheus;

namespace OpsConsole.Console.Hosting;

public static class ClusterSetup
{
    /// <summary>
    /// The cluster each environment runs on and where analysis reads metrics. Default: every
    /// environment on the embedded local cluster. With OPS_CLUSTER=kubernetes the environments in
    /// OPS_KUBERNETES_ENVIRONMENTS run on Kubernetes (connection and namespace per environment, see
    /// <see cref="KubernetesSettings"/>), the rest stay local. OPS_PROMETHEUS_URL adds Prometheus as
    /// an analysis source. Register before the rollouts.
    /// </summary>
    public static IServiceCollection AddConsoleCluster(this IServiceCollection services, IConfiguration configuration, ConsoleSettings settings)
    {
        var kubernetes = KubernetesSettings.From(key => configuration[key]);
        services.AddSingleton(kubernetes);
        services.AddLocalCluster(_ => new LocalClusterOptions { DataDirectory = settings.DataDirectory });
        if (kubernetes.Enabled)
        {
            services.AddSingleton(sp => new KubernetesClusterAdapter(kubernetes.Environments.Select(kubernetes.OptionsFor).ToList(), KubernetesConnections.Create,
                sp.GetService<IWorkloadSecrets>(), sp.GetService<ILogger<KubernetesClusterAdapter>>(), sp.GetService<TimeProvider>()));
            // The last registration wins: environments on Kubernetes go there, the rest to the local cluster.
            services.AddSingleton<IClusterAdapter>(sp => new ClusterByEnvironment(sp.GetRequiredService<LocalClusterAdapter>(), sp.GetRequiredService<KubernetesClusterAdapter>()));
        }
        services.AddScoped<ManifestPreview>();
        services.AddSingleton<IMetricProvider, ClusterMetricProvider>();
        services.AddPrometheusAnalysis(PrometheusOptions.From(configuration["OPS_PROMETHEUS_URL"]));
        return services;
    }
}
