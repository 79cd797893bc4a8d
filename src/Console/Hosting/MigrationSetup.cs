using OpsConsole.Console.Jobs;
using OpsConsole.Core.Events;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Migrations;

namespace OpsConsole.Console.Hosting;

public static class MigrationSetup
{
    /// <summary>Where the services' migrations are read from: OPS_MIGRATIONS_DIR, else migrations/ beside the console's binaries.</summary>
    public static string SourceRoot(IConfiguration config) =>
        config["OPS_MIGRATIONS_DIR"] is { Length: > 0 } dir ? Path.GetFullPath(dir) : Path.Combine(AppContext.BaseDirectory, "migrations");

    public static string BundleDirectory(ConsoleSettings settings) => Path.Combine(settings.DataDirectory, "migration-bundles");

    /// <summary>The migration engine with batches run as Hangfire jobs and deployment plans followed as their rollouts change.</summary>
    public static IServiceCollection AddConsoleMigrations(this IServiceCollection services, IConfiguration config)
    {
        // How long a second ReleaseManager's approval stays valid before its job starts (hours; default 24).
        services.AddMigrationEngine(sp => new MigrationCatalog(SourceRoot(config), BundleDirectory(sp.GetRequiredService<ConsoleSettings>())),
            MigrationApprovalPolicy.FromHours(config["OPS_MIGRATION_APPROVAL_HOURS"]));
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<ConsoleSettings>();
            return new ConsoleOwnedFiles(settings.DataDirectory, [settings.KeysDirectory, BundleDirectory(settings)]);
        });
        services.AddSingleton<IMigrationJobQueue, HangfireMigrationQueue>();
        services.AddTransient<MigrationBatchJob>();
        services.AddHostedService<DeploymentPlanWatcher>();
        return services;
    }
}
