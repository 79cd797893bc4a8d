using System.Globalization;
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

    public static Color PlanColour(DeploymentPlanStatus status) => status switch
    {
        DeploymentPlanStatus.Succeeded => Color.Success,
        DeploymentPlanStatus.Failed => Color.Error,
        _ => Color.Info,
    };

    private static readonly string[] RunAtFormats = ["yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-dd HH:mmZ"];

    /// <summary>An optional "run at" time typed as UTC; empty means now. False when the text is not such a time.</summary>
    public static bool TryParseRunAt(string? text, out DateTime? utc)
    {
        utc = null;
        if (string.IsNullOrWhiteSpace(text)) return true;
        if (!DateTime.TryParseExact(text.Trim(), RunAtFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed)) return false;
        utc = DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
        return true;
    }

    /// <summary>The coordinator's message plus what each field got wrong (the messages never quote a connection string).</summary>
    public static OpsConsole.Core.Domain.InvalidInputException Readable(OpsConsole.Core.Domain.InvalidInputException ex)
    {
        var details = ex.Errors.SelectMany(e => e.Value).Where(m => m != ex.Message).ToList();
        return details.Count == 0 ? ex : new OpsConsole.Core.Domain.InvalidInputException($"{ex.Message} {string.Join(" ", details)}", ex.Errors);
    }
}
