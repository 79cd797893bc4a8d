using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Events.Webhooks;

namespace OpsConsole.Console.Api;

public sealed record CreateWebhookRequest(string? Name, string? Url, string? Secret, string[]? EventTypes, string? SubjectPrefix);

public static class WebhooksApi
{
    public static RouteGroupBuilder MapWebhooksApi(this RouteGroupBuilder api)
    {
        var hooks = api.MapGroup("/webhooks").WithTags("Webhooks").RequireAuthorization(Policies.Admin);
        hooks.MapGet("/", List).WithName("ListWebhooks").WithSummary("List webhooks with delivery counts").WithDescription("Admin only. Secrets are never returned.");
        hooks.MapPost("/", Create).WithName("CreateWebhook").WithSummary("Add a webhook")
            .WithDescription("Admin only. Events are POSTed as CloudEvents JSON, signed with HMAC-SHA256 over the body in X-OpsConsole-Signature (sha256=<hex>). " +
                             "The secret is returned once; leave it empty to have one generated. Loopback, private, link-local and metadata addresses are refused unless allowed " +
                             "with OPS_EGRESS_ALLOW (checked again at every connection); redirects are not followed. Audit entries and events show the URL's scheme and host only.")
            .ProducesValidationProblem();
        hooks.MapDelete("/{id:guid}", Delete).WithName("DeleteWebhook").WithSummary("Delete a webhook and its delivery log").ProducesProblem(404);
        hooks.MapGet("/{id:guid}/deliveries", Deliveries).WithName("ListWebhookDeliveries").WithSummary("The delivery log: each event owed and every attempt").ProducesProblem(404);
        hooks.MapPost("/{id:guid}/ping", Ping).WithName("PingWebhook").WithSummary("Send a webhook.ping event to this webhook only").ProducesProblem(404);
        hooks.MapPost("/deliveries/{deliveryId:guid}/redeliver", Redeliver).WithName("RedeliverWebhookEvent").WithSummary("Try a delivery again (for example one that gave up)").ProducesProblem(404);
        return api;
    }

    private static async Task<Ok<IReadOnlyList<WebhookSummary>>> List(WebhookRegistry registry, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(await registry.ListAsync(ctx.ToActor(), ct));

    private static async Task<Created<CreatedWebhook>> Create(CreateWebhookRequest body, WebhookRegistry registry, HttpContext ctx, CancellationToken ct)
    {
        var created = await registry.CreateAsync(ctx.ToActor(), body.Name, body.Url, body.Secret, body.EventTypes, body.SubjectPrefix, ct);
        return TypedResults.Created($"/api/v1/webhooks/{created.Webhook.Id}", created);
    }

    private static async Task<NoContent> Delete(Guid id, WebhookRegistry registry, HttpContext ctx, CancellationToken ct)
    {
        await registry.DeleteAsync(ctx.ToActor(), id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<DeliverySummary>>> Deliveries(Guid id, int? take, WebhookRegistry registry, CancellationToken ct) =>
        TypedResults.Ok(await registry.DeliveriesAsync(id, take ?? 50, ct));

    private static async Task<Accepted> Ping(Guid id, WebhookRegistry registry, HttpContext ctx, CancellationToken ct)
    {
        var deliveryId = await registry.PingAsync(ctx.ToActor(), id, ct);
        return TypedResults.Accepted($"/api/v1/webhooks/{id}/deliveries#{deliveryId}");
    }

    private static async Task<Accepted> Redeliver(Guid deliveryId, WebhookRegistry registry, HttpContext ctx, CancellationToken ct)
    {
        await registry.RedeliverAsync(ctx.ToActor(), deliveryId, ct);
        return TypedResults.Accepted((string?)null);
    }
}
