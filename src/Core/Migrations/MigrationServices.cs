using OpsConsole.Core.Events;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Migrations.Orchestration;

namespace OpsConsole.Core.Migrations;

public static class MigrationServices
{
    /// <summary>
    /// The migration machinery over whatever store, event outbox, data protection, clock and
    /// <see cref="IMigrationJobQueue"/> the host registered: the console and the tests wire it the same
    /// way. <paramref name="catalog"/> says where the services' migrations are read from; without
    /// <paramref name="approvals"/> an approval stays valid for the default 24 hours.
    /// </summary>
    public static IServiceCollection AddMigrationEngine(this IServiceCollection services, Func<IServiceProvider, MigrationCatalog> catalog,
        MigrationApprovalPolicy? approvals = null)
    {
        services.AddSingleton(catalog);
        services.AddSingleton<MigrationTargets>();
        if (approvals is not null) services.AddSingleton(approvals);
        services.AddSingleton<MigrationUpdates>();
        services.AddSingleton(sp => new MigrationRunner(new MigrationRunnerOptions(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<MigrationBatchExecutor>();
        services.AddScoped<MigrationCoordinator>();
        services.AddScoped<DeploymentPlanner>();
        return services;
    }
}
