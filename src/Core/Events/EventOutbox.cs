using System.Net.Mime;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using OpsConsole.Core.Access;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Events;

/// <summary>Adds CloudEvents to the outbox within the caller's unit of work.</summary>
public sealed class EventOutbox(EventSource source)
{
    private static readonly JsonEventFormatter Formatter = new(new JsonSerializerOptions(JsonSerializerDefaults.Web), new JsonDocumentOptions());
    private static readonly JsonSerializerOptions DataJson = new(JsonSerializerDefaults.Web);

    public OutboxEvent Add(OpsDbContext db, Actor actor, string type, string subject, object data)
    {
        var id = Guid.CreateVersion7().ToString();
        var time = DateTime.UtcNow;
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0)
        {
            Id = id,
            Type = type,
            Source = source.Uri,
            Subject = subject,
            Time = new DateTimeOffset(time),
            DataContentType = MediaTypeNames.Application.Json,
            Data = JsonSerializer.SerializeToElement(data, DataJson),
        };
        var body = Formatter.EncodeStructuredModeMessage(cloudEvent, out _);
        var row = new OutboxEvent
        {
            Id = id,
            Type = type,
            Source = source.Uri.ToString(),
            Subject = subject,
            Time = time,
            Actor = actor.Name,
            CorrelationId = actor.CorrelationId,
            CloudEventJson = Encoding.UTF8.GetString(body.Span),
        };
        db.OutboxEvents.Add(row);
        OutboxSignal.Added(db, row);
        return row;
    }
}
