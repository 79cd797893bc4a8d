using Microsoft.Extensions.Logging;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Events;

/// <summary>In-process fan-out of relayed events to live views (Blazor components) in this console instance.</summary>
public sealed class LiveEvents(ILogger<LiveEvents> logger) : IEventSink
{
    private readonly SubscriberList<Func<EventEnvelope, Task>> _subscribers = new();

    public bool Live => true;

    public IDisposable Subscribe(Func<EventEnvelope, Task> onEvent) => _subscribers.Add(onEvent);

    public async Task OnEventAsync(EventEnvelope envelope, OpsDbContext db, CancellationToken ct)
    {
        foreach (var s in _subscribers.Items)
        {
            try { await s(envelope); }
            catch (Exception ex) { logger.LogWarning(ex, "A live view failed to take event {EventId}", envelope.Id); }
        }
    }
}
