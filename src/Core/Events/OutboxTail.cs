using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Events;

/// <summary>
/// With several replicas on one store, each replica reads the outbox as it grows and pushes the events
/// other replicas committed to its own live views (browsers, hub clients), and tells its rollout views
/// to look again. Webhook delivery stays with the relay, once per event across replicas (the delivery
/// rows are unique per webhook and event). Reading the store serves SQLite and PostgreSQL alike and
/// needs no extra server. On PostgreSQL a NOTIFY sent at each commit of outbox rows wakes the tail at
/// once (see OutboxTailService); the pace bounds the latency when a notification is missed.
/// </summary>
public sealed class OutboxTail(IDbContextFactory<OpsDbContext> dbFactory, OutboxRelay relay, RolloutUpdates rollouts, ILogger<OutboxTail> logger)
{
    /// <summary>How often the tail looks; the cross-replica latency of a live event is at most this plus the push.</summary>
    public static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(200);

    // Positions are handed out when a row is inserted, not when it commits: a transaction that
    // commits late shows a position below one already read, so each read looks back a little.
    private const int LookBack = 64;
    private const int BatchSize = 500;

    private long _cursor = -1;

    /// <summary>The outbox position read up to (for /metrics: how far behind the store this replica's live views are).</summary>
    public long Cursor => Interlocked.Read(ref _cursor);

    /// <summary>How long the newest event of the last read had been in the store when this replica pushed it (the cross-replica live latency).</summary>
    public TimeSpan Lag { get; private set; }

    /// <summary>One read: pushes what is new since the last one; returns how many rows it read.</summary>
    public async Task<int> ReadOnceAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (_cursor < 0)
        {
            // Start at the end: what was committed before this replica started is history, not news.
            _cursor = await db.OutboxEvents.MaxAsync(e => (long?)e.Position, ct) ?? 0;
            return 0;
        }
        var from = _cursor - LookBack;
        var rows = await db.OutboxEvents.AsNoTracking().Where(e => e.Position > from).OrderBy(e => e.Position).Take(BatchSize + LookBack).ToListAsync(ct);
        if (rows.Count == 0) return 0;
        await relay.PushStoredLiveAsync(rows, ct);
        foreach (var row in rows.Where(r => r.Position > _cursor))
            if (RolloutOf(row) is { } id) rollouts.Publish(id, row.Subject);
        if (rows[^1].Position > _cursor) Lag = DateTime.UtcNow - rows[^1].Time;
        Interlocked.Exchange(ref _cursor, Math.Max(_cursor, rows[^1].Position));
        return rows.Count;
    }

    // Released when the store announces new events (PostgreSQL LISTEN/NOTIFY): the tail reads at once
    // instead of at its next pace; the pace stays as the fallback (SQLite, a lost notification).
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>New events were committed somewhere: read now.</summary>
    public void Wake()
    {
        try { _wake.Release(); }
        catch (SemaphoreFullException) { } // a read is already due
    }

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try { await ReadOnceAsync(ct); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception ex) { logger.LogWarning(ex, "Reading the outbox for other replicas' events failed; retrying"); }
            try { await _wake.WaitAsync(Pace, ct); }
            catch (OperationCanceledException) { return; }
        }
    }

    private static Guid? RolloutOf(OutboxEvent row)
    {
        if (!row.CloudEventJson.Contains("\"rolloutId\"", StringComparison.Ordinal)) return null;
        using var doc = System.Text.Json.JsonDocument.Parse(row.CloudEventJson);
        return doc.RootElement.TryGetProperty("data", out var data) && data.ValueKind == System.Text.Json.JsonValueKind.Object
            && data.TryGetProperty("rolloutId", out var id) && id.TryGetGuid(out var g) ? g : null;
    }
}
