using Microsoft.AspNetCore.Components;
using MudBlazor;
using OpsConsole.Console.Components.Shared;
using OpsConsole.Core.Drills;
using OpsConsole.Core.Events;

namespace OpsConsole.Console.Components.Pages.Drills;

public partial class DrillDetail
{
    [Parameter] public Guid Id { get; set; }
    [Inject] private LiveEvents Live { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;

    private DrillView? _drill;
    private IReadOnlyList<DrillRunView> _runs = [];
    private bool _loaded;
    private bool _canRun;
    private List<ChartSeries<double>> _series = [];
    private string[] _labels = [];

    protected override async Task OnInitializedAsync()
    {
        _canRun = (await CurrentActorAsync()).IsInAnyRole(DrillRules.RunRoles);
        Listen(() => Live.Subscribe(e =>
        {
            if (DrillText.Concerns(e) && _drill is { } d && e.Subject == $"{d.Service}/{d.Environment}") Refresh();
            return Task.CompletedTask;
        }));
        await LoadAsync();
    }

    protected override async Task LoadAsync()
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        var desk = scope.ServiceProvider.GetRequiredService<DrillDesk>();
        _drill = await desk.GetAsync(Id);
        _runs = _drill is null ? [] : (await desk.RunsAsync(Id)).Reverse().ToList();
        var scored = _runs.Where(r => r.RollbackSeconds is not null).OrderBy(r => r.StartedAt).ToList();
        _labels = scored.Select(r => r.StartedAt.ToString("MM-dd HH:mm")).ToArray();
        _series = scored.Count == 0 ? [] :
        [
            new ChartSeries<double> { Name = "Rollback (s)", Data = scored.Select(r => Math.Round(r.RollbackSeconds!.Value, 1)).ToArray() },
            new ChartSeries<double> { Name = "Target (s)", Data = scored.Select(r => (double)r.TargetSeconds).ToArray() },
        ];
        _loaded = true;
    }

    private async Task RunNowAsync()
    {
        if (_drill is not { } d) return;
        if (!await Dialogs.ConfirmAsync($"Run the drill on {d.Service}/{d.Environment} now?",
                $"This rolls the stable version with {DrillText.Fault(d.Fault)} out to {d.Service}/{d.Environment} through the rollout engine; " +
                $"the engine should detect it and roll back within {d.TargetSeconds} s. The drill aborts it after {d.TimeoutSeconds} s at the latest.",
                "Run drill", Color.Warning))
            return;
        if (await ActAsync<DrillDesk>((desk, actor) => desk.StartRunAsync(actor, d.Id), "Drill started."))
            await ReloadAsync();
    }

    private async Task ToggleAsync()
    {
        if (_drill is not { } d) return;
        if (await ActAsync<DrillDesk>((desk, actor) => desk.SetEnabledAsync(actor, d.Id, !d.Enabled), d.Enabled ? "Schedule disabled." : "Schedule enabled."))
            await ReloadAsync();
    }
}
