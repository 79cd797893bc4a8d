using OpsConsole.Core.OnCall;

namespace OpsConsole.Tests.Shared;

/// <summary>
/// Records every notification Alerting's dispatcher sends; stands in for OnCall's receivers where a
/// test is about routing and grouping, not delivery. Linked into the Core and Console test projects.
/// </summary>
public sealed class RecordingReceivers : IAlertReceivers
{
    private readonly List<AlertNotification> sent = [];

    public IReadOnlyList<AlertNotification> Sent { get { lock (sent) return [.. sent]; } }

    public Task NotifyAsync(AlertNotification notification, CancellationToken ct)
    {
        lock (sent) sent.Add(notification);
        return Task.CompletedTask;
    }
}
