using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OpsConsole.Core.Events;

/// <summary>
/// In-process "look again" notices for live views: a publisher says which thing changed, each
/// subscriber re-reads the store. Domain events go through the outbox; this carries no state. A
/// subscriber that throws is logged and skipped, so one broken view cannot stop the others, nor the
/// reconciler or job that published.
/// </summary>
public class ChangeNotifier<TChange>(ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly Lock _gate = new();
    private Action<TChange>[] _subscribers = [];

    public int SubscriberCount => _subscribers.Length;

    public IDisposable Subscribe(Action<TChange> onChange)
    {
        lock (_gate) _subscribers = [.. _subscribers, onChange];
        return new Subscription(this, onChange);
    }

    public void Publish(TChange change)
    {
        // A copy-on-write array: publishing takes no lock and sees a stable list while views come and go.
        foreach (var s in _subscribers)
        {
            try { s(change); }
            catch (Exception ex) { _logger.LogWarning(ex, "A live view failed to take the change {Change}", change); }
        }
    }

    private void Remove(Action<TChange> s)
    {
        lock (_gate)
        {
            var i = Array.IndexOf(_subscribers, s);
            if (i >= 0) _subscribers = [.. _subscribers[..i], .. _subscribers[(i + 1)..]];
        }
    }

    private sealed class Subscription(ChangeNotifier<TChange> owner, Action<TChange> s) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.Remove(s);
        }
    }
}
