using Microsoft.AspNetCore.Components;
using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Migrations.Targets;

namespace OpsConsole.Console.Components.Pages.Migrations;

/// <summary>Points a service/environment's migrations at a database. The connection string lives here only while the form is open.</summary>
public partial class TargetForm
{
    [Parameter, EditorRequired] public MigrationTargetRow Row { get; set; } = default!;

    /// <summary>After a save attempt: true when the target was saved (the page closes the form and re-reads).</summary>
    [Parameter] public EventCallback<bool> OnDone { get; set; }

    [Parameter] public EventCallback OnCancel { get; set; }

    private string _provider = "sqlite";
    private string? _connectionString;
    private bool _requiresApproval;
    private bool _busy;

    protected override void OnInitialized()
    {
        _provider = Row.Provider == TargetKind.Postgres ? "postgres" : "sqlite";
        _requiresApproval = Row.RequiresApproval;
    }

    private async Task SaveAsync()
    {
        _busy = true;
        bool saved;
        try
        {
            saved = await ActAsync<MigrationCoordinator>(async (migrations, actor) =>
                {
                    try
                    {
                        await migrations.SetTargetAsync(actor, Row.Service, Row.Environment, _provider, _connectionString, _requiresApproval);
                    }
                    catch (InvalidInputException ex) { throw MigrationText.Readable(ex); }
                },
                $"The target of {Row.Service}/{Row.Environment} was saved.");
        }
        finally
        {
            _busy = false;
        }
        if (saved) _connectionString = null;
        await OnDone.InvokeAsync(saved);
    }
}
