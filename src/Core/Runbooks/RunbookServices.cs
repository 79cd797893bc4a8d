using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsConsole.Core.Egress;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Runbooks.Actions;
using OpsConsole.Core.Runbooks.Search;

namespace OpsConsole.Core.Runbooks;

public static class RunbookServices
{
    /// <summary>
    /// Runbooks over the registered store, outbox and clock, with the console actions Rollouts,
    /// Migrations, the demo traffic and the egress policy offer. Another capability adds its own
    /// action with <c>services.AddSingleton&lt;IRunbookAction, TheAction&gt;()</c>.
    /// </summary>
    public static IServiceCollection AddRunbooks(this IServiceCollection services)
    {
        services.TryAddSingleton<IRunbookSearch, StoreRunbookSearch>();
        services.AddSingleton<RunbookUpdates>();
        services.AddSingleton<RunbookActionRegistry>();
        services.AddSingleton<IRunbookMatcher, RunbookMatcher>();
        services.AddScoped<RunbookLibrary>();
        services.AddScoped<RunbookRunner>();
        services.AddScoped<RunbookStaleness>();
        services.AddSingleton<IRunbookAction>(sp => new RolloutRunbookAction(sp.GetRequiredService<IServiceScopeFactory>(), RolloutAction.Abort));
        services.AddSingleton<IRunbookAction>(sp => new RolloutRunbookAction(sp.GetRequiredService<IServiceScopeFactory>(), RolloutAction.Promote));
        services.AddSingleton<IRunbookAction>(sp => new RolloutRunbookAction(sp.GetRequiredService<IServiceScopeFactory>(), RolloutAction.Pause));
        services.AddSingleton<IRunbookAction, RollbackRunbookAction>();
        services.AddSingleton<IRunbookAction, PauseTrafficRunbookAction>();
        services.AddSingleton<IRunbookAction, HttpCheckRunbookAction>();
        // Checks go out only through the egress policy (register one), whoever hosts the runbooks.
        services.AddEgressHttpClient(HttpCheckRunbookAction.HttpClientName, TimeSpan.FromSeconds(5));
        services.AddSingleton<IRunbookAction, MigrationDryRunRunbookAction>();
        return services;
    }
}
