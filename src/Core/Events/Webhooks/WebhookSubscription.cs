namespace OpsConsole.Core.Events.Webhooks;

/// <summary>An outbound webhook: where to POST events, which events, and the signing secret (stored encrypted).</summary>
public sealed class WebhookSubscription
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public required string Url { get; set; }
    /// <summary>Space-separated event types; a trailing <c>*</c> matches a prefix (<c>deploy.*</c>). Empty: every event.</summary>
    public string EventTypes { get; set; } = "";
    /// <summary>Subject prefix (<c>checkout/</c>); empty: every subject.</summary>
    public string SubjectPrefix { get; set; } = "";
    /// <summary>The HMAC secret, encrypted with the console's data-protection keys. Never returned.</summary>
    public required string ProtectedSecret { get; set; }
    public bool Enabled { get; set; } = true;
    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;
    public required string CreatedBy { get; set; }

    public bool Matches(string type, string subject)
    {
        if (!Enabled) return false;
        if (SubjectPrefix.Length > 0 && !subject.StartsWith(SubjectPrefix, StringComparison.Ordinal)) return false;
        var patterns = EventTypes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return patterns.Length == 0 || patterns.Any(p => p.EndsWith('*')
            ? type.StartsWith(p[..^1], StringComparison.Ordinal)
            : string.Equals(p, type, StringComparison.Ordinal));
    }
}
