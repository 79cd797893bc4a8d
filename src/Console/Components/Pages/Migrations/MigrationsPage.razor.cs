using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Migrations.Targets;

namespace OpsConsole.Console.Components.Pages.Migrations;

/// <summary>
/// Every migration target with its status and actions, the deployment plans and the recent batches.
/// Batches and plans follow batch changes live; target status is read on open and after a change,
/// since reading it opens each target database.
/// </summary>
public partial class MigrationsPage
{
    [Inject] private MigrationUpdates Updates { get; set; } = default!;
    [Inject] private NavigationManager Nav { get; set; } = default!;

    private List<MigrationTargetRow> _rows = [];
    private List<MigrationBatch> _batches = [];
    private List<DeploymentPlan> _plans = [];
    private bool _mayRun, _mayConfigure, _busy;
    private string? _runAt;
    private MigrationTargetRow? _targetRow;
    private MigrationTargetRow? _revertRow;

    protected override async Task OnInitializedAsync()
    {
        var actor = await CurrentActorAsync();
        _mayRun = actor.IsInAnyRole(MigrationRoles.Run);
        _mayConfigure = actor.IsInAnyRole(MigrationRoles.Configure);
        Listen(() => Updates.Subscribe(_ => Refresh()));
        await LoadTargetsAsync();
        await LoadAsync();
    }

    private async Task LoadTargetsAsync()
    {
        List<MigrationTargetConfig> targets;
        await using (var db = await DbFactory.CreateDbContextAsync())
            targets = await db.MigrationTargets.AsNoTracking().OrderBy(t => t.Service).ThenBy(t => t.Environment).ToListAsync();
        var rows = new List<MigrationTargetRow>();
        await using var scope = ScopeFactory.CreateAsyncScope();
        var migrations = scope.ServiceProvider.GetRequiredService<MigrationCoordinator>();
        foreach (var t in targets)
        {
            try
            {
                var (_, s) = await migrations.StatusAsync(t.Service, t.Environment);
                rows.Add(new MigrationTargetRow(t.Service, t.Environment, t.Description, t.Provider, t.RequiresApproval, s.Applied.Count, s.Pending.Count, s.Drift.Count, null,
                    s.Applied.Select(a => a.Name).ToList()));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The target's own redaction keeps secrets out; the message names what is wrong.
                rows.Add(new MigrationTargetRow(t.Service, t.Environment, t.Description, t.Provider, t.RequiresApproval, 0, 0, 0,
                    ex is NotFoundException ? ex.Message : "Target unreachable or unreadable.", []));
            }
        }
        _rows = rows;
    }

    /// <summary>Batches and plans: plans move on when their batches do (expand done → rollout; rollout done → contract), so they refresh on the same notices.</summary>
    protected override async Task LoadAsync()
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        _batches = await db.MigrationBatches.AsNoTracking().OrderByDescending(b => b.RequestedAt).Take(20).ToListAsync();
        _plans = await db.DeploymentPlans.AsNoTracking().OrderByDescending(p => p.CreatedAt).Take(20).ToListAsync();
    }

    private Task RequestAsync(MigrationTargetRow row, MigrationRunKind kind) => SubmitAsync(row, kind, null, null);

    private Task RevertAsync(RevertForm.Choice choice) =>
        _revertRow is { } row ? SubmitAsync(row, MigrationRunKind.Revert, choice.Count, choice.To) : Task.CompletedTask;

    private async Task SubmitAsync(MigrationTargetRow row, MigrationRunKind kind, int? revertCount, string? revertTo)
    {
        if (!MigrationText.TryParseRunAt(_runAt, out var scheduledFor))
        {
            ActionError = $"'{_runAt}' is not a UTC date and time such as {DateTime.UtcNow.AddHours(1):yyyy-MM-dd HH:mm}.";
            return;
        }
        _busy = true;
        Guid? id = null;
        try
        {
            var when = scheduledFor is { } at ? $" for {at:yyyy-MM-dd HH:mm} UTC" : "";
            await ActAsync<MigrationCoordinator>(async (migrations, actor) =>
                {
                    try
                    {
                        id = (await migrations.RequestAsync(actor, row.Service, row.Environment, new MigrationBatchRequest(kind, null, scheduledFor, revertCount, revertTo))).Id;
                    }
                    catch (InvalidInputException ex) { throw MigrationText.Readable(ex); }
                },
                $"{MigrationText.Kind(kind)} of {row.Service}/{row.Environment} requested{when}.");
        }
        finally
        {
            _busy = false;
        }
        if (id is { } batchId) Nav.NavigateTo($"/migrations/batches/{batchId}");
    }

    private void OpenRevert(MigrationTargetRow row)
    {
        CloseForms();
        _revertRow = row;
    }

    private void OpenTarget(MigrationTargetRow row)
    {
        CloseForms();
        _targetRow = row;
    }

    private async Task TargetDoneAsync(bool saved)
    {
        if (saved) CloseForms();
        await LoadTargetsAsync();
        await ReloadAsync();
    }

    private void CloseForms()
    {
        _targetRow = null;
        _revertRow = null;
    }
}
