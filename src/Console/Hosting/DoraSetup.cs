using OpsConsole.Core.Dora;

namespace OpsConsole.Console.Hosting;

public static class DoraSetup
{
    /// <summary>
    /// DORA metrics; production is the environments in <c>OPS_DORA_PROD_ENVIRONMENTS</c>, else
    /// <c>OPS_INCIDENT_PROD_ENVIRONMENTS</c>, else <c>prod</c> (comma-separated). With the demo on, a
    /// few weeks of past releases and deploys of the demo services are written on first start, after
    /// the releases' own demo seeding (see <see cref="DemoSetup"/>).
    /// </summary>
    public static IServiceCollection AddConsoleDora(this IServiceCollection services, IConfiguration config)
    {
        services.AddSingleton(DoraSettings.From(config["OPS_DORA_PROD_ENVIRONMENTS"], config["OPS_INCIDENT_PROD_ENVIRONMENTS"]));
        return services;
    }
}
