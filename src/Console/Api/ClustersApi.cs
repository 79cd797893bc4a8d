using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Kubernetes;

namespace OpsConsole.Console.Api;

/// <summary>The cluster an environment runs on (local or Kubernetes), as the settings chose it.</summary>
public sealed record EnvironmentClusterView(string Environment, string Cluster, string? Namespace, string? Gateway);

public static class ClustersApi
{
    public static RouteGroupBuilder MapClustersApi(this RouteGroupBuilder api)
    {
        api.MapGet("/clusters", Clusters).WithTags("Clusters").WithName("ListClusters")
            .WithSummary("Which cluster each environment runs on: local, or Kubernetes with its namespace and Gateway (set by OPS_CLUSTER and OPS_KUBERNETES_*; credentials are never shown)");
        api.MapGet("/rollouts/{id:guid}/manifests", Manifests).WithTags("Rollouts").WithName("PreviewRolloutManifests")
            .WithSummary("The Kubernetes YAML each step of a rollout applies, rendered without applying it")
            .WithDescription("step: only that strategy step (0-based; omit for all, the revision's creation included). format=yaml: one YAML stream as text. " +
                             "Secret values are never rendered: a Secret lists its keys with a placeholder. For an environment on the local cluster the manifests show what Kubernetes would get.")
            .ProducesProblem(400).ProducesProblem(404);
        return api;
    }

    private static async Task<Ok<List<EnvironmentClusterView>>> Clusters(IClusterAdapter cluster, KubernetesSettings settings, Core.Persistence.OpsDbContext db, CancellationToken ct)
    {
        var known = Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(db.DeployTargets.Select(t => t.Environment).Distinct(), ct);
        var environments = (await known).Concat(settings.Environments).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return TypedResults.Ok(environments.Select(e =>
        {
            var onKubernetes = settings.Environments.Contains(e);
            var o = onKubernetes ? settings.OptionsFor(e) : null;
            return new EnvironmentClusterView(e, onKubernetes ? "kubernetes" : cluster is ClusterByEnvironment c ? c.Embedded.Kind : cluster.Kind, o?.NamespaceName,
                o is null ? null : $"{o.GatewayNamespace ?? o.NamespaceName}/{o.GatewayName}");
        }).ToList());
    }

    private static async Task<Results<Ok<RolloutManifests>, ContentHttpResult>> Manifests(Guid id, int? step, string? format, ManifestPreview preview, CancellationToken ct)
    {
        var manifests = await preview.ForRolloutAsync(id, step, ct);
        if (string.Equals(format, "yaml", StringComparison.OrdinalIgnoreCase))
            return TypedResults.Text(string.Concat(manifests.Steps.Select(s => $"# {(s.Step is { } n ? $"step {n}" : "create")}: {s.Title}\n{s.Yaml}")), "application/yaml");
        return TypedResults.Ok(manifests);
    }
}
