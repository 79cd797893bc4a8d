using Npgsql;
using OpsConsole.Console.Hosting;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Jobs;

/// <summary>
/// Runs the outbox tail of a replica that shares its store: other replicas' events pushed to this
/// replica's live views. On PostgreSQL it also listens on the store's outbox channel, so an event
/// committed by another replica wakes the tail at once instead of at its next pace. LISTEN/NOTIFY
/// rather than a SignalR Redis backplane: the store is already shared, and it adds no server to run.
/// </summary>
public sealed class OutboxTailService(OutboxTail tail, ConsoleSettings settings, ILogger<OutboxTailService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        settings.Store == StoreKind.Postgres
            ? Task.WhenAll(tail.RunAsync(stoppingToken), ListenAsync(stoppingToken))
            : tail.RunAsync(stoppingToken);

    private async Task ListenAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(settings.StoreConnection) { Pooling = false, KeepAlive = 30 };
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                connection.Notification += (_, _) => tail.Wake();
                await connection.OpenAsync(ct);
                await using (var listen = new NpgsqlCommand($"LISTEN {StoreProvider.OutboxChannel}", connection))
                    await listen.ExecuteNonQueryAsync(ct);
                tail.Wake(); // events committed while this replica was not listening
                while (!ct.IsCancellationRequested) await connection.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Listening for other replicas' events failed; the tail reads at its pace until listening again");
                try { await Task.Delay(TimeSpan.FromSeconds(5), ct); }
                catch (OperationCanceledException) { return; }
            }
        }
    }
}
