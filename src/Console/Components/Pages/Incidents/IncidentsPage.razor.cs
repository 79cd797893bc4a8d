using Microsoft.AspNetCore.Components;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Incidents;

namespace OpsConsole.Console.Components.Pages.Incidents;

public partial class IncidentsPage
{
    public static readonly string[] Severities = ["SEV1", "SEV2", "SEV3", "SEV4"];

    private IReadOnlyList<IncidentView> _incidents = [];
    private string _filter = "active";
    private string? _title, _services;
    private string _severity = "SEV2";
    private string _alertSeverity = "SEV2";
    private bool _canManage, _busy, _alertsAvailable;

    /// <summary>An alert's fingerprint, e.g. from a link on the alert's page (<c>/incidents?fromAlert=...</c>).</summary>
    [SupplyParameterFromQuery(Name = "fromAlert")] public string? FromAlert { get; set; }

    protected override async Task OnInitializedAsync()
    {
        _canManage = IncidentRules.CanManage(await CurrentActorAsync());
        await using (var scope = ScopeFactory.CreateAsyncScope())
            _alertsAvailable = scope.ServiceProvider.GetService<IAlertLookup>() is not null;
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

    private async Task OpenFromAlertAsync()
    {
        _busy = true;
        long? opened = null;
        try
        {
            await ActAsync<IncidentDesk>(async (desk, actor) => opened = await desk.OpenFromFingerprintAsync(actor, FromAlert, _alertSeverity));
        }
        finally
        {
            _busy = false;
        }
        if (opened is { } id) Navigation.NavigateTo($"/incidents/{id}");
    }
}
