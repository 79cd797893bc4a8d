using System.Globalization;
using MudBlazor;
using OpsConsole.Core.Drills;
using OpsConsole.Core.Events;

namespace OpsConsole.Console.Components.Pages.Drills;

/// <summary>How drills read on the pages.</summary>
public static class DrillText
{
    public static string Fault(IReadOnlyDictionary<string, string> fault) => string.Join(", ", fault.Select(kv => $"{kv.Key}={kv.Value}"));

    public static Color StatusColor(string status) => status switch
    {
        "Passed" => Color.Success,
        "Failed" => Color.Error,
        _ => Color.Info,
    };

    /// <summary>"4.1 s of 60 s" for a finished run with a rollback, else its status.</summary>
    public static string Score(DrillRunView run) => run.RollbackSeconds is { } s
        ? $"rolled back in {s.ToString("0.0", CultureInfo.InvariantCulture)} s of {run.TargetSeconds} s"
        : run.Status == "Running" ? "running" : "no rollback measured";

    public static string Seconds(double? s) => s is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) + " s" : "—";

    public static string PassRate(DrillView d) => d.PassRate is { } r
        ? $"{(r * 100).ToString("0", CultureInfo.InvariantCulture)} % of {d.Runs}"
        : "—";

    /// <summary>Whether an event may change what the drill pages show: a drill ended, or a drill's rollout moved.</summary>
    public static bool Concerns(EventEnvelope e) =>
        e.Type == EventTypes.DrillCompleted
        || ((e.Type is EventTypes.DeployStarted or EventTypes.RollbackExecuted or EventTypes.DeployCompleted) && e.DataJson.Contains("\"drill\":true", StringComparison.Ordinal));
}
