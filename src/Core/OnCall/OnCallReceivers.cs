using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OpsConsole.Core.OnCall;

/// <summary>
/// <see cref="IAlertReceivers"/> for Alerting's dispatcher: each notification in its own scope (its own
/// unit of work). Nothing escapes as an exception except cancellation: a broken receiver is logged and
/// recorded, and the dispatcher carries on with the others.
/// </summary>
public sealed class OnCallReceivers(IServiceScopeFactory scopes, ILogger<OnCallReceivers> log) : IAlertReceivers
{
    public async Task NotifyAsync(AlertNotification notification, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<Paging>().NotifyAsync(notification, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Notification for receiver {Receiver} (group {GroupKey}) failed", notification.Receiver, notification.GroupKey);
        }
    }
}
