using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace OpsConsole.Core.Events;

/// <summary>
/// Wakes the relay as soon as a save or transaction has committed, so live views update at once
/// instead of waiting for the relay's safety sweep. It also hands the events this console just
/// committed (through <see cref="EventOutbox"/>) to the live sinks directly, without waiting for the
/// relay to read them back: each such event is claimed once, either by that hand-over or by the
/// relay's pass, whichever comes first, so live sinks get it once.
/// </summary>
public sealed class OutboxSignal
{
    private static readonly ConditionalWeakTable<DbContext, Written> Writes = [];
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly ConcurrentDictionary<string, Claim> _claims = new(StringComparer.Ordinal);
    private Action<IReadOnlyList<OutboxEvent>>? _onCommitted;

    public void Notify()
    {
        try { _signal.Release(); } catch (SemaphoreFullException) { /* already signalled */ }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);

    /// <summary>The EF Core interceptors that call <see cref="Notify"/> after each commit.</summary>
    public IInterceptor[] Interceptors => [new AfterSave(this), new AfterCommit(this)];

    /// <summary>Called with the outbox events of each commit made through these interceptors, right after it.</summary>
    public void OnCommitted(Action<IReadOnlyList<OutboxEvent>> handler) => _onCommitted = handler;

    /// <summary>For the hand-over after a commit: true if the event is still unclaimed (the relay has not pushed it).</summary>
    public bool TryClaimCommitted(string eventId) => _claims.TryGetValue(eventId, out var claim) && claim.Take();

    /// <summary>
    /// For the relay's pass over the stored events: true unless the hand-over already pushed this event.
    /// Events written elsewhere (another replica, before a restart) were never handed over: true.
    /// </summary>
    public bool TryClaimStored(string eventId) => !_claims.TryRemove(eventId, out var claim) || claim.Take();

    /// <summary>Drops claims of events whose save never committed and never reached the relay (kept small).</summary>
    public void ForgetStale(TimeSpan olderThan)
    {
        if (_claims.Count < 1000) return;
        var before = DateTime.UtcNow - olderThan;
        foreach (var (id, claim) in _claims)
            if (claim.Since < before) _claims.TryRemove(id, out _);
    }

    /// <summary>Remembers an event added to this unit of work, to hand over when it commits.</summary>
    internal static void Added(DbContext db, OutboxEvent row) => Writes.GetOrCreateValue(db).Added.Add(row);

    private void Saving(DbContext? db)
    {
        if (db is null || !Writes.TryGetValue(db, out var w) || w.Added.Count == 0) return;
        foreach (var row in w.Added)
            if (db.Entry(row).State == EntityState.Added)
            {
                _claims[row.Id] = new Claim();
                w.Saving.Add(row);
            }
        w.Added.Clear();
    }

    private void Saved(DbContext? db)
    {
        if (db is null || !Writes.TryGetValue(db, out var w)) return;
        w.Saved.AddRange(w.Saving);
        w.Saving.Clear();
        if (db.Database.CurrentTransaction is null) Committed(db);
    }

    private void SaveFailed(DbContext? db)
    {
        if (db is null || !Writes.TryGetValue(db, out var w)) return;
        foreach (var row in w.Saving) _claims.TryRemove(row.Id, out _);
        w.Added.AddRange(w.Saving); // still to save if the caller saves again
        w.Saving.Clear();
    }

    private void Committed(DbContext? db)
    {
        if (db is not null && Writes.TryGetValue(db, out var w) && w.Saved.Count > 0)
        {
            OutboxEvent[] rows = [.. w.Saved];
            w.Saved.Clear();
            _onCommitted?.Invoke(rows);
        }
        Notify();
    }

    private void RolledBack(DbContext? db)
    {
        if (db is null || !Writes.TryGetValue(db, out var w)) return;
        foreach (var row in w.Saved) _claims.TryRemove(row.Id, out _);
        w.Saved.Clear();
    }

    private sealed class Written
    {
        public List<OutboxEvent> Added { get; } = [];
        public List<OutboxEvent> Saving { get; } = [];
        public List<OutboxEvent> Saved { get; } = [];
    }

    private sealed class Claim
    {
        private int _taken;
        public DateTime Since { get; } = DateTime.UtcNow;
        public bool Take() => Interlocked.Exchange(ref _taken, 1) == 0;
    }

    private sealed class AfterSave(OutboxSignal signal) : SaveChangesInterceptor
    {
        public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
        {
            signal.Saving(eventData.Context);
            return result;
        }

        public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            signal.Saving(eventData.Context);
            return ValueTask.FromResult(result);
        }

        public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
        {
            signal.Saved(eventData.Context);
            if (eventData.Context?.Database.CurrentTransaction is null) signal.Notify();
            return result;
        }

        public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            signal.Saved(eventData.Context);
            if (eventData.Context?.Database.CurrentTransaction is null) signal.Notify();
            return ValueTask.FromResult(result);
        }

        public override void SaveChangesFailed(DbContextErrorEventData eventData) => signal.SaveFailed(eventData.Context);

        public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            signal.SaveFailed(eventData.Context);
            return Task.CompletedTask;
        }
    }

    private sealed class AfterCommit(OutboxSignal signal) : DbTransactionInterceptor
    {
        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            signal.Committed(eventData.Context);
            return Task.CompletedTask;
        }

        public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => signal.Committed(eventData.Context);

        public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            signal.RolledBack(eventData.Context);
            return Task.CompletedTask;
        }

        public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => signal.RolledBack(eventData.Context);
    }
}
