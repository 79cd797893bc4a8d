using Microsoft.Extensions.DependencyInjection;

namespace OpsConsole.Core.Egress;

public static class EgressServices
{
    /// <summary>The most an analysis check's or a receiver's answer may be; the console reads a number or a status, not documents.</summary>
    public const long MaxResponseBytes = 1024 * 1024;

    /// <summary>
    /// A named HttpClient whose connections go through the registered <see cref="EgressPolicy"/>
    /// (register one first), with a whole-request timeout, a bounded answer and no request logging:
    /// the factory's default loggers write the full URL, which may hold a credential.
    /// </summary>
    public static IHttpClientBuilder AddEgressHttpClient(this IServiceCollection services, string name, TimeSpan timeout) =>
        services.AddHttpClient(name, c =>
            {
                c.Timeout = timeout;
                c.MaxResponseContentBufferSize = MaxResponseBytes;
            })
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<EgressPolicy>().CreateHandler())
            .RemoveAllLoggers();
}
