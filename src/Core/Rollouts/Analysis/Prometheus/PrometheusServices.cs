using Microsoft.Extensions.DependencyInjection;

namespace OpsConsole.Core.Rollouts.Analysis.Prometheus;

public static class PrometheusServices
{
    /// <summary>
    /// Wraps the registered <see cref="IMetricProvider"/> so Prometheus metrics are measured against
    /// <paramref name="options"/>' address (register the base provider first). The named HttpClient
    /// goes only to that configured address: no proxy, no redirects, a whole-request timeout, a
    /// bounded answer and no request logging.
    /// </summary>
    public static IServiceCollection AddPrometheusAnalysis(this IServiceCollection services, PrometheusOptions options)
    {
        var baseProvider = services.LastOrDefault(d => d.ServiceType == typeof(IMetricProvider))
            ?? throw new InvalidOperationException("Register the base IMetricProvider before AddPrometheusAnalysis.");
        services.Remove(baseProvider);
        services.AddSingleton(options);
        services.AddHttpClient(PrometheusMetricProvider.HttpClientName, c =>
            {
                c.Timeout = options.Timeout + TimeSpan.FromSeconds(2);
                c.MaxResponseContentBufferSize = Egress.EgressServices.MaxResponseBytes;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
                ConnectTimeout = TimeSpan.FromSeconds(3),
                PooledConnectionLifetime = TimeSpan.FromMinutes(1),
                ActivityHeadersPropagator = null,
            })
            .RemoveAllLoggers();
        services.AddSingleton<IMetricProvider>(sp => new PrometheusMetricProvider(Inner(sp, baseProvider),
            sp.GetRequiredService<IHttpClientFactory>(), options));
        return services;
    }

    private static IMetricProvider Inner(IServiceProvider sp, ServiceDescriptor d) =>
        d.ImplementationInstance as IMetricProvider
        ?? (d.ImplementationFactory is { } f ? (IMetricProvider)f(sp)
            : (IMetricProvider)ActivatorUtilities.CreateInstance(sp, d.ImplementationType!));
}
