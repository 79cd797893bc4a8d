namespace OpsConsole.Core.Events;

/// <summary>
/// A domain event as stored in the outbox: written in the same transaction as the change that caused
/// it, relayed afterwards. <see cref="Id"/> is the CloudEvents id, so receivers can drop duplicates.
/// </summary>
public sealed class OutboxEvent
{
    /// <summary>Store order; the relay delivers in this order.</summary>
    public long Position { get; set; }
    public required string Id { get; set; }
    public required string Type { get; set; }
    public required string Source { get; set; }
    public required string Subject { get; set; }
    public DateTime Time { get; set; }
    public string? Actor { get; set; }
    public required string CorrelationId { get; set; }
    /// <summary>The whole event in CloudEvents 1.0 structured JSON.</summary>
    public required string CloudEventJson { get; set; }
    public DateTime? RelayedAt { get; set; }
}
