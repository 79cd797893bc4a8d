using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Api;

public sealed record ServiceEnvironmentView(string Service, string Environment, string? StableVersion, string? StableRevision, int StableWeight,
    IReadOnlyDictionary<string, int> Weights, Guid? ActiveRolloutId, string? ActiveVersion, string? ActivePhase, int? ActiveStep,
    IReadOnlyList<RevisionView> Revisions, string? Endpoint);

public sealed record RevisionView(string Name, string Version, int DesiredInstances, int ReadyInstances, IReadOnlyList<InstanceView> Instances);

public sealed record InstanceView(string Id, string State, string? Address, int Restarts, string? LastError);

public static class ServicesApi
{
    public static RouteGroupBuilder MapServicesApi(this RouteGroupBuilder api)
    {
        var services = api.MapGroup("/services").WithTags("Services");
        services.MapGet("/", List).WithName("ListServices").WithSummary("Every service in every environment: stable version, traffic, rollout in flight");
        services.MapGet("/{service}/environments/{environment}", Get).WithName("GetServiceEnvironment")
            .WithSummary("One service in one environment: the stable version and its weight, revisions and instance health").ProducesProblem(404);
        return api;
    }

    private static async Task<Ok<List<ServiceEnvironmentView>>> List(OpsDbContext db, IClusterAdapter cluster, CancellationToken ct)
    {
        var targets = await db.DeployTargets.AsNoTracking().OrderBy(t => t.Service).ThenBy(t => t.Environment).ToListAsync(ct);
        var active = await ActiveRolloutsAsync(db, ct);
        var views = new List<ServiceEnvironmentView>();
        foreach (var t in targets) views.Add(await ViewAsync(t, active, cluster, ct));
        return TypedResults.Ok(views);
    }

    private static async Task<Results<Ok<ServiceEnvironmentView>, ProblemHttpResult>> Get(string service, string environment, OpsDbContext db, IClusterAdapter cluster, CancellationToken ct)
    {
        var t = await db.DeployTargets.AsNoTracking().FirstOrDefaultAsync(x => x.Service == service && x.Environment == environment, ct);
        if (t is null) return TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"Service '{service}' in environment '{environment}' was not found.");
        return TypedResults.Ok(await ViewAsync(t, await ActiveRolloutsAsync(db, ct), cluster, ct));
    }

    private static async Task<List<Rollout>> ActiveRolloutsAsync(OpsDbContext db, CancellationToken ct) =>
        await db.Rollouts.AsNoTracking().InFlight().ToListAsync(ct);

    internal static async Task<ServiceEnvironmentView> ViewAsync(DeployTarget t, List<Rollout> active, IClusterAdapter cluster, CancellationToken ct)
    {
        var observed = await cluster.GetServiceAsync(t.Target, ct);
        var weights = observed?.Routing.Weights?.Weights ?? new Dictionary<string, int>();
        var rollout = active.FirstOrDefault(r => r.Service == t.Service && r.Environment == t.Environment);
        var revisions = observed?.Revisions.Select(r => new RevisionView(r.Name, r.Version, r.DesiredInstances, r.ReadyInstances,
            r.Instances.Select(i => new InstanceView(i.Id, i.State.ToString(), i.Address?.ToString(), i.Restarts, i.LastError)).ToList())).ToList() ?? [];
        return new ServiceEnvironmentView(t.Service, t.Environment, t.StableVersion, t.StableRevision,
            t.StableRevision is null ? 0 : weights.GetValueOrDefault(t.StableRevision), weights,
            rollout?.Id, rollout?.Version, rollout?.Phase.ToString(), rollout?.CurrentStepIndex, revisions, observed?.Endpoint?.ToString());
    }
}
