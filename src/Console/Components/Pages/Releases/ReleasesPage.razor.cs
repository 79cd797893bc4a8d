using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.Components;
using OpsConsole.Core.Releases;

namespace OpsConsole.Console.Components.Pages.Releases;

public partial class ReleasesPage
{
    [SupplyParameterFromQuery(Name = "service")] public string? Service { get; set; }

    private IReadOnlyList<Release> _releases = [];
    private List<string> _services = [];
    private string? _service;

    protected override async Task OnInitializedAsync()
    {
        _service = Service;
        await using var db = await DbFactory.CreateDbContextAsync();
        _services = await db.DeployTargets.Select(t => t.Service).Union(db.ServiceProfiles.Select(p => p.Service)).Distinct().OrderBy(s => s).ToListAsync();
        await LoadAsync();
    }

    private async Task ServiceChangedAsync(string? service)
    {
        _service = service;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        _releases = await scope.ServiceProvider.GetRequiredService<ReleaseRegistry>().ListAsync(_service, 200);
    }
}
