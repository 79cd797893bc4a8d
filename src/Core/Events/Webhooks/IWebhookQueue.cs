namespace OpsConsole.Core.Events.Webhooks;

/// <summary>Where deliveries are scheduled (Hangfire in the console). Kept abstract so Core stays free of the job framework.</summary>
public interface IWebhookQueue
{
    void DeliverNow(Guid deliveryId);
    void DeliverAt(Guid deliveryId, DateTime whenUtc);
}
