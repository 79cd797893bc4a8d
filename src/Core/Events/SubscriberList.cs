namespace OpsConsole.Core.Events;

/// <summary>
/// The callbacks of live views, as a copy-on-write array: publishing takes no lock and sees a stable
/// list while views come and go; a subscription removes its callback once, however often it is disposed.
/// </summary>
public sealed class SubscriberList<T> where T : Delegate
{
    private readonly Lock _gate = new();
    private T[] _items = [];

    public IReadOnlyList<T> Items => _items;

    public IDisposable Add(T callback)
    {
        lock (_gate) _items = [.. _items, callback];
        return new Subscription(this, callback);
    }

    private void Remove(T callback)
    {
        lock (_gate)
        {
            var i = Array.IndexOf(_items, callback);
            if (i >= 0) _items = [.. _items[..i], .. _items[(i + 1)..]];
        }
    }

    private sealed class Subscription(SubscriberList<T> owner, T callback) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.Remove(callback);
        }
    }
}
