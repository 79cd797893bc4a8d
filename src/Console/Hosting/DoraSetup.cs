using OpsConsole.Core.Dora;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Hosting;

public static class DoraSetup
{
    /// <summary>
    /// DORA metrics; production is the environments in <c>OPS_DORA_PROD_ENVIRONMENTS</c>, else
    /// <c>OPS_INCIDENT_PROD_ENVIRONMENTS</c>, else <c>prod</c> (comma-separated).
    /// </summary>
    public static IServiceCollection AddConsoleDora(this IServiceCollection services, IConfiguration config) =>
        services.AddSingleton(DoraSettings.From(config["OPS_DORA_PROD_ENVIRONMENTS"], config["OPS_INCIDENT_PROD_ENVIRONMENTS"]));

    /// <summary>A few weeks of past releases and deploys of the demo services, so a fresh demo's DORA page has figures.</summary>
    public static async Task SeedDoraDemoHistoryAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        await DoraDemoHistory.EnsureAsync(scope.ServiceProvider.GetRequiredService<OpsDbContext>(), services.GetRequiredService<EventSource>(), DateTime.UtcNow, ct);
    }
}
