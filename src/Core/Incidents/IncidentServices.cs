using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Events;

namespace OpsConsole.Core.Incidents;

public static class IncidentServices
{
    /// <summary>
    /// The incident desk (also the <see cref="IIncidentIntake"/> other capabilities open incidents through)
    /// and the sink that opens one on a rollback in prod. Runbook matching and alert lookup are used
    /// when their capabilities registered them.
    /// </summary>
    public static IServiceCollection AddIncidents(this IServiceCollection services, IncidentSettings settings)
    {
        services.AddSingleton(settings);
        services.AddScoped<IncidentDesk>();
        services.AddScoped<IIncidentIntake>(sp => sp.GetRequiredService<IncidentDesk>());
        services.AddSingleton<IEventSink, ProdRollbackIncidents>();
        return services;
    }
}
