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
            if (settings.Store == StoreKind.Postgres)
                options.UseStore(StoreKind.Postgres, settings.StoreConnection!);
            else
            {
                options.UseStore(StoreKind.Sqlite, $"Data Source={settings.StorePath};Pooling=True;Default Timeout=30");
                options.AddInterceptors(SqliteBusyWait.Instance);
            }
            options.AddInterceptors(sp.GetRequiredService<OutboxSignal>().Interceptors);
        });
        return services;
    }

    /// <summary>
    /// Applies pending migrations: on SQLite then switches the file to WAL, so readers never wait for
    /// writers; on PostgreSQL under an advisory lock, so replicas starting at once do not race.
    /// </summary>
    public static async Task MigrateStoreAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
        await StoreProvider.MigrateAsync(db, ct);
    }
}

/// <summary>
/// Lets SQLite itself wait for the write lock (it retries within a millisecond or two of the lock
/// being freed) instead of the ADO.NET provider's retry loop, which sleeps 150 ms between tries: with
/// the reconciler, the outbox relay and requests writing at once, those sleeps were most of the delay
/// between a change and its live update.
/// </summary>
internal sealed class SqliteBusyWait : Microsoft.EntityFrameworkCore.Diagnostics.DbConnectionInterceptor
{
    public static readonly SqliteBusyWait Instance = new();
    private const string Pragma = "PRAGMA busy_timeout = 30000;";

    public override void ConnectionOpened(System.Data.Common.DbConnection connection, Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(System.Data.Common.DbConnection connection, Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
