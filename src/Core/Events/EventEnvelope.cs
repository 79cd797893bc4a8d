using System.Text.Json;

namespace OpsConsole.Core.Events;

/// <summary>What sinks receive: the event's routing fields plus its CloudEvents JSON.</summary>
public sealed record EventEnvelope(string Id, string Type, string Source, string Subject, DateTime Time, string? Actor, string CorrelationId, string CloudEventJson)
{
    public static EventEnvelope From(OutboxEvent e) => new(e.Id, e.Type, e.Source, e.Subject, e.Time, e.Actor, e.CorrelationId, e.CloudEventJson);

    /// <summary>The event's <c>data</c> member as JSON, for display.</summary>
    public string DataJson
    {
        get
        {
            using var doc = JsonDocument.Parse(CloudEventJson);
            return doc.RootElement.TryGetProperty("data", out var data) ? data.GetRawText() : "null";
        }
    }
}
