using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Config;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Components.Pages.Config;

public partial class ConfigPage
{
    private List<DeployTarget> _targets = [];
    private IReadOnlyList<ConfigItemView> _items = [];
    private IReadOnlyList<ConfigDiffLine>? _diff;
    private string? _service;
    private string? _environment;
    private string? _diffFrom;
    private string? _diffTo;
    private string? _key;
    private string? _value;
    private bool _secret;
    private bool _mayEdit;

    private IEnumerable<string> Environments => _targets.Where(t => t.Service == _service).Select(t => t.Environment);

    protected override async Task OnInitializedAsync()
    {
        _mayEdit = (await CurrentActorAsync()).IsInAnyRole(Roles.Admin, Roles.ReleaseManager);
        await using var db = await DbFactory.CreateDbContextAsync();
        _targets = await db.DeployTargets.AsNoTracking().OrderBy(t => t.Service).ThenBy(t => t.Environment).ToListAsync();
        _service = _targets.FirstOrDefault()?.Service;
        _environment = Environments.FirstOrDefault();
        await LoadAsync();
    }

    private async Task ServiceChangedAsync(string? service)
    {
        _service = service;
        _environment = Environments.FirstOrDefault();
        _diff = null;
        await LoadAsync();
    }

    private async Task EnvironmentChangedAsync(string? environment)
    {
        _environment = environment;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        if (_service is null || _environment is null)
        {
            _items = [];
            return;
        }
        await using var scope = ScopeFactory.CreateAsyncScope();
        _items = await scope.ServiceProvider.GetRequiredService<ConfigStore>().ListAsync(_service, _environment);
    }

    private async Task SetAsync()
    {
        if (_service is null || _environment is null) return;
        var (service, environment, key, value, secret) = (_service, _environment, _key?.Trim() ?? "", _value, _secret);
        var ok = await ActAsync<ConfigStore>((store, actor) => store.SetAsync(actor, service, environment, key, value, secret), secret ? "Secret saved." : "Value saved.");
        // The typed value is dropped from the page either way: a secret is never shown again.
        _value = null;
        if (ok)
        {
            _key = null;
            _secret = false;
            await LoadAsync();
        }
    }

    private async Task DeleteAsync(string key)
    {
        if (_service is null || _environment is null) return;
        var (service, environment) = (_service, _environment);
        if (await ActAsync<ConfigStore>((store, actor) => store.DeleteAsync(actor, service, environment, key), $"{key} removed.")) await LoadAsync();
    }

    private async Task DiffAsync()
    {
        if (_service is null || _diffFrom is null || _diffTo is null) return;
        await using var scope = ScopeFactory.CreateAsyncScope();
        _diff = await scope.ServiceProvider.GetRequiredService<ConfigStore>().DiffEnvironmentsAsync(_service, _diffFrom, _diffTo);
    }
}
