using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Egress;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Events.Webhooks;

public sealed record WebhookSummary(Guid Id, string Name, string Url, IReadOnlyList<string> EventTypes, string SubjectPrefix, bool Enabled, DateTime CreatedAt, string CreatedBy,
    int Delivered, int Pending, int GaveUp);

public sealed record CreatedWebhook(WebhookSummary Webhook, string Secret);

public sealed record DeliverySummary(Guid Id, string EventId, string EventType, DeliveryStatus Status, int Attempts, DateTime CreatedAt, DateTime? NextAttemptAt, DateTime? DeliveredAt, int? LastStatusCode, string? LastError, IReadOnlyList<WebhookAttempt> Log);

/// <summary>
/// Webhooks configured in Settings. Only Admins change them; secrets are returned once, at creation.
/// The full URL is shown to Admins only (the list); audit entries and events, which others read,
/// carry its scheme and host: receivers often take their credential in the path or query.
/// </summary>
public sealed class WebhookRegistry(OpsDbContext db, WebhookSecrets secrets, IWebhookQueue queue, EventOutbox outbox, EgressPolicy? egress = null)
{
    public async Task<CreatedWebhook> CreateAsync(Actor actor, string? name, string? url, string? secret, IEnumerable<string>? eventTypes, string? subjectPrefix, CancellationToken ct = default)
    {
        actor.Require("add webhooks", Roles.Admin);
        name = name?.Trim() ?? "";
        if (name.Length is < 1 or > 100) throw new InvalidInputException("name", "Give the webhook a name of 1 to 100 characters.");
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new InvalidInputException("url", "The webhook URL must be an absolute http:// or https:// address.");
        if (!string.IsNullOrEmpty(uri.UserInfo))
            throw new InvalidInputException("url", "Put credentials in the signing secret, not in the URL: URLs are shown in the console.");
        if (uri.OriginalString.Length > 2048) throw new InvalidInputException("url", "A webhook URL is at most 2048 characters.");
        (egress ?? new EgressPolicy()).CheckUrl(uri, "url");
        var types = (eventTypes ?? []).Select(t => t.Trim()).Where(t => t.Length > 0).Distinct().ToList();
        if (types.Any(t => t.Contains(' ') || (t.Contains('*') && !t.EndsWith('*'))))
            throw new InvalidInputException("eventTypes", "Event types are names like deploy.completed, or a prefix ending in * like deploy.*.");
        if (secret is { Length: > 0 and < 16 })
            throw new InvalidInputException("secret", "A signing secret must be at least 16 characters; leave it empty to have one generated.");
        var chosenSecret = string.IsNullOrEmpty(secret) ? WebhookSecrets.Generate() : secret;

        var hook = new WebhookSubscription
        {
            Name = name,
            Url = uri.ToString(),
            EventTypes = string.Join(' ', types),
            SubjectPrefix = subjectPrefix?.Trim() ?? "",
            ProtectedSecret = secrets.Protect(chosenSecret),
            CreatedBy = actor.Name,
        };
        db.Webhooks.Add(hook);
        AuditTrail.Record(db, actor, "webhook.create", $"webhook/{hook.Id}", after: new { hook.Name, url = SafeUrl.SchemeAndHost(hook.Url), eventTypes = types, hook.SubjectPrefix });
        outbox.Add(db, actor, EventTypes.WebhookCreated, $"webhook/{hook.Id}", new { hook.Id, hook.Name, url = SafeUrl.SchemeAndHost(hook.Url) });
        await db.SaveChangesAsync(ct);
        return new CreatedWebhook(Summarise(hook, []), chosenSecret);
    }

    /// <summary>Every webhook with its full URL (which may carry the receiver's credentials), for an Admin.</summary>
    public async Task<IReadOnlyList<WebhookSummary>> ListAsync(Actor actor, CancellationToken ct = default)
    {
        actor.Require("see webhooks", Roles.Admin);
        return await ListAsync(ct);
    }

