using Microsoft.AspNetCore.Components;
using MudBlazor;
using OpsConsole.Console.Components.Pages.Rollouts;
using OpsConsole.Console.Components.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Incidents;

namespace OpsConsole.Console.Components.Pages.Incidents;

public partial class IncidentDetail
{
    [Parameter] public long Id { get; set; }

    private IncidentView? _view;
    private List<AffectedService> _services = [];
    private List<string> _fingerprints = [];
    private IReadOnlyList<IncidentStatus> _moves = [];
    private Actor? _actor;
    private bool _notFound, _busy, _canManage;
    private long _loadedId;
    private string? _note, _commander, _postmortem;

    protected override async Task OnInitializedAsync()
    {
        _actor = await CurrentActorAsync();
        _canManage = IncidentRules.CanManage(_actor);
        // Anything that names the incident, one of its alerts, or changes one of its services adds to the timeline.
        Listen(() => Live.Subscribe(e =>
        {
            if (IncidentTimeline.Concerns(e, Id, _services, _fingerprints)) Refresh();
            return Task.CompletedTask;
        }));
    }

    protected override async Task OnParametersSetAsync()
    {
        if (_loadedId == Id && _view is not null) return;
        _loadedId = Id;
        _postmortem = null;
        await LoadAsync();
    }

    protected override async Task LoadAsync()
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        var incident = await IncidentQueries.LoadAsync(db, Id);
        _notFound = incident is null;
        if (incident is null)
        {
            _view = null;
            return;
        }
        _view = IncidentView.From(incident, await IncidentTimeline.BuildAsync(db, incident));
        _services = incident.Services;
        _fingerprints = incident.Alerts.Select(a => a.Fingerprint).ToList();
        _moves = _actor is null ? [] : IncidentRules.NextMoves(incident, _actor);
        _commander ??= incident.Commander;
    }

    private async Task ConfirmAndMoveAsync(IncidentStatus move)
    {
        if (_view is not { } v) return;
        if (!await Dialogs.ConfirmAsync($"{IncidentText.Label(move)} incident {v.Id}?", IncidentText.Consequence(move, v),
                IncidentText.Label(move), move == IncidentStatus.Resolved ? Color.Success : Color.Primary)) return;
        await RunAsync(desk => a => desk.MoveAsync(a, Id, move), $"{IncidentText.Label(move)}: done.");
    }

    private async Task AddNoteAsync()
    {
        if (await RunAsync(desk => a => desk.AddNoteAsync(a, Id, _note), "Note added.")) _note = null;
    }

    private Task SetCommanderAsync() => RunAsync(desk => a => desk.SetCommanderAsync(a, Id, _commander), "Commander set.");

    private async Task<bool> RunAsync(Func<IncidentDesk, Func<Actor, Task<Incident>>> action, string done)
    {
        _busy = true;
        bool ok;
        try
        {
            ok = await ActAsync<IncidentDesk>((desk, actor) => action(desk)(actor), done);
        }
        finally
        {
            _busy = false;
        }
        await ReloadAsync();
        return ok;
    }

    private async Task ShowPostmortemAsync()
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        if (await IncidentQueries.LoadAsync(db, Id) is not { } incident) return;
        _postmortem = IncidentPostmortem.Draft(incident, await IncidentTimeline.BuildAsync(db, incident), Clock.GetUtcNow().UtcDateTime);
    }

    private string Ago(DateTime t) => RolloutText.Ago(t, Clock.GetUtcNow().UtcDateTime);
}
