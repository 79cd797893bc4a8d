using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace OpsConsole.Core.Events;

/// <summary>
/// Wakes the relay as soon as a save or transaction has committed, so live views update at once
/// instead of waiting for the relay's safety sweep.
/// </summary>
public sealed class OutboxSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try { _signal.Release(); } catch (SemaphoreFullException) { /* already signalled */ }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);

    /// <summary>The EF Core interceptors that call <see cref="Notify"/> after each commit.</summary>
    public IInterceptor[] Interceptors => [new AfterSave(this), new AfterCommit(this)];

    private sealed class AfterSave(OutboxSignal signal) : SaveChangesInterceptor
    {
        public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            if (eventData.Context?.Database.CurrentTransaction is null) signal.Notify();
            return ValueTask.FromResult(result);
        }
    }

    private sealed class AfterCommit(OutboxSignal signal) : DbTransactionInterceptor
    {
        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            signal.Notify();
            return Task.CompletedTask;
        }

        public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => signal.Notify();
    }
}