    public async Task<IReadOnlyList<WebhookSummary>> ListAsync(CancellationToken ct = default)
    {
        var hooks = await db.Webhooks.AsNoTracking().OrderBy(w => w.Name).ToListAsync(ct);
        var counts = await db.WebhookDeliveries.GroupBy(d => new { d.WebhookId, d.Status })
            .Select(g => new { g.Key.WebhookId, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        return hooks.Select(h => Summarise(h, counts.Where(c => c.WebhookId == h.Id).Select(c => (c.Status, c.Count)))).ToList();
    }

    public async Task<IReadOnlyList<DeliverySummary>> DeliveriesAsync(Guid webhookId, int take = 50, CancellationToken ct = default)
    {
        if (!await db.Webhooks.AnyAsync(w => w.Id == webhookId, ct)) throw new NotFoundException($"Webhook {webhookId}");
        var rows = await db.WebhookDeliveries.AsNoTracking().Include(d => d.AttemptLog)
            .Where(d => d.WebhookId == webhookId).OrderByDescending(d => d.CreatedAt).Take(Math.Clamp(take, 1, 500)).ToListAsync(ct);
        return rows.Select(d => new DeliverySummary(d.Id, d.EventId, d.EventType, d.Status, d.Attempts, d.CreatedAt, d.NextAttemptAt, d.DeliveredAt,
            d.LastStatusCode, d.LastError, d.AttemptLog.OrderBy(a => a.Number).ToList())).ToList();
    }

    public async Task DeleteAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        actor.Require("delete webhooks", Roles.Admin);
        var hook = await db.Webhooks.FirstOrDefaultAsync(w => w.Id == id, ct) ?? throw new NotFoundException($"Webhook {id}");
        db.Webhooks.Remove(hook);
        AuditTrail.Record(db, actor, "webhook.delete", $"webhook/{hook.Id}", before: new { hook.Name, url = SafeUrl.SchemeAndHost(hook.Url) });
        outbox.Add(db, actor, EventTypes.WebhookDeleted, $"webhook/{hook.Id}", new { hook.Id, hook.Name });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Sends a webhook.ping event to this webhook only, through the normal delivery path.</summary>
    public async Task<Guid> PingAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        actor.Require("test webhooks", Roles.Admin);
        var hook = await db.Webhooks.FirstOrDefaultAsync(w => w.Id == id, ct) ?? throw new NotFoundException($"Webhook {id}");
        // Built like any event, but never added to the outbox, so no other webhook receives it.
        var ping = outbox.Add(db, actor, EventTypes.WebhookPing, $"webhook/{hook.Id}", new { hook.Id, hook.Name, message = "Test delivery from OpsConsole." });
        db.OutboxEvents.Remove(ping);
        var delivery = new WebhookDelivery { WebhookId = hook.Id, EventId = ping.Id, EventType = ping.Type, Body = ping.CloudEventJson, NextAttemptAt = DateTime.UtcNow };
        db.WebhookDeliveries.Add(delivery);
        AuditTrail.Record(db, actor, "webhook.ping", $"webhook/{hook.Id}");
        await db.SaveChangesAsync(ct);
        queue.DeliverNow(delivery.Id);
        return delivery.Id;
    }

    public async Task RedeliverAsync(Actor actor, Guid deliveryId, CancellationToken ct = default)
    {
        actor.Require("redeliver webhook events", Roles.Admin);
        var delivery = await db.WebhookDeliveries.FirstOrDefaultAsync(d => d.Id == deliveryId, ct) ?? throw new NotFoundException($"Delivery {deliveryId}");
        var before = delivery.Status;
        delivery.Status = DeliveryStatus.Pending;
        delivery.CreatedAt = DateTime.UtcNow; // a fresh day of retries
        delivery.NextAttemptAt = DateTime.UtcNow;
        AuditTrail.Record(db, actor, "webhook.redeliver", $"webhook/{delivery.WebhookId}", before: new { delivery.EventId, status = before.ToString() });
        await db.SaveChangesAsync(ct);
        queue.DeliverNow(delivery.Id);
    }

    private static WebhookSummary Summarise(WebhookSubscription h, IEnumerable<(DeliveryStatus Status, int Count)> counts)
    {
        var c = counts.ToList();
        int Count(DeliveryStatus s) => c.Where(x => x.Status == s).Sum(x => x.Count);
        return new(h.Id, h.Name, h.Url, h.EventTypes.Split(' ', StringSplitOptions.RemoveEmptyEntries), h.SubjectPrefix, h.Enabled, h.CreatedAt, h.CreatedBy,
            Count(DeliveryStatus.Delivered), Count(DeliveryStatus.Pending), Count(DeliveryStatus.GaveUp));
    }
}
