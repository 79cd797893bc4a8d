using MudBlazor;
using OpsConsole.Core.Incidents;

namespace OpsConsole.Console.Components.Pages.Incidents;

/// <summary>How incidents read on the pages: colours, button words, confirmation questions.</summary>
public static class IncidentText
{
    public static Color SeverityColor(string severity) => severity switch
    {
        "SEV1" => Color.Error,
        "SEV2" => Color.Warning,
        "SEV3" => Color.Info,
        _ => Color.Default,
    };

    public static Color StatusColor(string status) => status switch
    {
        "open" => Color.Error,
        "acknowledged" => Color.Warning,
        "mitigated" => Color.Info,
        _ => Color.Success,
    };

    public static string Label(IncidentStatus target) => target switch
    {
        IncidentStatus.Acknowledged => "Acknowledge",
        IncidentStatus.Mitigated => "Mitigated",
        IncidentStatus.Resolved => "Resolve",
        _ => target.ToString(),
    };

    public static string Consequence(IncidentStatus target, IncidentView i) => target switch
    {
        IncidentStatus.Acknowledged => $"You take incident {i.Id} ({i.Title}): the timeline records that you acknowledged it.",
        IncidentStatus.Mitigated => $"Customers are no longer hurt by incident {i.Id}, even if the cause is not fixed yet. It cannot be taken back to earlier states.",
        _ => $"Incident {i.Id} is over: it stops holding its alerts (a new firing opens a new incident) and nothing can move it again.",
    };

    public static Color KindColor(TimelineKind kind) => kind switch
    {
        TimelineKind.Change => Color.Primary,
        TimelineKind.Alert => Color.Error,
        TimelineKind.Page => Color.Warning,
        TimelineKind.Runbook => Color.Info,
        TimelineKind.Note => Color.Secondary,
        _ => Color.Default,
    };
}
