using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Releases;

namespace OpsConsole.Console.Api;

public sealed record FreezeWindowView(Guid Id, string Name, string? Service, string? Environment, string? RRule, DateTime? Start, int DurationMinutes, string TimeZone,
    DateTime? StartUtc, DateTime? EndUtc, string Reason, string CreatedBy, DateTime CreatedAt)
{
    public static FreezeWindowView From(FreezeWindow w) => new(w.Id, w.Name, w.Service, w.Environment, w.RRule, w.StartLocal, w.DurationMinutes, w.TimeZone,
        w.StartUtc, w.EndUtc, w.Reason, w.CreatedBy, w.CreatedAt);
}

public static class FreezeApi
{
    public static RouteGroupBuilder MapFreezeApi(this RouteGroupBuilder api)
    {
        var freezes = api.MapGroup("/freezes").WithTags("Freeze windows");
        freezes.MapGet("/", List).WithName("ListFreezeWindows").WithSummary("Every freeze window");
        freezes.MapPost("/", Create).WithName("CreateFreezeWindow").WithSummary("Create a freeze window (Admin or ReleaseManager)")
            .WithDescription("Recurring: {name, environment?, service?, rrule: \"FREQ=WEEKLY;BYDAY=FR\", start: \"2026-01-02T16:00\" (local), durationMinutes: 3840, timeZone: \"Europe/Berlin\"}. " +
                             "One-off: {name, environment?, service?, startUtc, endUtc}. At least one of service and environment. 400 naming the problem for an RRULE that does not parse or an unknown time zone; nothing is saved then.")
            .ProducesValidationProblem().ProducesProblem(403);
        freezes.MapDelete("/{id:guid}", Delete).WithName("DeleteFreezeWindow").WithSummary("Delete a freeze window (Admin or ReleaseManager)").ProducesProblem(403).ProducesProblem(404);
        freezes.MapGet("/state", State).WithName("GetFreezeState").WithSummary("Whether deployments of a service to an environment are frozen at a moment (default now)")
            .WithDescription("Query: service, environment, at (ISO 8601, optional). Answers frozen, window, until, nextStart.");
        freezes.MapGet("/occurrences", Occurrences).WithName("ListFreezeOccurrences").WithSummary("Occurrences of every window between from and to (default: the next 4 weeks)");
        return api;
    }

    private static async Task<Ok<List<FreezeWindowView>>> List(FreezeCalendar calendar, CancellationToken ct) =>
        TypedResults.Ok((await calendar.ListAsync(ct)).Select(FreezeWindowView.From).ToList());

    private static async Task<Created<FreezeWindowView>> Create(FreezeWindowRequest body, FreezeCalendar calendar, HttpContext ctx, CancellationToken ct)
    {
        var w = await calendar.CreateAsync(ctx.ToActor(), body, ct);
        return TypedResults.Created($"/api/v1/freezes/{w.Id}", FreezeWindowView.From(w));
    }

    private static async Task<NoContent> Delete(Guid id, FreezeCalendar calendar, HttpContext ctx, CancellationToken ct)
    {
        await calendar.DeleteAsync(ctx.ToActor(), id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<FreezeState>> State(string service, string environment, DateTimeOffset? at, FreezeCalendar calendar, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await calendar.StateAsync(service, environment, (at ?? clock.GetUtcNow()).UtcDateTime, ct));

    private static async Task<Ok<IReadOnlyList<FreezeOccurrence>>> Occurrences(DateTimeOffset? from, DateTimeOffset? to, FreezeCalendar calendar, TimeProvider clock, CancellationToken ct)
    {
        var start = (from ?? clock.GetUtcNow()).UtcDateTime;
        var end = to?.UtcDateTime ?? start.AddDays(28);
        if (end - start > TimeSpan.FromDays(366)) end = start.AddDays(366);
        return TypedResults.Ok(await calendar.OccurrencesAsync(start, end, ct));
    }
}
