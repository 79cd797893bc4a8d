using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;
using static OpsConsole.Core.Cluster.Kubernetes.KubernetesManifests;

namespace OpsConsole.Core.Cluster.Kubernetes;

/// <summary>What the Kubernetes adapter applies for one step, rendered without applying anything.</summary>
/// <param name="Step">The strategy step (0-based, as the rollout's current step); null for creating the new revision.</param>
/// <param name="Title">What the step does, e.g. "setWeight 20".</param>
/// <param name="Yaml">The objects, in the order they are written, as one YAML stream; empty when the step writes nothing.</param>
public sealed record StepManifests(int? Step, string Title, string Yaml);

/// <summary>The manifests of a rollout's steps on its environment's cluster settings (a local environment shows what Kubernetes would get).</summary>
public sealed record RolloutManifests(Guid RolloutId, string Service, string Environment, string Namespace, string Cluster, IReadOnlyList<StepManifests> Steps);

/// <summary>
/// Renders the YAML the Kubernetes adapter would apply for each step of a rollout, without applying
/// it: the revision's ConfigMap, Secret (keys only: values are resolved from the secret store when
/// applied and are never shown) and Deployment, the Services and the HTTPRoute per traffic step,
/// in the order the adapter writes them.
/// </summary>
public sealed class ManifestPreview(OpsDbContext db, KubernetesSettings settings, IClusterAdapter cluster)
{
    public async Task<RolloutManifests> ForRolloutAsync(Guid id, int? step, CancellationToken ct = default)
    {
        var r = await db.Rollouts.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFoundException($"Rollout {id}");
        var o = cluster is KubernetesClusterAdapter k && k.Serves(r.Environment) ? k.OptionsOf(r.Environment)
            : cluster is ClusterByEnvironment c && c.Kubernetes.Serves(r.Environment) ? c.Kubernetes.OptionsOf(r.Environment)
            : settings.OptionsFor(r.Environment);
        var kind = cluster is ClusterByEnvironment byEnv ? byEnv.For(r.Environment).Kind : cluster.Kind;
        var steps = Render(r, o);
        if (step is { } n)
        {
            if (!steps.Any(s => s.Step == n))
                throw new InvalidInputException("step", $"Rollout {id} has steps 0 to {steps.Max(s => s.Step ?? 0)}; {n} was asked.");
            steps = steps.Where(s => s.Step == n).ToList();
        }
        return new RolloutManifests(r.Id, r.Service, r.Environment, o.NamespaceName, kind, steps);
    }

    /// <summary>The manifests of every step of <paramref name="r"/> under <paramref name="o"/>.</summary>
    public static List<StepManifests> Render(Rollout r, KubernetesEnvironmentOptions o)
    {
        var t = r.Target;
        var strategy = r.Strategy;
        var config = r.Config;
        var secretKeys = config.Where(c => c.Value.Contains("${secret:", StringComparison.Ordinal)).Select(c => c.Key).ToList();
        var plain = config.Where(c => !secretKeys.Contains(c.Key)).ToDictionary(c => c.Key, c => c.Value);
        var instances = strategy.Canary?.CanaryInstances ?? r.Instances;
        var spec = new RevisionSpec(r.Version, instances, config);
        var create = new List<JsonObject> { ConfigMap(o, t, r.Revision, plain) };
        if (secretKeys.Count > 0) create.Add(Secret(o, t, r.Revision, secretKeys.ToDictionary(k => k, _ => (string?)null)));
        create.Add(Deployment(o, t, spec, instances, secretKeys.Count > 0));
        var result = new List<StepManifests> { new(null, $"create revision {r.Revision}", ToYaml(create)) };
        var stable = r.StableRevision is { } s && s != r.Revision ? s : null;

        if (strategy.Canary is { } canary)
        {
            foreach (var (step, i) in canary.Steps.Select((s, i) => (s, i)))
            {
                var objects = new List<JsonObject>();
                switch (step)
                {
                    case SetWeightStep w when stable is null || w.Weight >= 100:
                        objects.AddRange(Promotion(o, t, stable, r.Revision));
                        break;
                    case SetWeightStep w:
                        objects.Add(Service(o, t, Role.Canary, r.Revision));
                        objects.Add(KubernetesClusterAdapter.RouteFor(o, t, stable, r.Revision, TrafficSplit.Canary(stable, r.Revision, w.Weight), []));
                        break;
                    case SetCanaryScaleStep scale:
                        objects.Add(ReplicasPatch(o, t, r.Revision, scale.Instances));
                        break;
                }
                result.Add(new StepManifests(i, step.Describe(), objects.Count == 0 ? "" : ToYaml(objects)));
            }
        }
        else
        {
            var preview = new List<JsonObject>();
            if (stable is not null)
            {
                preview.Add(Service(o, t, Role.Preview, r.Revision));
                preview.Add(KubernetesClusterAdapter.RouteFor(o, t, stable, null, TrafficSplit.AllTo(stable), [HeaderRoute.Preview(r.Revision)]));
            }
            result.Add(new StepManifests(0, "preview (X-Preview: true)", preview.Count == 0 ? "" : ToYaml(preview)));
            result.Add(new StepManifests(1, "switch", ToYaml(Promotion(o, t, stable, r.Revision))));
        }
        return result;
    }

    /// <summary>All traffic to <paramref name="revision"/>: through the canary Service first when another revision is stable.</summary>
    private static IEnumerable<JsonObject> Promotion(KubernetesEnvironmentOptions o, ServiceEnvironment t, string? stable, string revision)
    {
        if (stable is not null)
        {
            yield return Service(o, t, Role.Canary, revision);
            yield return KubernetesClusterAdapter.RouteFor(o, t, stable, revision, TrafficSplit.AllTo(revision), []);
        }
        yield return Service(o, t, Role.Stable, revision);
        yield return KubernetesClusterAdapter.RouteFor(o, t, revision, null, TrafficSplit.AllTo(revision), []);
    }

    private static JsonObject ReplicasPatch(KubernetesEnvironmentOptions o, ServiceEnvironment t, string revision, int replicas) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = DeploymentName(t, revision), ["namespace"] = o.NamespaceName },
        ["spec"] = new JsonObject { ["replicas"] = replicas },
    };
}
