using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;
using OpsConsole.Core.GameDays;

namespace OpsConsole.Console.Api;

public sealed record GameDayAbortRequest(string? Reason);
public sealed record GameDayNoteRequest(string? Text);
public sealed record GameDayActionItemRequest(string? Text, string? Owner, DateOnly? DueDate);
public sealed record GameDayObservationsRequest(string? Observations);

public sealed record GameDaySummary(long Id, string Title, string Status, string Facilitator, IReadOnlyList<string> Scope, DateTime? ScheduledAt,
    DateTime? StartedAt, DateTime? EndedAt, int DurationSeconds)
{
    public static GameDaySummary From(GameDay g)
    {
        var plan = g.Plan;
        return new(g.Id, g.Title, g.Status.ToString(), g.Facilitator, plan.Scope, g.ScheduledAt, g.StartedAt, g.EndedAt, plan.DurationSeconds);
    }
}

public sealed record GameDayFaultView(int Number, string Type, string Target, double Magnitude, int StartSeconds, int DurationSeconds, string Description,
    DateTime? InjectedAt, DateTime? LiftedAt, string? Outcome);

public sealed record GameDayActionItemView(long Id, string Text, string Owner, DateOnly? DueDate, string CreatedBy, DateTime CreatedAt);

public sealed record GameDayView(
    long Id, string Title, string Status, string Facilitator, string CreatedBy, DateTime CreatedAt, DateTime? ScheduledAt, DateTime? StartedAt,
    DateTime? EndedAt, string? AbortReason, string? ProdOptInBy, GameDayPlan Plan, IReadOnlyList<GameDayFaultView> Faults,
    IReadOnlyList<string> FaultsInForce, IReadOnlyList<SliTally> SteadyState, IReadOnlyList<GameDayTimelineItem> Timeline,
    double? TtdSeconds, double? TtaSeconds, double? TtmSeconds, bool? HypothesisHeld, string Verdict, string? Observations,
    IReadOnlyList<GameDayActionItemView> ActionItems, string? ReportSha256)
{
    public static GameDayView From(GameDay g, IReadOnlyList<GameDayTimelineItem> timeline, GameDayResult result, IReadOnlyList<ActiveFault> inForce)
    {
        var plan = g.Plan;
        var runs = g.FaultRuns;
        var faults = plan.Faults.Select((f, i) =>
        {
            var run = runs.FirstOrDefault(r => r.Index == i);
            return new GameDayFaultView(i + 1, f.Type.ToString(), f.Target, f.Magnitude, f.StartSeconds, f.DurationSeconds, f.ToString(), run?.InjectedAt, run?.LiftedAt, run?.Outcome);
        }).ToList();
        return new GameDayView(g.Id, g.Title, g.Status.ToString(), g.Facilitator, g.CreatedBy, g.CreatedAt, g.ScheduledAt, g.StartedAt, g.EndedAt, g.AbortReason,
            g.ProdOptInBy, plan, faults, inForce.Select(f => $"{f.Fault} on {f.Target}").ToList(), g.SliTallies, timeline,
            result.TtdSeconds, result.TtaSeconds, result.TtmSeconds, result.HypothesisHeld, result.Verdict, g.Observations,
            g.ActionItems.OrderBy(a => a.Id).Select(a => new GameDayActionItemView(a.Id, a.Text, a.Owner, a.DueDate, a.CreatedBy, a.CreatedAt)).ToList(), g.ReportSha256);
    }
}

