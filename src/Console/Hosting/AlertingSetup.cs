using OpsConsole.Console.Jobs;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;

namespace OpsConsole.Console.Hosting;

public static class AlertingSetup
{
    /// <summary>Who may post alerts: OnCall, Admin, or a token made for alert ingestion only (which may do nothing else).</summary>
    public const string IngestPolicy = "ingest-alerts";

    /// <summary>Alert ingestion, routing, silences, and the dispatcher loop that sends group notifications.</summary>
    public static IServiceCollection AddConsoleAlerting(this IServiceCollection services)
    {
        services.AddAlerting();
        services.AddAuthorizationBuilder().AddPolicy(IngestPolicy, p => p.RequireAuthenticatedUser().RequireRole(AlertIngestion.IngestRoles));
        services.AddHostedService<AlertDispatcherService>();
        return services;
    }
}
