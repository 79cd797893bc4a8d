using OpsConsole.Core.Alerting;

namespace OpsConsole.Core.OnCall;

/// <summary>
/// One notification for one alert group, as Alerting's dispatcher sends it after group_wait,
/// group_interval or repeat_interval: which receiver (by name, as the route tree names it), the
/// group's key and labels, and the alerts in the group now.
/// </summary>
public sealed record AlertNotification(
    string Receiver,
    string GroupKey,
    IReadOnlyDictionary<string, string> GroupLabels,
    IReadOnlyList<AlertSnapshot> Alerts)
{
    /// <summary>Firing while any alert in the group fires; resolved once all have resolved.</summary>
    public AlertStatus Status => Alerts.Any(a => a.Status == AlertStatus.Firing) ? AlertStatus.Firing : AlertStatus.Resolved;
}

/// <summary>
/// Delivers alert notifications to receivers (an escalation policy, a webhook, an email address).
/// Implemented by OnCall, called by Alerting's dispatcher. Delivery failures are recorded by the
/// implementation, not thrown: one broken receiver must not stop the others.
/// </summary>
public interface IAlertReceivers
{
    Task NotifyAsync(AlertNotification notification, CancellationToken ct);
}
