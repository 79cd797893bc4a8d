using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Console.Auth;
using OpsConsole.Console.Hosting;
using OpsConsole.Core.Domain;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Console.Api;

public sealed record OnCallAnswer(DateTime At, IReadOnlyList<OnCallNow> Schedules);

public static class OnCallApi
{
    public static RouteGroupBuilder MapOnCallApi(this RouteGroupBuilder api)
    {
        var oncall = api.MapGroup("/oncall").WithTags("On-call");
        oncall.MapGet("/", WhoIsOnCall).WithName("WhoIsOnCall").WithSummary("Who is on call in every schedule, now or at ?at=<ISO time>")
            .WithDescription("Per schedule: the person (null when nobody), the layer or override that puts them there, and until when (null: no change in 90 days).")
            .ProducesValidationProblem();
        oncall.MapGet("/schedules", (OnCallSchedules s, CancellationToken ct) => s.ListAsync(ct)).WithName("ListSchedules").WithSummary("Schedules with their layers and overrides");
        oncall.MapGet("/schedules/{id:guid}", (Guid id, OnCallSchedules s, CancellationToken ct) => s.GetAsync(id, ct)).WithName("GetSchedule").WithSummary("One schedule").ProducesProblem(404);
        oncall.MapPost("/schedules", CreateSchedule).WithName("CreateSchedule").WithSummary("Add a schedule (Admin)")
            .WithDescription("Layers: users, rotationLength with unit Days or Hours, handoffTime (HH:mm), timeZone (IANA), startDate, optional restrictFrom/restrictTo daily window. Later layers win where they cover. A layer without users is refused (400) and nothing is saved.")
            .ProducesValidationProblem();
        oncall.MapPut("/schedules/{id:guid}", (Guid id, ScheduleInput body, OnCallSchedules s, HttpContext ctx, CancellationToken ct) => s.UpdateAsync(ctx.ToActor(), id, body, ct))
            .WithName("UpdateSchedule").WithSummary("Replace a schedule's name and layers (Admin)").ProducesValidationProblem();
        oncall.MapDelete("/schedules/{id:guid}", DeleteSchedule).WithName("DeleteSchedule").WithSummary("Delete a schedule (Admin)").ProducesProblem(404);
        oncall.MapGet("/schedules/{id:guid}/timeline", Timeline).WithName("ScheduleTimeline").WithSummary("Who is on call from ?from= to ?to= (default: the next 14 days), as segments");
        oncall.MapPost("/schedules/{id:guid}/overrides", (Guid id, OverrideInput body, OnCallSchedules s, HttpContext ctx, CancellationToken ct) => s.AddOverrideAsync(ctx.ToActor(), id, body, ct))
            .WithName("AddOverride").WithSummary("Someone covers the schedule from start to end (Admin)").ProducesValidationProblem();
        oncall.MapDelete("/schedules/{id:guid}/overrides/{overrideId:guid}", (Guid id, Guid overrideId, OnCallSchedules s, HttpContext ctx, CancellationToken ct) =>
            s.RemoveOverrideAsync(ctx.ToActor(), id, overrideId, ct)).WithName("RemoveOverride").WithSummary("Remove an override (Admin)");

        oncall.MapGet("/policies", (EscalationPolicies p, CancellationToken ct) => p.ListAsync(ct)).WithName("ListEscalationPolicies").WithSummary("Escalation policies");
        oncall.MapPost("/policies", (PolicyInput body, EscalationPolicies p, HttpContext ctx, CancellationToken ct) => p.SaveAsync(ctx.ToActor(), null, body, ct))
            .WithName("CreateEscalationPolicy").WithSummary("Add a policy (Admin): levels of targets (user or schedule) with delayMinutes, repeatCount").ProducesValidationProblem();
        oncall.MapPut("/policies/{id:guid}", (Guid id, PolicyInput body, EscalationPolicies p, HttpContext ctx, CancellationToken ct) => p.SaveAsync(ctx.ToActor(), id, body, ct))
            .WithName("UpdateEscalationPolicy").WithSummary("Replace a policy (Admin)").ProducesValidationProblem();
        oncall.MapDelete("/policies/{id:guid}", async (Guid id, EscalationPolicies p, HttpContext ctx, CancellationToken ct) =>
        {
            await p.DeleteAsync(ctx.ToActor(), id, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteEscalationPolicy").WithSummary("Delete a policy no receiver uses (Admin)");

        oncall.MapGet("/receivers", (ReceiverRegistry r, HttpContext ctx, CancellationToken ct) => r.ListAsync(ctx.ToActor(), ct)).WithName("ListReceivers")
            .WithSummary("Receivers the route tree names").WithDescription("Webhook URLs are shown in full to Admins only; others see scheme and host.");
        oncall.MapPost("/receivers", (ReceiverInput body, ReceiverRegistry r, HttpContext ctx, CancellationToken ct) => r.SaveAsync(ctx.ToActor(), null, body, ct))
            .WithName("CreateReceiver").WithSummary("Add a receiver (Admin): escalationPolicy, webhookUrl, emails, opensIncident (SEV1-SEV4)").ProducesValidationProblem();
        oncall.MapPut("/receivers/{id:guid}", (Guid id, ReceiverInput body, ReceiverRegistry r, HttpContext ctx, CancellationToken ct) => r.SaveAsync(ctx.ToActor(), id, body, ct))
            .WithName("UpdateReceiver").WithSummary("Replace a receiver (Admin)").ProducesValidationProblem();
        oncall.MapDelete("/receivers/{id:guid}", async (Guid id, ReceiverRegistry r, HttpContext ctx, CancellationToken ct) =>
        {
            await r.DeleteAsync(ctx.ToActor(), id, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteReceiver").WithSummary("Delete a receiver (Admin)");
        oncall.MapGet("/notifications", (Guid? pageId, int? take, Paging p, CancellationToken ct) => p.NotificationsAsync(pageId, take ?? 100, ct))
            .WithName("ListNotifications").WithSummary("Deliveries and undeliverable notifications, newest first");

        var pages = api.MapGroup("/pages").WithTags("On-call");
        pages.MapGet("/", (bool? open, int? take, Paging p, CancellationToken ct) => p.ListAsync(open ?? false, take ?? 100, ct)).WithName("ListPages")
            .WithSummary("Pages, newest first (?open=true: not resolved)");
        pages.MapGet("/{id:guid}", (Guid id, Paging p, CancellationToken ct) => p.GetAsync(id, ct)).WithName("GetPage").WithSummary("One page").ProducesProblem(404);
        pages.MapPost("/{id:guid}/ack", (Guid id, Paging p, HttpContext ctx, CancellationToken ct) => p.AcknowledgeAsync(ctx.ToActor(), id, ct))
            .WithName("AcknowledgePage").WithSummary("Acknowledge a page: its escalation stops (OnCall or Admin)").ProducesProblem(404).ProducesProblem(409);
        return api;
    }

    private static async Task<Ok<OnCallAnswer>> WhoIsOnCall(string? at, OnCallSchedules s, TimeProvider clock, CancellationToken ct)
    {
        var when = clock.GetUtcNow().UtcDateTime;
        if (!string.IsNullOrEmpty(at))
        {
            if (!DateTimeOffset.TryParse(at, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
                throw new InvalidInputException("at", "'at' is an ISO 8601 time like 2026-03-29T07:00:00Z.");
            when = parsed.UtcDateTime;
        }
        return TypedResults.Ok(new OnCallAnswer(when, await s.WhoIsOnCallAsync(when, ct)));
    }

    private static async Task<Created<ScheduleView>> CreateSchedule(ScheduleInput body, OnCallSchedules s, HttpContext ctx, CancellationToken ct)
    {
        var created = await s.CreateAsync(ctx.ToActor(), body, ct);
        return TypedResults.Created($"/api/v1/oncall/schedules/{created.Id}", created);
    }

    private static async Task<NoContent> DeleteSchedule(Guid id, OnCallSchedules s, HttpContext ctx, CancellationToken ct)
    {
        await s.DeleteAsync(ctx.ToActor(), id, ct);
        return TypedResults.NoContent();
    }

    private static Task<IReadOnlyList<OnCallSegment>> Timeline(Guid id, DateTime? from, DateTime? to, OnCallSchedules s, TimeProvider clock, CancellationToken ct)
    {
        var start = (from ?? clock.GetUtcNow().UtcDateTime).ToUniversalTime();
        return s.TimelineAsync(id, start, (to ?? start.AddDays(14)).ToUniversalTime(), ct);
    }

    /// <summary>
    /// The signed acknowledgement link from a notification, usable without signing in: GET shows what
    /// would be acknowledged and a button (changes nothing, so link previews and scanners are harmless);
    /// POST acknowledges as the person the link was sent to.
    /// </summary>
    public static IEndpointRouteBuilder MapPageAckLinks(this IEndpointRouteBuilder app)
    {
        app.MapGet("/oncall/ack", async (string? token, Paging paging, CancellationToken ct) =>
        {
            var peek = await paging.PeekLinkAsync(token, ct);
            if (peek is not { } found) return Html(400, "Link not valid", "<p>This acknowledgement link was changed or has expired. Sign in to the console to acknowledge.</p>");
            var (page, user) = found;
            var e = HtmlEncoder.Default;
            var body = page.Status == "Triggered"
                ? $"<p>Acknowledge the page <strong>{e.Encode(page.Title)}</strong> (receiver {e.Encode(page.Receiver)}, level {page.Level}) as <strong>{e.Encode(user)}</strong>? Escalation stops.</p>" +
                  $"<form method=\"post\" action=\"/oncall/ack\"><input type=\"hidden\" name=\"token\" value=\"{e.Encode(token!)}\"><button type=\"submit\">Acknowledge</button></form>"
                : $"<p>The page <strong>{e.Encode(page.Title)}</strong> is {e.Encode(page.Status.ToLowerInvariant())}{(page.AcknowledgedBy is { } by ? " by " + e.Encode(by) : "")}. Nothing to do.</p>";
            return Html(200, "Acknowledge page", body);
        }).AllowAnonymous().ExcludeFromDescription();

        app.MapPost("/oncall/ack", async (HttpContext ctx, Paging paging, CancellationToken ct) =>
        {
            var form = ctx.Request.HasFormContentType ? await ctx.Request.ReadFormAsync(ct) : null;
            try
            {
                var page = await paging.AcknowledgeByLinkAsync(form?["token"].ToString(), CorrelationId.Of(ctx), ct);
                return Html(200, "Acknowledged", $"<p>Acknowledged <strong>{HtmlEncoder.Default.Encode(page.Title)}</strong> as {HtmlEncoder.Default.Encode(page.AcknowledgedBy ?? "")}. Escalation stopped.</p>");
            }
            catch (AccessDeniedException)
            {
                return Html(403, "Not acknowledged", "<p>This link was changed, has expired, or its account may not acknowledge pages. Nothing was changed.</p>");
            }
            catch (ConflictException c)
            {
                return Html(409, "Not acknowledged", $"<p>{HtmlEncoder.Default.Encode(c.Message)}</p>");
            }
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    private static ContentHttpResult Html(int status, string title, string body) => TypedResults.Content(
        $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title} · OpsConsole</title></head>" +
        $"<body><h1>{title}</h1>{body}<p><a href=\"/oncall/pages\">Open pages in the console</a></p></body></html>", "text/html; charset=utf-8", statusCode: status);
}
