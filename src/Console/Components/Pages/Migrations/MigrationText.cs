using MudBlazor;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Orchestration;

namespace OpsConsole.Console.Components.Pages.Migrations;

public static class MigrationText
{
    public static string Kind(MigrationRunKind kind) => kind switch { MigrationRunKind.DryRun => "Dry-run", MigrationRunKind.Apply => "Apply", _ => "Revert" };

    public static Color StatusColour(MigrationBatchStatus status) => status switch
    {
        MigrationBatchStatus.Succeeded => Color.Success,
        MigrationBatchStatus.Failed => Color.Error,
        MigrationBatchStatus.Running => Color.Info,
        MigrationBatchStatus.AwaitingApproval => Color.Warning,
        _ => Color.Default,
    };

    public static Color OutcomeColour(string outcome) => outcome switch
    {
        "Applied" or "Rehearsed" or "Reverted" => Color.Success,
        "Failed" => Color.Error,
        "RolledBack" => Color.Warning,
        _ => Color.Default,
    };
}
