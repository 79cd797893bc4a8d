using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Events;

/// <summary>
/// Moves events from the outbox to the sinks, oldest first. An event is marked relayed in the same
/// transaction as the durable sinks' writes (webhook deliveries), so a crash either redoes the whole
/// event or none of it: at-least-once, with the event id to spot repeats.
/// </summary>
public sealed class OutboxRelay(IDbContextFactory<OpsDbContext> dbFactory, IEnumerable<IEventSink> sinks, ILogger<OutboxRelay> logger)
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public async Task<int> RelayPendingAsync(CancellationToken ct, int batchSize = 100)
    {
        await _oneAtATime.WaitAsync(ct);
        try
        {
            var total = 0;
            while (true)
            {
                var relayed = await RelayBatchAsync(batchSize, ct);
                total += relayed;
                if (relayed < batchSize) return total;
            }
        }
        finally { _oneAtATime.Release(); }
    }

    private async Task<int> RelayBatchAsync(int batchSize, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pending = await db.OutboxEvents.Where(e => e.RelayedAt == null).OrderBy(e => e.Position).Take(batchSize).ToListAsync(ct);
        if (pending.Count == 0) return 0;
        foreach (var e in pending)
        {
            var envelope = EventEnvelope.From(e);
            foreach (var sink in sinks)
                await sink.OnEventAsync(envelope, db, ct);
            e.RelayedAt = DateTime.UtcNow;
        }
        await db.SaveChangesAsync(ct);
        foreach (var sink in sinks)
        {
            try { await sink.AfterCommitAsync(ct); }
            catch (Exception ex) { logger.LogWarning(ex, "Event sink {Sink} failed after commit", sink.GetType().Name); }
        }
        logger.LogDebug("Relayed {Count} events", pending.Count);
        return pending.Count;
    }
}
