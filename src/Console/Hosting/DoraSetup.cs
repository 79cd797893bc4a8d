using OpsConsole.Core.Dora;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Hosting;

public static class DoraSetup
{
    /// <summary>
    /// DORA metrics; production is the environments in <c>OPS_DORA_PROD_ENVIRONMENTS</c>, else
    /// <c>OPS_INCIDENT_PROD_ENVIRONMENTS</c>, else <c>prod</c> (comma-separated). With the demo on, a
    /// few weeks of past releases and deploys of the demo services are written on start (once).
    /// Register it after the releases so their demo seeding, which only runs on a store without
    /// releases, goes first.
    /// </summary>
    public static IServiceCollection AddConsoleDora(this IServiceCollection services, IConfiguration config, ConsoleSettings settings)
    {
        services.AddSingleton(DoraSettings.From(config["OPS_DORA_PROD_ENVIRONMENTS"], config["OPS_INCIDENT_PROD_ENVIRONMENTS"]));
        if (settings.Demo) services.AddHostedService<DoraDemoSeeder>();
        return services;
    }
}

/// <summary>Writes the demo's DORA history once the store is migrated and the demo services exist; releases already stored are kept.</summary>
internal sealed class DoraDemoSeeder(IServiceScopeFactory scopes, EventSource source, TimeProvider clock) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await DoraDemoHistory.EnsureAsync(scope.ServiceProvider.GetRequiredService<OpsDbContext>(), source, clock.GetUtcNow().UtcDateTime, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
