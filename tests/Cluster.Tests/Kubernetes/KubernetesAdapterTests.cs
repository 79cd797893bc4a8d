using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Kubernetes;
using OpsConsole.Core.Domain;
using static OpsConsole.Cluster.Tests.Kubernetes.KubernetesAdapterHarness;

namespace OpsConsole.Cluster.Tests.Kubernetes;

/// <summary>
/// Every step of a canary and a blue/green rollout against the fake Kubernetes API server: the
/// exact writes of each step (objects created, server-side apply patches, HTTPRoute weights,
/// deletes), idempotent repeats, and health read from the Deployment's status.
/// </summary>
public sealed class KubernetesAdapterTests
{
    private static readonly string Stable = "1.0.0";
    private static readonly RevisionSpec CanarySpec = new("1.1.0", 2, new Dictionary<string, string> { ["FEATURE_X"] = "on", ["DB_PASSWORD"] = "${secret:db-password@3}" });

    private static void AssertApply(ApiRequest r, string path)
    {
        Assert.Equal("PATCH", r.Method);
        Assert.Equal(path, r.Path);
        Assert.StartsWith("application/apply-patch+yaml", r.ContentType);
        Assert.Contains("fieldManager=opsconsole", r.Query);
        Assert.Contains("force=true", r.Query);
    }

    private static async Task<KubernetesAdapterHarness> WithStableAsync()
    {
        var h = new KubernetesAdapterHarness();
        await h.Adapter.DeployRevisionAsync(Target, new RevisionSpec(Stable, 2));
        await h.WaitReadyAsync(Stable);
        await h.Adapter.SetWeightsAsync(Target, TrafficSplit.AllTo(Stable));
        h.Server.TakeWrites();
        return h;
    }

