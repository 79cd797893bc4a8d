using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Drills;

namespace OpsConsole.Console.Api;

public sealed record DrillCreated(Guid Id);
public sealed record DrillRunStarted(Guid RunId);
public sealed record DrillDetail(DrillView Drill, IReadOnlyList<DrillRunView> Runs);

public static class DrillsApi
{
    public static RouteGroupBuilder MapDrillsApi(this RouteGroupBuilder api)
    {
        var drills = api.MapGroup("/drills").WithTags("Drills");
        drills.MapPost("/", Create).WithName("CreateDrill").WithSummary("Schedule a rollback drill")
            .WithDescription("Facilitator or Admin. Body: service, environment, fault (workload settings, only FAULT_ERROR_RATE 0.01..1, FAULT_LATENCY_MS 1..600000, " +
                             "FAULT_CRASH_AFTER_S 0..3600), cron (five fields, UTC, e.g. \"0 3 * * 1\"), targetSeconds (1..3600: all traffic back on stable within this " +
                             "many seconds of the fault going live), optional expectedAlert (alert name that must fire for the service/environment), enabled (default true), " +
                             "timeoutSeconds (default max(600, 2 × target): the drill aborts the rollout itself after it), allowProd (a production environment needs it; " +
                             "only an Admin may set it: 403 otherwise). 400 naming the field for a cron that does not parse or a fault that is not allowed; 404 for an unknown service/environment.")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404);
        drills.MapGet("/", List).WithName("ListDrills").WithSummary("Drills with their last run, pass rate and next scheduled run");
        drills.MapGet("/{id:guid}", Get).WithName("GetDrill").WithSummary("A drill and its runs, oldest first").ProducesProblem(404);
        drills.MapPost("/{id:guid}/run", Run).WithName("RunDrill").WithSummary("Run the drill now")
            .WithDescription("Facilitator or Admin. 202 with runId; follow it at /api/v1/drill-runs/{runId}. 409 while a run of the drill is in progress. " +
                             "When the faulty build cannot start (nothing deployed, another rollout in flight) the run is recorded as Failed with the reason.")
            .ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        drills.MapPost("/{id:guid}/enable", (Guid id, DrillDesk desk, HttpContext ctx, CancellationToken ct) => SetEnabled(id, true, desk, ctx, ct))
            .WithName("EnableDrill").WithSummary("Put the drill on its schedule (Facilitator or Admin; a prod drill: Admin)").ProducesProblem(403).ProducesProblem(404);
        drills.MapPost("/{id:guid}/disable", (Guid id, DrillDesk desk, HttpContext ctx, CancellationToken ct) => SetEnabled(id, false, desk, ctx, ct))
            .WithName("DisableDrill").WithSummary("Take the drill off its schedule (Facilitator or Admin)").ProducesProblem(403).ProducesProblem(404);
        drills.MapDelete("/{id:guid}", Delete).WithName("DeleteDrill").WithSummary("Delete a drill and its runs (Facilitator or Admin; a prod drill: Admin); 409 while it runs")
            .ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        api.MapGet("/drill-runs/{runId:guid}", GetRun).WithTags("Drills").WithName("GetDrillRun")
            .WithSummary("A drill run: status Running|Passed|Failed, detectionSeconds, rollbackSeconds, passed, reason").ProducesProblem(404);
        return api;
    }

    private static async Task<Created<DrillCreated>> Create(DrillRequest body, DrillDesk desk, HttpContext ctx, CancellationToken ct)
    {
        var drill = await desk.CreateAsync(ctx.ToActor(), body, ct);
        return TypedResults.Created($"/api/v1/drills/{drill.Id}", new DrillCreated(drill.Id));
    }

    private static async Task<Ok<IReadOnlyList<DrillView>>> List(DrillDesk desk, CancellationToken ct) => TypedResults.Ok(await desk.ListAsync(ct));

    private static async Task<Results<Ok<DrillDetail>, ProblemHttpResult>> Get(Guid id, DrillDesk desk, CancellationToken ct) =>
        await desk.GetAsync(id, ct) is { } drill
            ? TypedResults.Ok(new DrillDetail(drill, await desk.RunsAsync(id, ct: ct)))
            : TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"Drill {id} was not found.");

    private static async Task<Accepted<DrillRunStarted>> Run(Guid id, DrillDesk desk, HttpContext ctx, CancellationToken ct)
    {
        var run = await desk.StartRunAsync(ctx.ToActor(), id, ct);
        return TypedResults.Accepted($"/api/v1/drill-runs/{run.Id}", new DrillRunStarted(run.Id));
    }

    private static async Task<Results<Ok<DrillView>, ProblemHttpResult>> SetEnabled(Guid id, bool enabled, DrillDesk desk, HttpContext ctx, CancellationToken ct)
    {
        await desk.SetEnabledAsync(ctx.ToActor(), id, enabled, ct);
        return await desk.GetAsync(id, ct) is { } view ? TypedResults.Ok(view) : TypedResults.Problem(statusCode: 404, title: "Not found");
    }

    private static async Task<NoContent> Delete(Guid id, DrillDesk desk, HttpContext ctx, CancellationToken ct)
    {
        await desk.DeleteAsync(ctx.ToActor(), id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<DrillRunView>, ProblemHttpResult>> GetRun(Guid runId, DrillDesk desk, CancellationToken ct) =>
        await desk.RunAsync(runId, ct) is { } run
            ? TypedResults.Ok(run)
            : TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"Drill run {runId} was not found.");
}
