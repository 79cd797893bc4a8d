using OpsConsole.Core.Releases;

namespace OpsConsole.Console.Hosting;

public static class ReleasesSetup
{
    /// <summary>
    /// Releases from CI, the service catalogue and pipelines, freeze windows, config and secrets (the
    /// local cluster resolves secrets from it); with the demo on, its pipelines on first start.
    /// </summary>
    public static IServiceCollection AddConsoleReleases(this IServiceCollection services, ConsoleSettings settings)
    {
        services.AddReleases();
        if (settings.Demo) services.AddHostedService<ReleaseDemoSeeder>();
        return services;
    }
}

/// <summary>Seeds the demo pipelines once the store is migrated and the demo services exist (only on a console without any).</summary>
internal sealed class ReleaseDemoSeeder(IServiceScopeFactory scopes, TimeProvider clock) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await ReleaseDemo.EnsureAsync(scope.ServiceProvider, clock.GetUtcNow().UtcDateTime, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
