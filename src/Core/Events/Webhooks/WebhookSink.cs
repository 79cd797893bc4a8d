using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Events.Webhooks;

/// <summary>Turns each relayed event into a durable delivery per matching webhook, then queues the deliveries.</summary>
public sealed class WebhookSink(IWebhookQueue queue, TimeProvider clock) : IEventSink
{
    private readonly List<Guid> _toQueue = [];

    public async Task OnEventAsync(EventEnvelope envelope, OpsDbContext db, CancellationToken ct)
    {
        var hooks = await db.Webhooks.Where(w => w.Enabled).ToListAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var hook in hooks.Where(h => h.Matches(envelope.Type, envelope.Subject)))
        {
            // One delivery per (webhook, event): a relay repeated after a crash cannot owe an event twice.
            if (await db.WebhookDeliveries.AnyAsync(d => d.WebhookId == hook.Id && d.EventId == envelope.Id, ct)) continue;
            var delivery = new WebhookDelivery
            {
                WebhookId = hook.Id,
                EventId = envelope.Id,
                EventType = envelope.Type,
                Body = envelope.CloudEventJson,
                CreatedAt = now,
                // Due now: the sender's clock decides when it is overdue (the sweep after a lost job).
                NextAttemptAt = now,
            };
            db.WebhookDeliveries.Add(delivery);
            lock (_toQueue) _toQueue.Add(delivery.Id);
        }
    }

    public Task AfterCommitAsync(CancellationToken ct)
    {
        Guid[] ids;
        lock (_toQueue) { ids = [.. _toQueue]; _toQueue.Clear(); }
        foreach (var id in ids) queue.DeliverNow(id);
        return Task.CompletedTask;
    }
}
