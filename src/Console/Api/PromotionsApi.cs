using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Promotions;

namespace OpsConsole.Console.Api;

public sealed record PromotionRequest(string? Service, string? Version, string? Environment);
public sealed record PromotionDecisionRequest(string? Comment);
public sealed record FreezeOverrideRequest(string? Reason);
public sealed record LiftRejectionRequest(string? Service, string? Version, string? Reason);

public static class PromotionsApi
{
    /// <summary>
    /// Mapped outside the Read group: a CI pipeline's Ci-scoped token holds no console role, yet requests
    /// and follows promotions. Every route needs the Pipeline policy; the roles each action needs are checked in Core.
    /// </summary>
    public static IEndpointRouteBuilder MapPromotionsApi(this IEndpointRouteBuilder app)
    {
        var promotions = app.MapGroup("/api/v1/promotions").WithTags("Promotions").RequireAuthorization(Policies.Pipeline);
        promotions.MapPost("/", Request).WithName("RequestPromotion").WithSummary("Request a promotion of a release to an environment")
            .WithDescription("ReleaseManager or a Ci token. Body {service, version, environment}. 201 {id, status}: the promotion waits at the stage's gates and " +
                             "proceeds by itself once they pass. 404 for an unknown release or stage; 409 when one is already in flight for the service and " +
                             "environment, or the release is rejected for the pipeline.")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        promotions.MapGet("/", List).WithName("ListPromotions").WithSummary("Promotions, newest first (filters: service, environment, version, status, open, limit)");
        promotions.MapGet("/{id:guid}", Get).WithName("GetPromotion")
            .WithSummary("A promotion: status (WaitingForGates | AwaitingApproval | Deploying | Succeeded | Failed | Rejected | Cancelled), gates [{name, passed, reason}], approvals, plan and rollout ids")
            .ProducesProblem(404);
        promotions.MapPost("/{id:guid}/approve", Approve).WithName("ApprovePromotion").WithSummary("Approve (ReleaseManager, never the requester)")
            .WithDescription("Body {comment}. 403 for a non-ReleaseManager or the requester (four-eyes rule); 409 when the promotion no longer waits. " +
                             "An approval holds for the release and config it was given for only.")
            .ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        promotions.MapPost("/{id:guid}/reject", Reject).WithName("RejectPromotion").WithSummary("Reject (ReleaseManager, never the requester): ends the promotion")
            .WithDescription("Body {comment}, required.").ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        promotions.MapPost("/{id:guid}/override-freeze", OverrideFreeze).WithName("OverrideFreeze").WithSummary("Break-glass: lift the freeze gate for this promotion (Admin)")
            .WithDescription("Body {reason}, required. Audited and announced as freeze.overridden.").ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        promotions.MapPost("/{id:guid}/cancel", Cancel).WithName("CancelPromotion").WithSummary("Cancel a promotion that has not started deploying")
            .WithDescription("ReleaseManager, Admin, or the Ci token's pipeline that requested it. 409 once deploying (abort the rollout instead).")
            .ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        promotions.MapPost("/lift-rejection", LiftRejection).WithName("LiftReleaseRejection")
            .WithSummary("Let a release that failed a promotion be promoted again (ReleaseManager, audited)")
            .WithDescription("Body {service, version, reason}.").ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        return app;
    }

    private static async Task<Created<PromotionTicket>> Request(PromotionRequest body, PromotionDesk desk, HttpContext ctx, CancellationToken ct)
    {
        var ticket = await desk.RequestAsync(ctx.ToActor(), body.Service ?? "", body.Version ?? "", body.Environment ?? "", ct);
        return TypedResults.Created($"/api/v1/promotions/{ticket.Id}", ticket);
    }

    private static async Task<Ok<List<PromotionView>>> List(string? service, string? environment, string? version, string? status, bool? open, int? limit,
        OpsDbContext db, CancellationToken ct)
    {
        PromotionStatus? parsed = null;
        if (!string.IsNullOrWhiteSpace(status))
            parsed = Enum.TryParse<PromotionStatus>(status, ignoreCase: true, out var s) && Enum.IsDefined(s) ? s
                : throw new InvalidInputException("status", $"Unknown status '{status}': use one of {string.Join(", ", Enum.GetNames<PromotionStatus>())}.");
        var rows = await db.ListAsync(new PromotionFilter(service, environment, version, parsed, open, limit ?? 50), ct);
        return TypedResults.Ok(rows.Select(PromotionView.From).ToList());
    }

    private static async Task<Ok<PromotionView>> Get(Guid id, PromotionDesk desk, CancellationToken ct) =>
        TypedResults.Ok(PromotionView.From(await desk.LoadAsync(id, ct) ?? throw new NotFoundException($"Promotion {id}")));

    private static async Task<Ok<PromotionView>> Approve(Guid id, PromotionDecisionRequest? body, PromotionDesk desk, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(PromotionView.From(await desk.ApproveAsync(ctx.ToActor(), id, body?.Comment, ct)));

    private static async Task<Ok<PromotionView>> Reject(Guid id, PromotionDecisionRequest? body, PromotionDesk desk, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(PromotionView.From(await desk.RejectAsync(ctx.ToActor(), id, body?.Comment, ct)));

    private static async Task<Ok<PromotionView>> OverrideFreeze(Guid id, FreezeOverrideRequest? body, PromotionDesk desk, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(PromotionView.From(await desk.OverrideFreezeAsync(ctx.ToActor(), id, body?.Reason, ct)));

    private static async Task<Ok<PromotionView>> Cancel(Guid id, PromotionDesk desk, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(PromotionView.From(await desk.CancelAsync(ctx.ToActor(), id, ct)));

    private static async Task<NoContent> LiftRejection(LiftRejectionRequest body, PromotionDesk desk, HttpContext ctx, CancellationToken ct)
    {
        await desk.LiftRejectionAsync(ctx.ToActor(), body.Service ?? "", body.Version ?? "", body.Reason, ct);
        return TypedResults.NoContent();
    }
}
