using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using OpsConsole.Console.Hosting;
using OpsConsole.Core.Runbooks;

namespace OpsConsole.Console.Components.Pages.Runbooks;

public partial class RunbooksPage
{
    [Inject] private RunbookImportStatus ImportStatus { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [SupplyParameterFromQuery(Name = "q")] public string? Query { get; set; }

    private IReadOnlyList<RunbookListItem> _items = [];
    private StalenessReport? _staleness;
    private string? _query;
    private string? _searched;
    private bool _mayEdit;
    private bool _creating;
    private bool _busy;
    private string _newMarkdown = "---\ntitle: \nservices: []\nalerts: []\nowners: []\nlast_reviewed: \ntags: []\n---\n\n# \n";

    protected override async Task OnInitializedAsync()
    {
        _mayEdit = (await CurrentActorAsync()).IsInAnyRole(RunbookRoles.Edit);
        _query = Query;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        ActionError = null;
        await using var scope = ScopeFactory.CreateAsyncScope();
        try
        {
            _items = await scope.ServiceProvider.GetRequiredService<RunbookLibrary>().ListAsync(_query);
            _searched = _query;
        }
        catch (Core.Domain.DomainException e)
        {
            ActionError = e.Message;
        }
        // "Alerts no runbook covers": the alerts the console has received, when alerting is installed.
        var seen = scope.ServiceProvider.GetService<Core.Alerting.AlertQueries>() is { } alerts ? await alerts.SeenLabelSetsAsync() : null;
        _staleness = await scope.ServiceProvider.GetRequiredService<RunbookStaleness>().ReportAsync(seen);
    }

    private Task SearchAsync() => LoadAsync();

    private async Task OnKeyUpAsync(KeyboardEventArgs e)
    {
        if (e.Key == "Enter") await LoadAsync();
    }

    private async Task CreateAsync()
    {
        _busy = true;
        Runbook? created = null;
        var ok = await ActAsync<RunbookLibrary>(async (library, actor) => created = await library.CreateAsync(actor, _newMarkdown), "Runbook created.");
        _busy = false;
        if (ok && created is not null) Navigation.NavigateTo($"/runbooks/{created.Slug}");
    }
}
