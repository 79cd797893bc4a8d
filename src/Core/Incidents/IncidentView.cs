namespace OpsConsole.Core.Incidents;

/// <summary>What the API and the pages show of an incident; the timeline only when asked for one incident.</summary>
public sealed record IncidentView(
    long Id, string Title, string Severity, string Status, string? Commander, IReadOnlyList<string> Services, string Origin,
    DateTime OpenedAt, string OpenedBy, DateTime? AcknowledgedAt, string? AcknowledgedBy, DateTime? MitigatedAt, string? MitigatedBy,
    DateTime? ResolvedAt, string? ResolvedBy, DateTime UpdatedAt,
    IReadOnlyList<IncidentAlertView> Alerts, IReadOnlyList<IncidentRunbookView> Runbooks, IReadOnlyList<TimelineEntry>? Timeline)
{
    public static IncidentView From(Incident i, IReadOnlyList<TimelineEntry>? timeline = null) => new(
        i.Id, i.Title, IncidentRules.Label(i.Severity), StatusName(i.Status), i.Commander, i.ServiceNames, i.Origin,
        i.OpenedAt, i.OpenedBy, i.AcknowledgedAt, i.AcknowledgedBy, i.MitigatedAt, i.MitigatedBy, i.ResolvedAt, i.ResolvedBy, i.UpdatedAt,
        i.Alerts.OrderBy(a => a.LinkedAt).Select(a => new IncidentAlertView(a.Fingerprint, a.Name, a.StartsAt, a.LinkedAt)).ToList(),
        i.Runbooks.OrderBy(r => r.AttachedAt).ThenBy(r => r.Slug, StringComparer.Ordinal).Select(r => IncidentRunbookView.From(i.Id, r)).ToList(),
        timeline);

    public static string StatusName(IncidentStatus s) => s.ToString().ToLowerInvariant();
}

public sealed record IncidentAlertView(string Fingerprint, string Name, DateTime StartsAt, DateTime LinkedAt);

/// <param name="Href">The runbook's page.</param>
/// <param name="StartRunHref">The runbook's page, asked to start a run tied to this incident.</param>
public sealed record IncidentRunbookView(string Slug, string Title, string Href, string StartRunHref)
{
    public static IncidentRunbookView From(long incidentId, IncidentRunbook r)
    {
        var href = $"/runbooks/{Uri.EscapeDataString(r.Slug)}";
        return new IncidentRunbookView(r.Slug, r.Title, href, $"{href}?incident={incidentId}");
    }
}
