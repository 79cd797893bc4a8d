using OpsConsole.Console.Jobs;
using OpsConsole.Core.Events;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Hosting;

public static class MigrationSetup
{
    /// <summary>Where the services' migrations are read from: OPS_MIGRATIONS_DIR, else migrations/ beside the console's binaries.</summary>
    public static string SourceRoot(IConfiguration config) =>
        config["OPS_MIGRATIONS_DIR"] is { Length: > 0 } dir ? Path.GetFullPath(dir) : Path.Combine(AppContext.BaseDirectory, "migrations");

    /// <summary>The demo's SQLite target files: DATA/targets/&lt;service&gt;-&lt;environment&gt;.db.</summary>
    public static string DemoTargetDirectory(ConsoleSettings settings) => Path.Combine(settings.DataDirectory, "targets");

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
        services.AddScoped<MigrationDesk>();
        services.AddScoped<DeploymentPlanner>();
        services.AddHostedService<DeploymentPlanWatcher>();
        return services;
    }

    /// <summary>With the demo on: a SQLite target per demo service and environment (prod needs approval). Existing targets are kept.</summary>
    public static async Task SeedMigrationTargetsAsync(this IServiceProvider services, ConsoleSettings settings, CancellationToken ct = default)
    {
        if (!settings.Demo) return;
        await SeedDemoMigrationTargetsAsync(services, settings, ct);
    }

    public static async Task SeedDemoMigrationTargetsAsync(this IServiceProvider services, ConsoleSettings settings, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<MigrationTargets>().SeedSqliteAsync(
            scope.ServiceProvider.GetRequiredService<OpsDbContext>(), DemoTargetDirectory(settings), DemoSeed.Services, DemoSeed.Environments,
            environment => environment == "prod", DateTime.UtcNow, ct);
    }
}
