using Microsoft.AspNetCore.Components;
using MudBlazor;
using OpsConsole.Console.Components.Shared;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Runbooks;

namespace OpsConsole.Console.Components.Pages.Runbooks;

public partial class RunbookRunPage
{
    [Parameter] public Guid Id { get; set; }

    private RunbookRun? _run;
    private bool _notFound;
    private bool _mayRun;
    private bool _busy;
    private readonly Dictionary<int, string?> _notes = [];

    protected override async Task OnInitializedAsync()
    {
        _mayRun = (await CurrentActorAsync()).IsInAnyRole(RunbookRoles.Run);
        Listen(() => Updates.Subscribe(id => { if (id == Id) Refresh(); }));
        await ReloadAsync();
    }

    protected override async Task LoadAsync()
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        try
        {
            _run = await scope.ServiceProvider.GetRequiredService<RunbookRunner>().GetAsync(Id);
            foreach (var s in _run.Steps) _notes.TryAdd(s.Number, null);
        }
        catch (NotFoundException)
        {
            _notFound = true;
        }
    }

    private static Color Colour(RunbookStepState state) => state switch
    {
        RunbookStepState.Done => Color.Success,
        RunbookStepState.Failed => Color.Error,
        RunbookStepState.Skipped => Color.Default,
        _ => Color.Info,
    };

    private async Task ConfirmAndRunAsync(RunbookRunStep step)
    {
        if (!await Dialogs.ConfirmAsync($"Run step {step.Number}: {step.Action}?",
                $"{step.Description} {RunbookText.RunsAsYou}", "Run", Color.Warning)) return;
        await StepAsync((runner, actor) => runner.RunStepAsync(actor, Id, step.Number, Note(step.Number)));
    }

    private Task DoneAsync(int number) => StepAsync((runner, actor) => runner.CompleteTaskAsync(actor, Id, number, Note(number)));

    private Task SkipAsync(int number) => StepAsync((runner, actor) => runner.SkipStepAsync(actor, Id, number, Note(number)));

    private Task NoteAsync(int number) => StepAsync((runner, actor) => runner.AddNoteAsync(actor, Id, number, Note(number)));

    private string? Note(int number) => _notes.TryGetValue(number, out var n) ? n : null;

    private async Task StepAsync(Func<RunbookRunner, Core.Access.Actor, Task<RunbookRunStep>> act)
    {
        _busy = true;
        var ok = await ActAsync<RunbookRunner>(async (runner, actor) => await act(runner, actor));
        _busy = false;
        if (ok) foreach (var k in _notes.Keys.ToList()) _notes[k] = null;
        await ReloadAsync();
    }
}
