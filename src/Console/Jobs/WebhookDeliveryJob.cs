using Hangfire;
using OpsConsole.Core.Events.Webhooks;

namespace OpsConsole.Console.Jobs;

/// <summary>
/// One delivery attempt per job run. Hangfire's own retries are off: the sender schedules the next
/// attempt by the webhook retry policy, which also decides when to give up.
/// </summary>
public sealed class WebhookDeliveryJob(WebhookSender sender)
{
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Webhook delivery {0}")]
    public Task AttemptAsync(Guid deliveryId, CancellationToken ct) => sender.AttemptAsync(deliveryId, ct);

    [AutomaticRetry(Attempts = 0)]
    public Task RequeueOverdueAsync(CancellationToken ct) => sender.RequeueOverdueAsync(TimeSpan.FromMinutes(1), ct);
}
