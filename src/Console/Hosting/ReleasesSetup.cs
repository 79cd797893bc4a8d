using OpsConsole.Core.Releases;

namespace OpsConsole.Console.Hosting;

public static class ReleasesSetup
{
    /// <summary>
    /// Releases from CI, the service catalogue and pipelines, freeze windows, config and secrets (the
    /// local cluster resolves secrets from it). The demo's pipelines are seeded by <see cref="DemoSetup"/>.
    /// </summary>
    public static IServiceCollection AddConsoleReleases(this IServiceCollection services)
    {
        services.AddReleases();
        return services;
    }
}