    [Fact]
    public async Task Deploying_a_revision_creates_its_ConfigMap_and_Deployment_once_and_health_follows_the_Deployment_status()
    {
        using var h = new KubernetesAdapterHarness();
        var first = await h.Adapter.DeployRevisionAsync(Target, new RevisionSpec(Stable, 2));
        Assert.Equal(2, first.DesiredInstances);
        Assert.False(first.IsReady);

        var writes = h.Server.TakeWrites();
        Assert.Equal(["POST " + ConfigMaps, "POST " + Deployments], writes.Select(w => w.ToString().Split('?')[0]));
        Assert.All(writes, w => Assert.Contains("fieldManager=opsconsole", w.Query));
        var deployment = writes[1].Json;
        var name = KubernetesManifests.DeploymentName(Target, Stable);
        Assert.Equal(name, deployment["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("shop/checkout:1.0.0", deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Equal(300, deployment["spec"]!["progressDeadlineSeconds"]!.GetValue<int>());
        Assert.Equal(2, deployment["spec"]!["replicas"]!.GetValue<int>());
        var selector = deployment["spec"]!["selector"]!["matchLabels"]!.AsObject();
        Assert.Equal("checkout", selector["opsconsole/service"]!.GetValue<string>());
        Assert.Equal("prod", selector["opsconsole/environment"]!.GetValue<string>());
        Assert.Equal(Stable, selector["opsconsole/revision"]!.GetValue<string>());

        // Each read is one observation: one more replica ready per poll, as a controller would report.
        var ready = await h.WaitReadyAsync(Stable);
        Assert.All(ready.Instances, i => Assert.Equal(InstanceState.Healthy, i.State));

        // Deploying the same revision again writes nothing.
        await h.Adapter.DeployRevisionAsync(Target, new RevisionSpec(Stable, 2));
        Assert.Empty(h.Server.TakeWrites());
    }

    [Fact]
    public async Task A_canary_step_by_step_writes_exactly_the_expected_objects_patches_weights_and_deletes()
    {
        using var h = new KubernetesAdapterHarness();
        var target = Target;

        // Step 0: the stable revision and its traffic (first weights: stable Service, then the HTTPRoute).
        await h.Adapter.DeployRevisionAsync(target, new RevisionSpec(Stable, 2));
        await h.WaitReadyAsync(Stable);
        h.Server.TakeWrites();
        await h.Adapter.SetWeightsAsync(target, TrafficSplit.AllTo(Stable));
        var writes = h.Server.TakeWrites();
        Assert.Equal(2, writes.Count);
        AssertApply(writes[0], Services + "/checkout-stable");
        Assert.Equal(Stable, writes[0].Json["spec"]!["selector"]!["opsconsole/revision"]!.GetValue<string>());
        AssertApply(writes[1], Routes + "/checkout");
        Assert.Equal([("checkout-stable", 100)], RouteWeights(writes[1]));
        var route = writes[1].Json;
        Assert.Equal("gateway.networking.k8s.io/v1", route["apiVersion"]!.GetValue<string>());
        Assert.Equal("public", route["spec"]!["parentRefs"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("gateways", route["spec"]!["parentRefs"]![0]!["namespace"]!.GetValue<string>());
        Assert.Equal("checkout.shop.test", route["spec"]!["hostnames"]![0]!.GetValue<string>());

        // Step 1: the canary revision: ConfigMap with the plain values, Secret with the resolved reference, Deployment using both.
        await h.Adapter.DeployRevisionAsync(target, CanarySpec);
        writes = h.Server.TakeWrites();
        Assert.Equal(["POST " + ConfigMaps, "POST " + Secrets, "POST " + Deployments], writes.Select(w => $"{w.Method} {w.Path}"));
        Assert.Equal("""{"FEATURE_X":"on"}""", writes[0].Json["data"]!.ToJsonString());
        Assert.Equal(SecretValue, writes[1].Json["stringData"]!["DB_PASSWORD"]!.GetValue<string>());
        var envFrom = writes[2].Json["spec"]!["template"]!["spec"]!["containers"]![0]!["envFrom"]!.ToJsonString();
        Assert.Contains(KubernetesManifests.ConfigMapName(target, CanarySpec.Name), envFrom);
        Assert.Contains(KubernetesManifests.SecretName(target, CanarySpec.Name), envFrom);
        Assert.DoesNotContain(SecretValue, writes[2].Body);
        await h.WaitReadyAsync(CanarySpec.Name);

        // Step 2: setWeight 20: the canary Service selects the canary, then the HTTPRoute splits 80/20.
        await h.Adapter.SetWeightsAsync(target, TrafficSplit.Canary(Stable, CanarySpec.Name, 20));
        writes = h.Server.TakeWrites();
        Assert.Equal(2, writes.Count);
        AssertApply(writes[0], Services + "/checkout-canary");
        Assert.Equal(CanarySpec.Name, writes[0].Json["spec"]!["selector"]!["opsconsole/revision"]!.GetValue<string>());
        AssertApply(writes[1], Routes + "/checkout");
        Assert.Equal([("checkout-stable", 80), ("checkout-canary", 20)], RouteWeights(writes[1]));

        // Step 3: setWeight 50: only the HTTPRoute changes; repeating it changes nothing.
        await h.Adapter.SetWeightsAsync(target, TrafficSplit.Canary(Stable, CanarySpec.Name, 50));
        writes = h.Server.TakeWrites();
        AssertApply(Assert.Single(writes), Routes + "/checkout");
        Assert.Equal([("checkout-stable", 50), ("checkout-canary", 50)], RouteWeights(writes[0]));
        await h.Adapter.SetWeightsAsync(target, TrafficSplit.Canary(Stable, CanarySpec.Name, 50));
        Assert.Empty(h.Server.TakeWrites());
        Assert.Equal(50, (await h.Adapter.GetServiceAsync(target))!.Routing.WeightOf(CanarySpec.Name));

        // Step 4: promotion (100%): all weight to the canary Service, the stable Service moves, weight back to stable.
        await h.Adapter.SetWeightsAsync(target, TrafficSplit.AllTo(CanarySpec.Name));
        writes = h.Server.TakeWrites();
        Assert.Equal(3, writes.Count);
        AssertApply(writes[0], Routes + "/checkout");
        Assert.Equal([("checkout-stable", 0), ("checkout-canary", 100)], RouteWeights(writes[0]));
        AssertApply(writes[1], Services + "/checkout-stable");
        Assert.Equal(CanarySpec.Name, writes[1].Json["spec"]!["selector"]!["opsconsole/revision"]!.GetValue<string>());
        AssertApply(writes[2], Routes + "/checkout");
        Assert.Equal([("checkout-stable", 100)], RouteWeights(writes[2]));
        var state = (await h.Adapter.GetServiceAsync(target))!;
        Assert.Equal(TrafficSplit.AllTo(CanarySpec.Name), state.Routing.Weights);

        // Step 5: the old stable is removed after the scale-down delay: its Deployment, ConfigMap and (absent) Secret.
        Assert.True(await h.Adapter.RemoveRevisionAsync(target, Stable));
        writes = h.Server.TakeWrites();
        Assert.Equal(["DELETE " + Deployments + "/" + KubernetesManifests.DeploymentName(target, Stable),
            "DELETE " + ConfigMaps + "/" + KubernetesManifests.ConfigMapName(target, Stable),
            "DELETE " + Secrets + "/" + KubernetesManifests.SecretName(target, Stable)], writes.Select(w => $"{w.Method} {w.Path}"));
        Assert.False(await h.Adapter.RemoveRevisionAsync(target, Stable));
        Assert.Equal([CanarySpec.Name], (await h.Adapter.GetServiceAsync(target))!.Revisions.Select(r => r.Name));

        // No secret value and no credential in anything the adapter logged.
        Assert.DoesNotContain(h.Logs, l => l.Contains(SecretValue) || l.Contains(Token));
        Assert.All(h.Server.Requests, r => Assert.Equal("Bearer " + Token, r.Authorization));
    }

    [Fact]
    public async Task An_abort_sends_all_traffic_back_to_stable_scales_the_canary_to_zero_and_removing_it_deletes_its_objects()
    {
        using var h = await WithStableAsync();
        await h.Adapter.DeployRevisionAsync(Target, CanarySpec);
        await h.WaitReadyAsync(CanarySpec.Name);
        await h.Adapter.SetWeightsAsync(Target, TrafficSplit.Canary(Stable, CanarySpec.Name, 20));
        h.Server.TakeWrites();

        // As the engine aborts: weights, header routes, scale to zero.
        await h.Adapter.SetWeightsAsync(Target, TrafficSplit.AllTo(Stable));
        await h.Adapter.SetHeaderRoutesAsync(Target, []);
        var scaled = await h.Adapter.ScaleRevisionAsync(Target, CanarySpec.Name, 0);
        var writes = h.Server.TakeWrites();
        Assert.Equal(2, writes.Count);
        AssertApply(writes[0], Routes + "/checkout");
        Assert.Equal([("checkout-stable", 100)], RouteWeights(writes[0]));
        AssertApply(writes[1], Deployments + "/" + KubernetesManifests.DeploymentName(Target, CanarySpec.Name));
        Assert.Equal("""{"replicas":0}""", writes[1].Json["spec"]!.ToJsonString());
        Assert.Equal(0, scaled.DesiredInstances);

        Assert.True(await h.Adapter.RemoveRevisionAsync(Target, CanarySpec.Name));
        writes = h.Server.TakeWrites();
        Assert.Equal(["DELETE deployments", "DELETE configmaps", "DELETE secrets"], writes.Select(w => $"{w.Method} {w.Resource}"));
        Assert.All(writes, w => Assert.Contains(KubernetesManifests.DeploymentName(Target, CanarySpec.Name), w.Name));
        Assert.Null(h.Server.Get(Secrets + "/" + KubernetesManifests.SecretName(Target, CanarySpec.Name)));
    }

    [Fact]
    public async Task Blue_green_previews_by_header_then_switches_and_clears_the_preview_route()
    {
        using var h = await WithStableAsync();
        var green = new RevisionSpec("2.0.0", 2);
        await h.Adapter.DeployRevisionAsync(Target, green);
        await h.WaitReadyAsync(green.Name);
        h.Server.TakeWrites();

        await h.Adapter.SetPreviewAsync(Target, green.Name);
        var writes = h.Server.TakeWrites();
        Assert.Equal(2, writes.Count);
        AssertApply(writes[0], Services + "/checkout-preview");
        AssertApply(writes[1], Routes + "/checkout");
        var rules = writes[1].Json["spec"]!["rules"]!.AsArray();
        Assert.Equal(2, rules.Count);
        Assert.Equal("""[{"headers":[{"type":"Exact","name":"X-Preview","value":"true"}]}]""", rules[0]!["matches"]!.ToJsonString());
        Assert.Equal("checkout-preview", rules[0]!["backendRefs"]![0]!["name"]!.GetValue<string>());
        Assert.Equal([("checkout-stable", 100)], RouteWeights(writes[1]));

        await h.Adapter.SetWeightsAsync(Target, TrafficSplit.AllTo(green.Name));
        await h.Adapter.SetHeaderRoutesAsync(Target, []);
        writes = h.Server.TakeWrites();
        Assert.Equal(["services/checkout-canary", "httproutes/checkout", "services/checkout-stable", "httproutes/checkout", "httproutes/checkout"],
            writes.Select(w => $"{w.Resource}/{w.Name}"));
        Assert.Equal([("checkout-stable", 0), ("checkout-canary", 100)], RouteWeights(writes[1]));
        Assert.Equal([("checkout-stable", 100)], RouteWeights(writes[^1]));
        Assert.Single(writes[^1].Json["spec"]!["rules"]!.AsArray());
        var routing = (await h.Adapter.GetServiceAsync(Target))!.Routing;
        Assert.Empty(routing.HeaderRoutes);
        Assert.Equal(100, routing.WeightOf(green.Name));
    }

    [Fact]
    public async Task A_create_that_loses_a_race_uses_the_object_the_other_writer_created()
    {
        using var h = new KubernetesAdapterHarness();
        var name = KubernetesManifests.DeploymentName(Target, Stable);
        h.Server.CreateRaces.Add("deployments/" + name);
        h.Server.CreateRaces.Add("configmaps/" + KubernetesManifests.ConfigMapName(Target, Stable));
        var revision = await h.Adapter.DeployRevisionAsync(Target, new RevisionSpec(Stable, 2));
        Assert.Equal(Stable, revision.Name);
        var posts = h.Server.TakeWrites();
        Assert.Equal(["POST configmaps", "POST deployments"], posts.Select(w => $"{w.Method} {w.Path.Split('/')[^1]}"));
        Assert.Contains(h.Logs, l => l.Contains("already exists"));
    }

    [Fact]
    public async Task A_revision_past_its_progress_deadline_reports_failing_instances_with_the_reason()
    {
        using var h = new KubernetesAdapterHarness();
        h.Server.NeverReadyImages.Add("shop/checkout:9.9.9");
        await h.Adapter.DeployRevisionAsync(Target, new RevisionSpec("9.9.9", 1));
        Revision? last = null;
        await Eventually.TrueAsync(async () =>
        {
            last = await h.Adapter.GetRevisionAsync(Target, "9.9.9");
            return last!.Instances.All(i => i.State == InstanceState.CrashLoopBackOff);
        }, TimeSpan.FromSeconds(10), () => TestCluster.Describe(last));
        Assert.Contains("Progress deadline exceeded", last!.Instances[0].LastError);
        Assert.Contains("timed out progressing", last.Instances[0].LastError);
    }

    [Fact]
    public async Task Weights_or_header_routes_naming_an_undeployed_revision_and_removing_a_revision_with_traffic_are_refused_without_writes()
    {
        using var h = await WithStableAsync();
        await Assert.ThrowsAsync<InvalidInputException>(() => h.Adapter.SetWeightsAsync(Target, TrafficSplit.Canary(Stable, "7.0.0", 10)));
        await Assert.ThrowsAsync<InvalidInputException>(() => h.Adapter.SetHeaderRoutesAsync(Target, [HeaderRoute.Preview("7.0.0")]));
        await Assert.ThrowsAsync<ConflictException>(() => h.Adapter.RemoveRevisionAsync(Target, Stable));
        await Assert.ThrowsAsync<NotFoundException>(() => h.Adapter.ScaleRevisionAsync(Target, "7.0.0", 1));
        Assert.Empty(h.Server.TakeWrites());
    }
}
