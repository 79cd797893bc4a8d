using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Config;

namespace OpsConsole.Core.Releases;

public static class ReleaseServices
{
    /// <summary>
    /// Releases, the service catalogue and pipelines, freeze windows, and config with secrets over
    /// the registered store, outbox, clock and data-protection keys. Replaces the pass-through
    /// <see cref="NoWorkloadSecrets"/> so clusters resolve secret references from the config store.
    /// </summary>
    public static IServiceCollection AddReleases(this IServiceCollection services)
    {
        services.AddScoped<ReleaseRegistry>();
        services.AddScoped<ServiceCatalogue>();
        services.AddScoped<FreezeCalendar>();
        services.AddScoped<IFreezeCalendar>(sp => sp.GetRequiredService<FreezeCalendar>());
        services.AddScoped<ReleaseTimeline>();
        services.TryAddSingleton<ConfigSecrets>();
        services.AddScoped<ConfigStore>();
        services.AddScoped<IConfigSnapshots>(sp => sp.GetRequiredService<ConfigStore>());
        services.RemoveAll<IWorkloadSecrets>();
        services.AddSingleton<IWorkloadSecrets, ConfigWorkloadSecrets>();
        return services;
    }
}
