using Microsoft.AspNetCore.Components;
using MudBlazor;
using OpsConsole.Console.Api;
using OpsConsole.Console.Components.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.GameDays;

namespace OpsConsole.Console.Components.Pages.GameDays;

public partial class GameDayDetail
{
    [Parameter] public long Id { get; set; }

    private GameDayView? _view;
    private GameDay? _gameDay;
    private IReadOnlyList<(string Target, SliValues? Values)> _slis = [];
    private Actor? _actor;
    private bool _notFound, _busy, _canRun, _canNote;
    private long _loadedId;
    private string? _note, _observations, _itemText, _itemOwner;
    private DateTime? _itemDue;

    protected override async Task OnInitializedAsync()
    {
        _actor = await CurrentActorAsync();
        // The runner publishes every pass of a running game day (faults, samples); events of the scope (alerts, pages, incidents) add to the timeline.
        Listen(() => Updates.Subscribe(id => { if (id == Id) Refresh(); }),
            () => Live.Subscribe(e =>
            {
                if (_gameDay is { } g && GameDayTimeline.Concerns(e, g)) Refresh();
                return Task.CompletedTask;
            }));
    }

    protected override async Task OnParametersSetAsync()
    {
        if (_loadedId == Id && _view is not null) return;
        _loadedId = Id;
        await LoadAsync();
    }

    protected override async Task LoadAsync()
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        var desk = scope.ServiceProvider.GetRequiredService<GameDayDesk>();
        var gameDay = await desk.LoadAsync(Id);
        _notFound = gameDay is null;
        _gameDay = gameDay;
        if (gameDay is null)
        {
            _view = null;
            return;
        }
        var (timeline, result) = await desk.ReadRunAsync(gameDay);
        _view = GameDayView.From(gameDay, timeline, result, desk.FaultsInForce(gameDay));
        _slis = gameDay.Status == GameDayStatus.Running ? await desk.ReadSlisAsync(gameDay) : [];
        var actor = _actor!;
        _canRun = actor.IsInRole(Roles.Admin) || (actor.IsInRole(Roles.Facilitator) && string.Equals(actor.Name, gameDay.Facilitator, StringComparison.OrdinalIgnoreCase));
        _canNote = _canRun || gameDay.Plan.Participants.Contains(actor.Name, StringComparer.OrdinalIgnoreCase);
        _observations ??= gameDay.Observations;
    }

    private Task StartAsync() => RunAsync((d, a) => d.StartAsync(a, Id), "Game day started: faults go in on time.");

    private async Task AbortAsync()
    {
        if (_view is not { } v) return;
        if (!await Dialogs.ConfirmAsync($"Abort game day {v.Id}?",
                "Every fault is lifted at once, the steady state is restored and the report is sealed. The game day cannot be resumed.", "Abort", Color.Error)) return;
        await RunAsync((d, a) => d.AbortAsync(a, Id, "aborted from the run screen"), "Game day aborted: every fault lifted.");
    }

    private async Task CompleteAsync()
    {
        if (_view is not { } v) return;
        if (!await Dialogs.ConfirmAsync($"Complete game day {v.Id}?", "Faults still in force are lifted and the report is sealed.", "Complete", Color.Success)) return;
        await RunAsync((d, a) => d.CompleteAsync(a, Id), "Game day completed.");
    }

    private async Task AddNoteAsync()
    {
        if (await RunAsync((d, a) => d.AddNoteAsync(a, Id, _note), "Note added.")) _note = null;
    }

    private Task SaveObservationsAsync() => RunAsync((d, a) => d.SetObservationsAsync(a, Id, _observations), "Observations saved.");

    private async Task AddActionItemAsync()
    {
        var due = _itemDue is { } d ? DateOnly.FromDateTime(d) : (DateOnly?)null;
        if (await RunAsync((desk, a) => desk.AddActionItemAsync(a, Id, _itemText, _itemOwner, due), "Action item added."))
            (_itemText, _itemOwner, _itemDue) = (null, null, null);
    }

    private async Task<bool> RunAsync(Func<GameDayDesk, Actor, Task<GameDay>> action, string done)
    {
        _busy = true;
        bool ok;
        try
        {
            ok = await ActAsync<GameDayDesk>((desk, actor) => action(desk, actor), done);
        }
        finally
        {
            _busy = false;
        }
        await ReloadAsync();
        return ok;
    }
}
