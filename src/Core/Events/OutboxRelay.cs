using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Events;

/// <summary>
/// Moves events from the outbox to the sinks, oldest first. An event is marked relayed in the same
/// transaction as the durable sinks' writes (webhook deliveries), so a crash either redoes the whole
/// event or none of it: at-least-once, with the event id to spot repeats.
/// Live sinks (pages, the hub) come first: events this console commits are handed to them right after
/// the commit (through <see cref="OutboxSignal"/>), and a pass sends them the rest of a batch before
/// any durable sink's work.
/// </summary>
public sealed class OutboxRelay : IDisposable
{
    private readonly IDbContextFactory<OpsDbContext> _dbFactory;
    private readonly IEventSink[] _live;
    private readonly IEventSink[] _durable;
    private readonly IEventSink[] _all;
    private readonly ILogger<OutboxRelay> _logger;
    private readonly OutboxSignal? _signal;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly SemaphoreSlim _liveOneAtATime = new(1, 1);
    private int _queued;
    private readonly Channel<IReadOnlyList<OutboxEvent>> _committed = Channel.CreateUnbounded<IReadOnlyList<OutboxEvent>>(new() { SingleReader = true });

    public OutboxRelay(IDbContextFactory<OpsDbContext> dbFactory, IEnumerable<IEventSink> sinks, ILogger<OutboxRelay> logger, OutboxSignal? signal = null)
    {
        _dbFactory = dbFactory;
        _all = [.. sinks];
        _live = [.. _all.Where(s => s.Live)];
        _durable = [.. _all.Where(s => !s.Live)];
        _logger = logger;
        _signal = signal;
        if (signal is not null && _live.Length > 0)
        {
            signal.OnCommitted(HandOver);
            _ = Task.Run(PushQueuedAsync);
        }
    }

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

    public void Dispose() => _committed.Writer.TryComplete();

    /// <summary>
    /// Events just committed by this console go to the live sinks on the committing thread when no
    /// other push is under way (a hop through the thread pool costs more than the push on a busy
    /// machine); otherwise they queue behind it, so live sinks see commit order.
    /// </summary>
    private void HandOver(IReadOnlyList<OutboxEvent> rows)
    {
        lock (_committed)
        {
            if (_queued == 0 && _liveOneAtATime.Wait(0))
            {
                var pushing = PushCommittedAsync(rows);
                if (pushing.IsCompleted) _liveOneAtATime.Release();
                else pushing.ContinueWith(_ => _liveOneAtATime.Release(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return;
            }
            _queued++;
            _committed.Writer.TryWrite(rows);
        }
    }

    /// <summary>Events committed while another push was under way, to the live sinks in commit order, each once.</summary>
    private async Task PushQueuedAsync()
    {
        await foreach (var rows in _committed.Reader.ReadAllAsync())
        {
            await _liveOneAtATime.WaitAsync();
            try { await PushCommittedAsync(rows); }
            finally
            {
                lock (_committed) _queued--;
                _liveOneAtATime.Release();
            }
        }
    }

    private async Task PushCommittedAsync(IReadOnlyList<OutboxEvent> rows)
    {
        foreach (var row in rows)
            if (_signal!.TryClaimCommitted(row.Id)) await PushLiveAsync(EventEnvelope.From(row), null, CancellationToken.None);
    }

    /// <summary>
    /// Pushes events read back from the store to this process's live sinks, skipping those it pushed
    /// already: with a shared store, events committed by other replicas reach this replica's browsers
    /// and hub clients this way (see <see cref="OutboxTail"/>).
    /// </summary>
    public async Task PushStoredLiveAsync(IReadOnlyList<OutboxEvent> rows, CancellationToken ct)
    {
        if (_live.Length == 0) return;
        await _liveOneAtATime.WaitAsync(ct);
        try
        {
            foreach (var row in rows)
                if (!_pushed.Contains(row.Id) && (_signal?.TryClaimStored(row.Id) ?? true)) await PushLiveAsync(EventEnvelope.From(row), null, ct);
        }
        finally { _liveOneAtATime.Release(); }
    }

    // Event ids this process pushed live lately: the commit signal, the relay and the tail may each
    // meet the same event, and a live view must see it once.
    private readonly RecentIds _pushed = new(20_000);

    private async Task PushLiveAsync(EventEnvelope envelope, OpsDbContext? db, CancellationToken ct)
    {
        if (!_pushed.Add(envelope.Id)) return;
        foreach (var sink in _live)
        {
            try { await sink.OnEventAsync(envelope, db!, ct); }
            catch (Exception ex) when (db is null && ex is not OperationCanceledException)
            {
                // Handed over after a commit: nothing to redo, the event is stored and relayed anyway.
                _logger.LogWarning(ex, "Live sink {Sink} failed to take event {EventId}", sink.GetType().Name, envelope.Id);
            }
        }
    }

    private async Task<int> RelayBatchAsync(int batchSize, CancellationToken ct)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        var pending = await db.OutboxEvents.Where(e => e.RelayedAt == null).OrderBy(e => e.Position).Take(batchSize).ToListAsync(ct);
        if (pending.Count == 0) return 0;
        var envelopes = pending.Select(EventEnvelope.From).ToList();
        if (_live.Length > 0)
        {
            await _liveOneAtATime.WaitAsync(ct);
            try
            {
                foreach (var envelope in envelopes)
                    if (_signal?.TryClaimStored(envelope.Id) ?? true) await PushLiveAsync(envelope, db, ct);
            }
            finally { _liveOneAtATime.Release(); }
        }
        // Replicas on one store read the same pending rows: the batch is claimed first with a conditional
        // update in the transaction that writes the durable sinks' rows. A replica that loses the claim
        // (PostgreSQL: its update waits for the winner's commit and then matches nothing; SQLite: its
        // write is refused) rolls back, so a webhook gets each event once.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var ids = pending.Select(e => e.Id).ToList();
        var relayedAt = DateTime.UtcNow;
        var claimed = await db.OutboxEvents.Where(e => ids.Contains(e.Id) && e.RelayedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(e => e.RelayedAt, relayedAt), ct);
        if (claimed != pending.Count)
        {
            await transaction.RollbackAsync(ct);
            _logger.LogDebug("Another replica relayed {Count} of these events first", pending.Count - claimed);
            return 0;
        }
        for (var i = 0; i < pending.Count; i++)
        {
            foreach (var sink in _durable)
                await sink.OnEventAsync(envelopes[i], db, ct);
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        foreach (var sink in _all)
        {
            try { await sink.AfterCommitAsync(ct); }
            catch (Exception ex) { _logger.LogWarning(ex, "Event sink {Sink} failed after commit", sink.GetType().Name); }
        }
        _signal?.ForgetStale(TimeSpan.FromMinutes(10));
        _logger.LogDebug("Relayed {Count} events", pending.Count);
        return pending.Count;
    }

    /// <summary>A bounded set of recent ids: the oldest are forgotten first.</summary>
    private sealed class RecentIds(int capacity)
    {
        private readonly HashSet<string> _set = new(StringComparer.Ordinal);
        private readonly Queue<string> _order = new();

        public bool Contains(string id)
        {
            lock (_set) return _set.Contains(id);
        }

        public bool Add(string id)
        {
            lock (_set)
            {
                if (!_set.Add(id)) return false;
                _order.Enqueue(id);
                if (_order.Count > capacity) _set.Remove(_order.Dequeue());
                return true;
            }
        }
    }
}
