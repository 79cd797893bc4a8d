using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Api;

public sealed record StartRolloutRequest(string? Service, string? Environment, string? Version, JsonElement? Strategy, Dictionary<string, string>? Config);

public static class RolloutsApi
{
    public static RouteGroupBuilder MapRolloutsApi(this RouteGroupBuilder api)
    {
        var rollouts = api.MapGroup("/rollouts").WithTags("Rollouts");
        rollouts.MapPost("/", Start).WithName("StartRollout").WithSummary("Start a rollout")
            .WithDescription("OnCall or ReleaseManager. Body: service, environment, version, strategy (optional: a name — default, canary, blueGreen — or an inline " +
                             "{\"canary\":{\"steps\":[{\"setWeight\":20},{\"analysis\":\"error-rate\"},{\"pause\":{\"duration\":\"30s\"}}]}} / {\"blueGreen\":{...}}), " +
                             "config (environment variables for the workload: application keys matching ^[A-Z][A-Z0-9_]{0,63}$, at most 50, values up to 4096 characters; " +
                             "loader, runtime and host variables such as LD_*, DOTNET_*, ASPNETCORE_*, CORECLR_*, COMPlus_*, PATH, proxies, SSL_CERT_* and OPS_* are refused with 400 naming the key). 409 with rolloutId when one is already in flight for the service and environment.")
            .RequireAuthorization(Policies.ActOnRollouts)
            .ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);
        rollouts.MapGet("/", List).WithName("ListRollouts").WithSummary("Rollouts, newest first (filters: service, environment, active)");
        rollouts.MapGet("/{id:guid}", Get).WithName("GetRollout").WithSummary("A rollout: phase, step, weights and every analysis measurement").ProducesProblem(404);
        rollouts.MapPost("/{id:guid}/{action}", Act).WithName("ActOnRollout")
            .WithSummary("promote | promote-full | pause | resume | abort | retry | skip")
            .WithDescription("OnCall or ReleaseManager; promote-full needs ReleaseManager, and so do promote and skip while the current step is an analysis " +
                             "(or a blue/green pre-promotion analysis runs, or a background analysis is inconclusive). 409 when the action does not fit the rollout's phase.")
            .RequireAuthorization(Policies.ActOnRollouts)
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        return api;
    }

    private static async Task<Created<RolloutView>> Start(StartRolloutRequest body, RolloutCoordinator coordinator, HttpContext ctx, CancellationToken ct)
    {
        var rollout = await coordinator.StartAsync(ctx.ToActor(), body.Service, body.Environment, body.Version, body.Strategy, body.Config, ct);
        return TypedResults.Created($"/api/v1/rollouts/{rollout.Id}", RolloutView.From(rollout));
    }

    private static async Task<Ok<List<RolloutView>>> List(string? service, string? environment, bool? active, int? limit, OpsDbContext db, CancellationToken ct)
    {
        var q = db.Rollouts.AsNoTracking().WithAnalysis();
        if (!string.IsNullOrEmpty(service)) q = q.Where(r => r.Service == service);
        if (!string.IsNullOrEmpty(environment)) q = q.Where(r => r.Environment == environment);
        if (active == true) q = q.InFlight();
        var rows = await q.OrderByDescending(r => r.CreatedAt).Take(Math.Clamp(limit ?? 50, 1, 500)).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(RolloutView.From).ToList());
    }

    private static async Task<Results<Ok<RolloutView>, ProblemHttpResult>> Get(Guid id, RolloutCoordinator coordinator, CancellationToken ct) =>
        await coordinator.LoadAsync(id, ct) is { } r
            ? TypedResults.Ok(RolloutView.From(r))
            : TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"Rollout {id} was not found.");

    private static async Task<Ok<RolloutView>> Act(Guid id, string action, RolloutCoordinator coordinator, HttpContext ctx, CancellationToken ct)
    {
        if (!RolloutActions.ByRouteName.TryGetValue(action, out var parsed))
            throw new InvalidInputException("action", $"Unknown action '{action}': use one of {string.Join(", ", RolloutActions.ByRouteName.Keys)}.");
        return TypedResults.Ok(RolloutView.From(await coordinator.ActAsync(ctx.ToActor(), id, parsed, ct)));
    }
}
