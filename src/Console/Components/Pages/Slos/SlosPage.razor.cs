using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using OpsConsole.Console.Components.Shared;
using OpsConsole.Core.Slo;

namespace OpsConsole.Console.Components.Pages.Slos;

public partial class SlosPage
{
    [Inject] private SloUpdates Updates { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;

    private IReadOnlyList<SloStatus> _rows = [];
    private IReadOnlyList<string> _targets = [];
    private bool _mayEdit;
    private bool _creating;
    private readonly SloForm _form = new();

    private sealed class SloForm
    {
        public string? Target { get; set; }
        public string Kind { get; set; } = "availability";
        public double? Objective { get; set; } = 0.999;
        public int? WindowDays { get; set; } = 30;
        public double? LatencyMs { get; set; } = 250;
    }

    protected override async Task OnInitializedAsync()
    {
        _mayEdit = (await CurrentActorAsync()).IsInAnyRole(SloCatalog.EditorRoles);
        Listen(() => Updates.Subscribe(_ => Refresh()));
        await LoadAsync();
    }

    protected override async Task LoadAsync()
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var meter = sp.GetRequiredService<SloMeter>();
        var rows = new List<SloStatus>();
        foreach (var slo in await sp.GetRequiredService<SloCatalog>().ListAsync()) rows.Add(await meter.StatusAsync(slo));
        _rows = rows;
        await using var db = await DbFactory.CreateDbContextAsync();
        _targets = (await db.DeployTargets.AsNoTracking().Select(t => t.Service + "/" + t.Environment).ToListAsync()).Order(StringComparer.Ordinal).ToList();
        _form.Target ??= _targets.Count > 0 ? _targets[0] : null;
    }

    private async Task CreateAsync()
    {
        var slash = _form.Target?.IndexOf('/') ?? -1;
        var request = new SloRequest(slash > 0 ? _form.Target![..slash] : _form.Target, slash > 0 ? _form.Target![(slash + 1)..] : null, _form.Kind,
            _form.Objective, _form.WindowDays, _form.Kind == "latency" ? _form.LatencyMs : null);
        if (await ActAsync<SloCatalog>((catalog, actor) => catalog.CreateAsync(actor, request), "SLO created."))
        {
            _creating = false;
            await ReloadAsync();
        }
    }

    private async Task DeleteAsync(ServiceLevelObjective slo)
    {
        if (!await Dialogs.ConfirmAsync("Delete SLO", $"Delete the SLO {slo.Describe()} of {slo.Target}? Its burn-rate alerts resolve.", "Delete", Color.Error)) return;
        if (await ActAsync<SloCatalog>((catalog, actor) => catalog.DeleteAsync(actor, slo.Id), "SLO deleted.")) await ReloadAsync();
    }
}

/// <summary>How the SLO pages write budgets and burn rates.</summary>
public static class SloText
{
    public static string Budget(double remaining) => (Math.Max(remaining, -9.99) * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    public static Color BudgetColor(double remaining) => remaining <= 0 ? Color.Error : remaining < 0.25 ? Color.Warning : Color.Default;

    public static string Burn(double? rate) => rate is { } r ? r.ToString("0.##", CultureInfo.InvariantCulture) + "×" : "no traffic";
}
