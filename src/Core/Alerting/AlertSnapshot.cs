namespace OpsConsole.Core.Alerting;

/// <summary>
/// An alert as other capabilities see it (on-call notifications, incidents): its identity, labels and state.
/// Alerting owns how alerts are stored; this is the shape it hands out.
/// </summary>
public sealed record AlertSnapshot(
    string Fingerprint,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    AlertStatus Status,
    DateTime StartsAt,
    DateTime? EndsAt,
    string? GeneratorUrl)
{
    /// <summary>The alert's name (label <c>alertname</c>), or its fingerprint when it has none.</summary>
    public string Name => Labels.TryGetValue("alertname", out var n) && n.Length > 0 ? n : Fingerprint;

    /// <summary>The console service the alert is about (label <c>service</c>), if any.</summary>
    public string? Service => Labels.TryGetValue("service", out var s) && s.Length > 0 ? s : null;

    /// <summary>The environment (label <c>environment</c>, else <c>env</c>), if any.</summary>
    public string? Environment =>
        Labels.TryGetValue("environment", out var e) && e.Length > 0 ? e
        : Labels.TryGetValue("env", out var e2) && e2.Length > 0 ? e2 : null;
}

public enum AlertStatus
{
    Firing,
    Resolved,
}

/// <summary>Finds a stored alert by fingerprint; implemented by Alerting.</summary>
public interface IAlertLookup
{
    Task<AlertSnapshot?> FindAsync(string fingerprint, CancellationToken ct);
}
