using Bunit;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Components.Pages.Rollouts;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster.Kubernetes;

namespace OpsConsole.Console.Tests.Components.Rollouts;

/// <summary>The rollout's Kubernetes manifests panel: every step's YAML, filtered by step, nothing applied.</summary>
public sealed class ManifestsPanelTests() : RolloutComponentContext(s =>
{
    s.AddSingleton(KubernetesSettings.From(key => key == "OPS_KUBERNETES_PROD_NAMESPACE" ? "shop-prod" : null));
    s.AddScoped<ManifestPreview>();
})
{
    [Fact]
    public async Task Shows_the_yaml_of_every_step_and_filters_by_step()
    {
        SignIn("vera", Roles.Viewer);
        var id = await StartRolloutAsync();
        var calls = Cluster.Calls.Count;

        var cut = Render<ManifestsPanel>(p => p.Add(x => x.RolloutId, id));
        cut.WaitForElement(".mud-expand-panel-header").Click();

        var steps = cut.FindAll("[data-testid=manifests-step-yaml]");
        Assert.Equal(["create", "0", "1", "2", "3"], steps.Select(s => s.GetAttribute("data-step")));
        Assert.Contains("kind: Deployment", steps[0].TextContent);
        Assert.Contains("namespace: shop-prod", steps[0].TextContent);
        Assert.Contains("kind: HTTPRoute", steps[1].TextContent);
        Assert.Contains("weight: 80", steps[1].TextContent);
        Assert.Contains("weight: 20", steps[1].TextContent);
        Assert.Contains("Writes nothing", steps[2].TextContent); // the analysis step
        Assert.Contains("weight: 60", steps[3].TextContent);
        Assert.Contains("shop-prod", cut.Markup);
        Assert.Equal(calls, Cluster.Calls.Count); // rendered, never applied
    }
}
