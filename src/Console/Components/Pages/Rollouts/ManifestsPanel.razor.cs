using Microsoft.AspNetCore.Components;
using OpsConsole.Core.Cluster.Kubernetes;
using OpsConsole.Core.Domain;

namespace OpsConsole.Console.Components.Pages.Rollouts;

/// <summary>The rollout's Kubernetes manifests per step (preview, never applied); hidden where no preview service is registered.</summary>
public partial class ManifestsPanel
{
    [Parameter, EditorRequired] public Guid RolloutId { get; set; }
    [Inject] private IServiceProvider Services { get; set; } = null!;

    private RolloutManifests? _manifests;
    private string? _error;
    private int? _step;
    private Guid _loaded;

    protected override async Task OnParametersSetAsync()
    {
        if (_loaded == RolloutId) return;
        _loaded = RolloutId;
        using var scope = Services.CreateScope();
        if (scope.ServiceProvider.GetService<ManifestPreview>() is not { } preview) return;
        try
        {
            _manifests = await preview.ForRolloutAsync(RolloutId, null);
            _error = null;
        }
        catch (Exception e) when (e is InvalidInputException or NotFoundException)
        {
            _error = $"The manifests cannot be rendered: {e.Message}";
        }
    }

    private void OnStepChanged(int? step) => _step = step;

    private IEnumerable<StepManifests> Shown(RolloutManifests m) => _step is null ? m.Steps : m.Steps.Where(s => s.Step == _step);
}
