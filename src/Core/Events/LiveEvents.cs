using Microsoft.Extensions.Logging;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Events;

/// <summary>In-process fan-out of relayed events to live views (Blazor components) in this console instance.</summary>
public sealed class LiveEvents(ILogger<LiveEvents> logger) : IEventSink
{
    private readonly Lock _gate = new();
    private ImmutableSubscribers _subscribers = ImmutableSubscribers.Empty;

    public bool Live => true;

    public IDisposable Subscribe(Func<EventEnvelope, Task> onEvent)
    {
        lock (_gate) _subscribers = _subscribers.Add(onEvent);
        return new Subscription(this, onEvent);
    }

    public async Task OnEventAsync(EventEnvelope envelope, OpsDbContext db, CancellationToken ct)
    {
        foreach (var s in _subscribers.Items)
        {
            try { await s(envelope); }
            catch (Exception ex) { logger.LogWarning(ex, "A live view failed to take event {EventId}", envelope.Id); }
        }
    }

    private void Remove(Func<EventEnvelope, Task> s)
    {
        lock (_gate) _subscribers = _subscribers.Remove(s);
    }

    private sealed class Subscription(LiveEvents owner, Func<EventEnvelope, Task> s) : IDisposable
    {
        public void Dispose() => owner.Remove(s);
    }

    private sealed record ImmutableSubscribers(Func<EventEnvelope, Task>[] Items)
    {
        public static readonly ImmutableSubscribers Empty = new([]);
        public ImmutableSubscribers Add(Func<EventEnvelope, Task> s) => new([.. Items, s]);
        public ImmutableSubscribers Remove(Func<EventEnvelope, Task> s) => new(Items.Where(i => i != s).ToArray());
    }
}
