using Microsoft.AspNetCore.SignalR;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Hubs;

/// <summary>Pushes relayed events to hub clients.</summary>
public sealed class HubEventSink(IHubContext<EventsHub> hub) : IEventSink
{
    public bool Live => true;

    public Task OnEventAsync(EventEnvelope envelope, OpsDbContext db, CancellationToken ct)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(envelope.CloudEventJson);
        return hub.Clients.Groups(EventsHub.GroupsOf(envelope.Subject)).SendAsync(EventsHub.EventMethod, doc.RootElement.Clone(), ct);
    }
}
