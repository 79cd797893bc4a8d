using Microsoft.AspNetCore.Components;
using MudBlazor;
using OpsConsole.Console.Components.Shared;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Runbooks;

namespace OpsConsole.Console.Components.Pages.Runbooks;

public partial class RunbookDetail
{
    [Parameter] public string Slug { get; set; } = "";
    /// <summary>Steps run into this run (e.g. one started from an incident); otherwise the page starts one at the first step.</summary>
    [SupplyParameterFromQuery(Name = "run")] public Guid? RunId { get; set; }
    [SupplyParameterFromQuery(Name = "incident")] public long? IncidentId { get; set; }

    private Runbook? _runbook;
    private RunbookDocument? _doc;
    private RenderedRunbook? _rendered;
    private RunbookLibrary? _library;
    private IReadOnlyList<RunbookVersion> _versions = [];
    private IReadOnlyList<RunbookRun> _runs = [];
    private RunbookRun? _run;
    private RunbookDiff? _diff;
    private int _from;
    private int _to;
    private string? _editMarkdown;
    private string? _comment;
    private bool _notFound;
    private bool _mayEdit;
    private bool _mayRun;
    private bool _busy;

    protected override async Task OnParametersSetAsync()
    {
        var actor = await CurrentActorAsync();
        _mayEdit = actor.IsInAnyRole(RunbookRoles.Edit);
        _mayRun = actor.IsInAnyRole(RunbookRoles.Run);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        var library = scope.ServiceProvider.GetRequiredService<RunbookLibrary>();
        _library = library;
        try
        {
            _runbook = await library.GetAsync(Slug);
        }
        catch (NotFoundException)
        {
            _notFound = true;
            return;
        }
        _doc = RunbookDocument.Parse(_runbook.Markdown, _runbook.Slug);
        _rendered = library.Renderer.Render(_doc);
        _versions = await library.VersionsAsync(Slug);
        _editMarkdown ??= _runbook.Markdown;
        if (_from == 0 && _versions.Count > 1) (_from, _to) = (_versions[1].Number, _versions[0].Number);
        var runner = scope.ServiceProvider.GetRequiredService<RunbookRunner>();
        _runs = await runner.ListAsync(Slug, null, 20);
        var runId = _run?.Id ?? RunId;
        if (runId is { } id)
        {
            try { _run = await runner.GetAsync(id); }
            catch (NotFoundException) { _run = null; }
        }
    }

    private async Task ConfirmAndRunAsync(RunbookStep step)
    {
        if (!await Dialogs.ConfirmAsync($"Run step {step.Number}: {step.Action}?",
                $"{_library!.Renderer.Describe(step)} {RunbookText.RunsAsYou}", "Run", Color.Warning)) return;
        await RunStepAsync(step.Number);
    }

    /// <summary>Runs the step into the current run, starting one (for the incident, if the page was opened from one) when there is none.</summary>
    internal async Task RunStepAsync(int number)
    {
        _busy = true;
        RunbookRunStep? done = null;
        await ActAsync<RunbookRunner>(async (runner, actor) =>
        {
            _run ??= await runner.StartAsync(actor, Slug, IncidentId);
            done = await runner.RunStepAsync(actor, _run.Id, number);
        });
        _busy = false;
        if (done is not null)
            Snackbar.Add($"Step {number}: {done.State.ToString().ToLowerInvariant()}. {done.Output}", done.State == RunbookStepState.Done ? Severity.Success : Severity.Error);
        await LoadAsync();
    }

    private async Task StartRunAsync()
    {
        RunbookRun? run = null;
        await ActAsync<RunbookRunner>(async (runner, actor) => run = await runner.StartAsync(actor, Slug, IncidentId));
        if (run is not null) Navigation.NavigateTo($"/runbooks/runs/{run.Id}");
    }

    private async Task SaveAsync()
    {
        _busy = true;
        var ok = await ActAsync<RunbookLibrary>((library, actor) => library.UpdateAsync(actor, Slug, _editMarkdown, _comment), "Saved.");
        _busy = false;
        if (ok)
        {
            _comment = null;
            _editMarkdown = null;
            await LoadAsync();
        }
    }

    private async Task DiffAsync()
    {
        await ActAsync<RunbookLibrary>(async (library, _) => _diff = await library.DiffAsync(Slug, _from, _to));
    }
}
