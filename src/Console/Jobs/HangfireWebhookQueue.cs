using Hangfire;
using OpsConsole.Core.Events.Webhooks;

namespace OpsConsole.Console.Jobs;

/// <summary>Schedules webhook deliveries as Hangfire jobs, through the DI client (no static state).</summary>
public sealed class HangfireWebhookQueue(IBackgroundJobClient jobs) : IWebhookQueue
{
    public void DeliverNow(Guid deliveryId) => jobs.Enqueue<WebhookDeliveryJob>(j => j.AttemptAsync(deliveryId, CancellationToken.None));

    public void DeliverAt(Guid deliveryId, DateTime whenUtc) =>
        jobs.Schedule<WebhookDeliveryJob>(j => j.AttemptAsync(deliveryId, CancellationToken.None), new DateTimeOffset(DateTime.SpecifyKind(whenUtc, DateTimeKind.Utc)));
}
