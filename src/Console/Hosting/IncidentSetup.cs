using OpsConsole.Core.Incidents;

namespace OpsConsole.Console.Hosting;

public static class IncidentSetup
{
    /// <summary>
    /// Incidents; <c>OPS_INCIDENT_ON_PROD_ROLLBACK</c> (default true) opens one when a rollout rolls back in an
    /// environment listed in <c>OPS_INCIDENT_PROD_ENVIRONMENTS</c> (default <c>prod</c>).
    /// </summary>
    public static IServiceCollection AddConsoleIncidents(this IServiceCollection services, IConfiguration config) =>
        services.AddIncidents(IncidentSettings.From(config["OPS_INCIDENT_ON_PROD_ROLLBACK"], config["OPS_INCIDENT_PROD_ENVIRONMENTS"]));
}
