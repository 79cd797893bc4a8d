using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Local;
using OpsConsole.Core.Egress;
using OpsConsole.Core.Events.Webhooks;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Hosting;

public static class EgressSetup
{
    /// <summary>
    /// The console's outbound HTTP (analysis checks, webhooks) behind one <see cref="EgressPolicy"/>:
    /// no loopback, private, link-local or metadata addresses except the hosts in OPS_EGRESS_ALLOW
    /// and the local cluster's own ingresses; no redirects; timeouts (5 s a check, 10 s a delivery).
    /// </summary>
    public static IServiceCollection AddConsoleEgress(this IServiceCollection services, ConsoleSettings settings)
    {
        EgressAllowlist allow;
        try
        {
            allow = EgressAllowlist.Parse(settings.EgressAllow);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"OPS_EGRESS_ALLOW: {e.Message} Write host or host:port entries separated by commas.", e);
        }
        services.AddSingleton(sp => new EgressPolicy(allow,
            () => sp.GetService<LocalClusterAdapter>() is { } local ? local.IngressEndpoints : []));
        services.AddEgressHttpClient(ClusterMetricProvider.HttpClientName, TimeSpan.FromSeconds(5));
        services.AddEgressHttpClient(WebhookSender.HttpClientName, TimeSpan.FromSeconds(10));
        return services;
    }
}
