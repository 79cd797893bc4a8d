namespace OpsConsole.Console.Components.Pages.Runbooks;

/// <summary>Wording the runbook pages share, so a step is described the same wherever it can be run.</summary>
internal static class RunbookText
{
    public const string RunsAsYou = "This runs as you, with your roles, and is recorded in the run and the audit trail.";
}
