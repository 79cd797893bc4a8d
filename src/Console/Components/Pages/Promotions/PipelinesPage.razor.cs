using Microsoft.AspNetCore.Components;
using OpsConsole.Core.Promotions;
using OpsConsole.Core.Releases;

namespace OpsConsole.Console.Components.Pages.Promotions;

public partial class PipelinesPage
{
    [Parameter] public string? Service { get; set; }

    private PipelineBoard _board = PipelineBoard.Empty;
    private bool _mayPromote;

    protected override async Task OnInitializedAsync()
    {
        var actor = await CurrentActorAsync();
        _mayPromote = actor.IsInAnyRole(PromotionDesk.RequestRoles);
        Listen(() => Updates.Subscribe(_ => Refresh()),
               () => Live.Subscribe(e =>
               {
                   if (IsPipelineEvent(e.Type)) Refresh();
                   return Task.CompletedTask;
               }));
        await LoadAsync();
    }

    protected override async Task OnParametersSetAsync()
    {
        if (_board.Service is not null && Service is not null && Service != _board.Service) await ReloadAsync();
    }

    protected override async Task LoadAsync()
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        _board = await PipelineBoard.LoadAsync(db, Service);
    }

    internal static bool IsPipelineEvent(string type) =>
        type.StartsWith("promotion.", StringComparison.Ordinal) || type.StartsWith("release.", StringComparison.Ordinal)
        || type.StartsWith("deploy.", StringComparison.Ordinal) || type.StartsWith("rollback.", StringComparison.Ordinal)
        || type.StartsWith("freeze.", StringComparison.Ordinal);

    private async Task PromoteAsync(string version, string environment)
    {
        var service = _board.Service!;
        if (await ActAsync<PromotionDesk>((desk, actor) => desk.RequestAsync(actor, service, version, environment),
                $"Promotion of {service} {version} to {environment} requested."))
            await ReloadAsync();
    }

    private static string Short(string sha) => sha.Length > 8 ? sha[..8] : sha;

    private static string StageRules(PipelineStage s)
    {
        var parts = new List<string>();
        if (s.RequiredCheckNames.Count > 0) parts.Add("checks " + string.Join(", ", s.RequiredCheckNames));
        if (s.SoakMinutes > 0) parts.Add($"soak {s.SoakMinutes} min");
        if (s.RequiredApprovals > 0) parts.Add($"{s.RequiredApprovals} approval{(s.RequiredApprovals == 1 ? "" : "s")}");
        if (s.ErrorBudgetRequired) parts.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"error budget (max {s.ErrorBudgetMaxBurnRate ?? PromotionGates.DefaultMaxBurnRate:0.##}× over 1 h)"));
        if (s.AutoDeploy) parts.Add("deploys automatically");
        return parts.Count == 0 ? "no gates" : string.Join(" · ", parts);
    }
}