public static class GameDaysApi
{
    public static RouteGroupBuilder MapGameDaysApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/gamedays").WithTags("Game days");
        g.MapGet("/", List).WithName("ListGameDays").WithSummary("Game days, newest first (optional from/to: those scheduled or run in that interval, for a calendar)");
        g.MapPost("/", Plan).WithName("PlanGameDay").WithSummary("Plan a game day")
            .WithDescription("Facilitator or Admin. Body: title, objective, scope [\"service/environment\"], participants, observers, hypothesis, " +
                             "steadyState and abortConditions (expressions over error_ratio, p99_ms, rps, burn_rate, e.g. \"error_ratio > 0.3\"), faults " +
                             "[{type: ErrorRate|Latency|Drop|KillInstance|Crash, target, magnitude, startSeconds, durationSeconds}], blastRadius, scheduledAt, " +
                             "durationSeconds, allowProd. A production environment in scope needs an Admin with allowProd: true (403 otherwise). 201 {id}; " +
                             "400 naming the field (an expression that does not parse, calls a function or names an unknown variable) and nothing stored.")
            .ProducesValidationProblem().ProducesProblem(403);
        g.MapGet("/{id:long}", Get).WithName("GetGameDay")
            .WithSummary("A game day: plan, fault states, timeline, ttdSeconds/ttaSeconds/ttmSeconds, hypothesisHeld and verdict").ProducesProblem(404);
        g.MapPut("/{id:long}", Update).WithName("UpdateGameDay").WithSummary("Replace the plan of a planned game day (its facilitator or an Admin)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        g.MapPost("/{id:long}/start", Start).WithName("StartGameDay").WithSummary("Start the game day now (its facilitator or an Admin); 409 when it already started")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        g.MapPost("/{id:long}/abort", Abort).WithName("AbortGameDay").WithSummary("Abort: every fault lifted at once, the report sealed (body: reason)")
            .ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        g.MapPost("/{id:long}/complete", Complete).WithName("CompleteGameDay").WithSummary("End the game day now: faults lifted, the report sealed")
            .ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        g.MapPost("/{id:long}/notes", AddNote).WithName("AddGameDayNote").WithSummary("A note on the timeline (participants, the facilitator, Admins)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404);
        g.MapPost("/{id:long}/action-items", AddActionItem).WithName("AddGameDayActionItem").WithSummary("An action item: text, owner, dueDate (facilitator or Admin)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404);
        g.MapPut("/{id:long}/observations", SetObservations).WithName("SetGameDayObservations").WithSummary("The observations of the result (facilitator or Admin)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404);
        g.MapGet("/{id:long}/report", Report).WithName("GameDayReport")
            .WithSummary("The sealed report (format=json, default, carrying its sha256, which the audit trail also holds; or format=markdown); 409 until the game day ended")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409);
        return api;
    }

    private static async Task<Ok<List<GameDaySummary>>> List(DateTime? from, DateTime? to, GameDayDesk desk, CancellationToken ct)
    {
        var all = await desk.ListAsync(ct);
        var rows = all.Where(g =>
        {
            var at = g.StartedAt ?? g.ScheduledAt ?? g.CreatedAt;
            return (from is null || at >= from.Value.ToUniversalTime()) && (to is null || at <= to.Value.ToUniversalTime());
        }).Select(GameDaySummary.From).ToList();
        return TypedResults.Ok(rows);
    }

    private static async Task<Created<GameDayView>> Plan(GameDayInput body, GameDayDesk desk, HttpContext ctx, CancellationToken ct)
    {
        var gameDay = await desk.PlanAsync(ctx.ToActor(), body, ct);
        return TypedResults.Created($"/api/v1/gamedays/{gameDay.Id}", await ViewAsync(desk, gameDay.Id, ct));
    }

    private static async Task<Ok<GameDayView>> Get(long id, GameDayDesk desk, CancellationToken ct) => TypedResults.Ok(await ViewAsync(desk, id, ct));

    private static async Task<Ok<GameDayView>> Update(long id, GameDayInput body, GameDayDesk desk, HttpContext ctx, CancellationToken ct)
    {
        await desk.UpdatePlanAsync(ctx.ToActor(), id, body, ct);
        return TypedResults.Ok(await ViewAsync(desk, id, ct));
    }

    private static async Task<Ok<GameDayView>> Start(long id, GameDayDesk desk, HttpContext ctx, CancellationToken ct)
    {
        await desk.StartAsync(ctx.ToActor(), id, ct);
        return TypedResults.Ok(await ViewAsync(desk, id, ct));
    }

    private static async Task<Ok<GameDayView>> Abort(long id, GameDayAbortRequest? body, GameDayDesk desk, HttpContext ctx, CancellationToken ct)
    {
        await desk.AbortAsync(ctx.ToActor(), id, body?.Reason, ct);
        return TypedResults.Ok(await ViewAsync(desk, id, ct));
    }

    private static async Task<Ok<GameDayView>> Complete(long id, GameDayDesk desk, HttpContext ctx, CancellationToken ct)
    {
        await desk.CompleteAsync(ctx.ToActor(), id, ct);
        return TypedResults.Ok(await ViewAsync(desk, id, ct));
    }

    private static async Task<Ok<GameDayView>> AddNote(long id, GameDayNoteRequest body, GameDayDesk desk, HttpContext ctx, CancellationToken ct)
    {
        await desk.AddNoteAsync(ctx.ToActor(), id, body.Text, ct);
        return TypedResults.Ok(await ViewAsync(desk, id, ct));
    }

    private static async Task<Ok<GameDayView>> AddActionItem(long id, GameDayActionItemRequest body, GameDayDesk desk, HttpContext ctx, CancellationToken ct)
    {
        await desk.AddActionItemAsync(ctx.ToActor(), id, body.Text, body.Owner, body.DueDate, ct);
        return TypedResults.Ok(await ViewAsync(desk, id, ct));
    }

    private static async Task<Ok<GameDayView>> SetObservations(long id, GameDayObservationsRequest body, GameDayDesk desk, HttpContext ctx, CancellationToken ct)
    {
        await desk.SetObservationsAsync(ctx.ToActor(), id, body.Observations, ct);
        return TypedResults.Ok(await ViewAsync(desk, id, ct));
    }

    private static async Task<IResult> Report(long id, string? format, GameDayDesk desk, CancellationToken ct)
    {
        var gameDay = await desk.LoadAsync(id, ct) ?? throw new NotFoundException($"Game day {id}");
        var kind = (format ?? "json").Trim().ToLowerInvariant();
        if (kind is not ("json" or "markdown" or "md"))
            throw new InvalidInputException("format", $"'{format}' is not a report format; use json or markdown.");
        if (gameDay.ReportJson is not { } document)
            throw new ConflictException($"Game day {id} is {gameDay.Status.ToString().ToLowerInvariant()}; its report is sealed when it ends.");
        var name = $"gameday-{id}-report";
        return kind == "json"
            ? TypedResults.File(Encoding.UTF8.GetBytes(document), "application/json", name + ".json")
            : TypedResults.File(Encoding.UTF8.GetBytes(GameDayReport.ToMarkdown(document)), "text/markdown; charset=utf-8", name + ".md");
    }

    public static async Task<GameDayView> ViewAsync(GameDayDesk desk, long id, CancellationToken ct)
    {
        var gameDay = await desk.LoadAsync(id, ct) ?? throw new NotFoundException($"Game day {id}");
        var (timeline, result) = await desk.ReadRunAsync(gameDay, ct);
        return GameDayView.From(gameDay, timeline, result, desk.FaultsInForce(gameDay));
    }
}
