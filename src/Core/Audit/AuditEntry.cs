namespace OpsConsole.Core.Audit;

/// <summary>
/// One append-only record of a change: who did what to which target, when, under which correlation
/// id, with a short before/after summary. Each entry stores the hash of the previous one, so
/// rewriting or deleting any entry breaks the chain from that point on.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    /// <summary>1, 2, 3... unique, so two writers cannot fork the chain.</summary>
    public long Sequence { get; set; }
    public DateTime At { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public required string Target { get; set; }
    public required string CorrelationId { get; set; }
    public string? Before { get; set; }
    public string? After { get; set; }
    public string PreviousHash { get; set; } = "";
    public string Hash { get; set; } = "";
}
