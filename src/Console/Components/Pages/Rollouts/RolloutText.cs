using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using MudBlazor;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Components.Pages.Rollouts;

/// <summary>Words and colours the rollout pages share, so the board and the detail say the same thing.</summary>
public static partial class RolloutText
{
    public static Color PhaseColor(RolloutPhase phase) => phase switch
    {
        RolloutPhase.Progressing => Color.Info,
        RolloutPhase.Paused => Color.Warning,
        RolloutPhase.Healthy => Color.Success,
        RolloutPhase.Degraded or RolloutPhase.Aborted => Color.Error,
        _ => Color.Default,
    };

    /// <summary>Analysis and measurement phases (Successful, Failed, Inconclusive, Error, Running).</summary>
    public static Color VerdictColor(string phase) => phase switch
    {
        "Successful" => Color.Success,
        "Failed" or "Error" => Color.Error,
        "Inconclusive" => Color.Warning,
        "Running" => Color.Info,
        _ => Color.Default,
    };

    /// <summary>The SVG fill for a measurement point: failures stand out in red.</summary>
    public static string VerdictFill(string phase) => phase switch
    {
        "Successful" => "#2e7d32",
        "Failed" => "#d32f2f",
        "Error" => "#8e24aa",
        "Inconclusive" => "#ed6c02",
        _ => "#757575",
    };

    public static Color EventColor(string type) => type switch
    {
        _ when type.Contains("failed") || type.StartsWith("rollback") => Color.Error,
        _ when type.StartsWith("deploy") => Color.Primary,
        _ => Color.Default,
    };

    public static string Label(RolloutAction action) => action switch
    {
        RolloutAction.Promote => "Promote",
        RolloutAction.PromoteFull => "Promote full",
        RolloutAction.Pause => "Pause",
        RolloutAction.Resume => "Resume",
        RolloutAction.Abort => "Abort",
        RolloutAction.Retry => "Retry",
        RolloutAction.Skip => "Skip step",
        _ => action.ToString(),
    };

    public static string Icon(RolloutAction action) => action switch
    {
        RolloutAction.Promote => Icons.Material.Filled.SkipNext,
        RolloutAction.PromoteFull => Icons.Material.Filled.FastForward,
        RolloutAction.Pause => Icons.Material.Filled.Pause,
        RolloutAction.Resume => Icons.Material.Filled.PlayArrow,
        RolloutAction.Abort => Icons.Material.Filled.Undo,
        RolloutAction.Retry => Icons.Material.Filled.Replay,
        RolloutAction.Skip => Icons.Material.Filled.Redo,
        _ => Icons.Material.Filled.Bolt,
    };

    public static Color ActionColor(RolloutAction action) => action switch
    {
        RolloutAction.Abort => Color.Error,
        RolloutAction.PromoteFull => Color.Warning,
        _ => Color.Primary,
    };

    /// <summary>What the confirmation asks: the consequence, in the rollout's own terms.</summary>
    public static string Consequence(RolloutAction action, RolloutModel r)
    {
        var v = r.View;
        var stable = v.StableVersion ?? "the stable revision";
        var current = r.CurrentStep < v.Steps.Count ? v.Steps[r.CurrentStep] : "the last step";
        return action switch
        {
            RolloutAction.Promote when !r.IsCanary => $"Switch all traffic of {r.Subject} to {v.Version} (after any pre-promotion analysis).",
            RolloutAction.Promote => $"Finish step {r.CurrentStep + 1} ({current}) now and go on with the next one.",
            RolloutAction.Skip => $"Skip step {r.CurrentStep + 1} ({current}) and go on with the next one.",
            RolloutAction.PromoteFull => $"Skip every remaining step and analysis: {v.Version} takes 100% of {r.Subject} at once.",
            RolloutAction.Pause => $"Hold {r.Subject} at its current split ({r.NewWeight}% on {v.Version}) until someone resumes it.",
            RolloutAction.Resume => "Carry on from the current step.",
            RolloutAction.Abort => $"Send 100% of {r.Subject} back to {stable} at once and scale {v.Version} down.",
            RolloutAction.Retry => $"Start the rollout of {v.Version} again from the first step.",
            _ => action.ToString(),
        };
    }

    /// <summary>
    /// Numbers a condition compares the result with ("result &lt;= 0.05", "0.9 &lt; result"), to draw
    /// as threshold lines. A condition it cannot read still shows as text; it just gets no line.
    /// </summary>
    public static IReadOnlyList<double> Thresholds(string? condition)
    {
        if (string.IsNullOrWhiteSpace(condition)) return [];
        var found = new List<double>();
        foreach (Match m in Comparison().Matches(condition))
        {
            var number = m.Groups["a"].Success ? m.Groups["a"].Value : m.Groups["b"].Value;
            if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
                found.Add(value);
        }
        return found.Distinct().ToList();
    }

    public static string Number(double? value) => value switch
    {
        null => "–",
        { } v when Math.Abs(v) >= 100 => v.ToString("0", CultureInfo.InvariantCulture),
        { } v when Math.Abs(v) >= 1 => v.ToString("0.##", CultureInfo.InvariantCulture),
        { } v => v.ToString("0.####", CultureInfo.InvariantCulture),
    };

    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Event data for people: the stored CloudEvents JSON escapes quotes and '&lt;' as \u0027 and \u003C,
    /// which is right on the wire and unreadable on screen. (The page still HTML-encodes what it shows.)
    /// </summary>
    public static string ReadableJson(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(doc.RootElement, Readable);
        }
        catch (JsonException)
        {
            return json;
        }
    }

    public static string Time(DateTime utc) => utc.ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Ago(DateTime utc, DateTime now)
    {
        var d = now - utc;
        return d.TotalSeconds < 60 ? $"{Math.Max(0, (int)d.TotalSeconds)} s ago"
            : d.TotalMinutes < 60 ? $"{(int)d.TotalMinutes} min ago"
            : d.TotalHours < 48 ? $"{(int)d.TotalHours} h ago"
            : utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"result(?:\[\d+\])?\s*(?:<=|>=|<|>|==)\s*(?<a>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(?<b>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*(?:<=|>=|<|>|==)\s*result")]
    private static partial Regex Comparison();
}
