using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Drills;
using OpsConsole.Core.Events;

namespace OpsConsole.Console.Components.Pages.Drills;

public partial class DrillsPage
{
    [Inject] private LiveEvents Live { get; set; } = default!;

    private IReadOnlyList<DrillView> _drills = [];
    private List<string> _targets = [];
    private bool _canRun;
    private bool _isAdmin;
    private readonly DrillForm _form = new();

    /// <summary>What the create form holds.</summary>
    public sealed class DrillForm
    {
        public string? Target { get; set; }
        public string FaultKey { get; set; } = "FAULT_ERROR_RATE";
        public string? FaultValue { get; set; } = "0.5";
        public string? Cron { get; set; } = "0 3 * * 1";
        public int TargetSeconds { get; set; } = 60;
        public string? ExpectedAlert { get; set; }
        public bool AllowProd { get; set; }
    }

    protected override async Task OnInitializedAsync()
    {
        var actor = await CurrentActorAsync();
        _canRun = actor.IsInAnyRole(DrillRules.RunRoles);
        _isAdmin = actor.IsInRole(Roles.Admin);
        Listen(() => Live.Subscribe(e =>
        {
            if (DrillText.Concerns(e)) Refresh();
            return Task.CompletedTask;
        }));
        await LoadAsync();
    }

    protected override async Task LoadAsync()
    {
        await using (var db = await DbFactory.CreateDbContextAsync())
            _targets = (await db.DeployTargets.AsNoTracking().OrderBy(t => t.Service).ThenBy(t => t.Environment).Select(t => t.Service + "/" + t.Environment).ToListAsync());
        await using var scope = ScopeFactory.CreateAsyncScope();
        var desk = scope.ServiceProvider.GetRequiredService<DrillDesk>();
        // Drills stay out of production by default: the form starts on a non-production target.
        _form.Target ??= _targets.FirstOrDefault(t => !desk.IsProd(t[(t.IndexOf('/') + 1)..])) ?? _targets.FirstOrDefault();
        _drills = await desk.ListAsync();
    }

    private async Task CreateAsync()
    {
        var parts = (_form.Target ?? "/").Split('/', 2);
        var request = new DrillRequest(parts[0], parts.Length > 1 ? parts[1] : "", new Dictionary<string, string?> { [_form.FaultKey] = _form.FaultValue },
            _form.Cron, _form.TargetSeconds, _form.ExpectedAlert, AllowProd: _form.AllowProd ? true : null);
        if (await ActAsync<DrillDesk>((desk, actor) => desk.CreateAsync(actor, request), "Drill scheduled."))
            await ReloadAsync();
    }
}
