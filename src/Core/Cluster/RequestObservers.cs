using System.Collections.Immutable;

namespace OpsConsole.Core.Cluster;

/// <summary>
/// Who wants to hear about each request a revision serves, as it ends: the canary judge decides per
/// request instead of per reconciler pass. Copy-on-write, so the ingress's per-request cost is one
/// read of an empty map when nobody observes.
/// </summary>
public sealed class RequestObservers
{
    private ImmutableDictionary<(ServiceEnvironment Target, string Revision), ImmutableArray<Action<RequestSample>>> _observers =
        ImmutableDictionary<(ServiceEnvironment, string), ImmutableArray<Action<RequestSample>>>.Empty;

    /// <summary>Calls <paramref name="observer"/> for every request of the revision from now on, on the ingress's thread, until disposed.</summary>
    public IDisposable Add(ServiceEnvironment target, string revision, Action<RequestSample> observer)
    {
        var key = (target, revision);
        ImmutableInterlocked.AddOrUpdate(ref _observers, key, [observer], (_, list) => list.Add(observer));
        return new Subscription(() => ImmutableInterlocked.Update(ref _observers, map =>
            map.TryGetValue(key, out var list) && list.Remove(observer) is var rest
                ? rest.IsEmpty ? map.Remove(key) : map.SetItem(key, rest)
                : map));
    }

    public void Notify(ServiceEnvironment target, string revision, RequestSample sample)
    {
        var map = Volatile.Read(ref _observers);
        if (map.IsEmpty || !map.TryGetValue((target, revision), out var list)) return;
        foreach (var observer in list)
        {
            // An observer's fault must not fail the request it observes.
            try { observer(sample); } catch { }
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;
        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}

/// <summary>The subscription of a cluster that cannot observe requests one by one.</summary>
public sealed class NoObservation : IDisposable
{
    public static readonly NoObservation Instance = new();
    public void Dispose() { }
}
