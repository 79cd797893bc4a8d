using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;

namespace OpsConsole.Core.Incidents;

/// <summary>
/// Opens incidents for other capabilities: a receiver that opens an incident for its alerts, the
/// "open incident" button on an alert, a rollback in prod. Implemented by Incidents.
/// </summary>
public interface IIncidentIntake
{
    /// <summary>
    /// Opens an incident for the alert, or returns the open incident that already holds it (so a
    /// repeated notification opens nothing new). Returns the incident id.
    /// </summary>
    Task<long> OpenFromAlertAsync(Actor actor, AlertSnapshot alert, IncidentSeverity severity, CancellationToken ct);
}

public enum IncidentSeverity
{
    Sev1 = 1,
    Sev2 = 2,
    Sev3 = 3,
    Sev4 = 4,
}
