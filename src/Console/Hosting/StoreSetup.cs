using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Hosting;

public static class StoreSetup
{
    public static IServiceCollection AddConsoleStore(this IServiceCollection services, ConsoleSettings settings)
    {
        services.AddSingleton<OutboxSignal>();
        // The factory serves Blazor components and background work (short-lived contexts); the scoped
        // context serves requests and Identity.
        services.AddDbContextFactory<OpsDbContext>((sp, options) =>
        {
            options.UseSqlite($"Data Source={settings.StorePath};Pooling=True;Default Timeout=30",
                sqlite => sqlite.MigrationsAssembly(typeof(OpsDbContext).Assembly.GetName().Name));
            options.AddInterceptors(sp.GetRequiredService<OutboxSignal>().Interceptors);
        });
        return services;
    }

    /// <summary>Applies pending migrations and switches the SQLite file to WAL, so readers never wait for writers.</summary>
    public static async Task MigrateStoreAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
        await db.Database.MigrateAsync(ct);
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
    }
}
