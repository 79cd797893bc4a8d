using OpsConsole.Console.Jobs;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Hosting;

public static class MigrationSetup
{
    /// <summary>Where the services' migrations are read from: OPS_MIGRATIONS_DIR, else migrations/ beside the console's binaries.</summary>
    public static string SourceRoot(IConfiguration config) =>
        config["OPS_MIGRATIONS_DIR"] is { Length: > 0 } dir ? Path.GetFullPath(dir) : Path.Combine(AppContext.BaseDirectory, "migrations");

    public static string BundleDirectory(ConsoleSettings settings) => Path.Combine(settings.DataDirectory, "migration-bundles");

    public static IServiceCollection AddConsoleMigrations(this IServiceCollection services, IConfiguration config)
    {
        services.AddSingleton(sp => new MigrationCatalog(SourceRoot(config), BundleDirectory(sp.GetRequiredService<ConsoleSettings>())));
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<ConsoleSettings>();
            return new ConsoleOwnedFiles(settings.DataDirectory, [settings.KeysDirectory, BundleDirectory(settings)]);
        });
        services.AddSingleton<MigrationTargets>();
        // How long a second ReleaseManager's approval stays valid before its job starts (hours; default 24).
        services.AddSingleton(MigrationApprovalPolicy.FromHours(config["OPS_MIGRATION_APPROVAL_HOURS"]));
        services.AddSingleton<MigrationUpdates>();
        services.AddSingleton(sp => new MigrationRunner(new MigrationRunnerOptions(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IMigrationJobQueue, HangfireMigrationQueue>();
        services.AddSingleton<MigrationBatchExecutor>();
        services.AddTransient<MigrationBatchJob>();
        services.AddScoped<MigrationCoordinator>();
        services.AddScoped<DeploymentPlanner>();
        services.AddHostedService<DeploymentPlanWatcher>();
        return services;
    }
}
