using OpsConsole.Core.Incidents;

namespace OpsConsole.Console.Components.Pages.Incidents;

public partial class IncidentsPage
{
    public static readonly string[] Severities = ["SEV1", "SEV2", "SEV3", "SEV4"];

    private IReadOnlyList<IncidentView> _incidents = [];
    private string _filter = "active";
    private string? _title, _services;
    private string _severity = "SEV2";
    private bool _canManage, _busy;

    protected override async Task OnInitializedAsync()
    {
        _canManage = IncidentRules.CanManage(await CurrentActorAsync());
        Listen(() => Live.Subscribe(e =>
        {
            if (e.Type.StartsWith("incident.", StringComparison.Ordinal)) Refresh();
            return Task.CompletedTask;
        }));
        await LoadAsync();
    }

    protected override async Task LoadAsync()
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        var rows = await IncidentQueries.ListAsync(db, _filter == "active" ? IncidentQueries.Active : null, limit: 200);
        _incidents = rows.Select(i => IncidentView.From(i)).ToList();
    }

    private async Task FilterChangedAsync(string value)
    {
        _filter = value ?? "active";
        await ReloadAsync();
    }

    private async Task OpenAsync()
    {
        _busy = true;
        long? opened = null;
        try
        {
            var services = (_services ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            await ActAsync<IncidentDesk>(async (desk, actor) => opened = (await desk.OpenAsync(actor, _title, _severity, services)).Id);
        }
        finally
        {
            _busy = false;
        }
        if (opened is { } id) Navigation.NavigateTo($"/incidents/{id}");
    }
}
