using System.Globalization;
using OpsConsole.Core.Domain;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Console.Components.Pages.OnCall;

/// <summary>Levels as the policy form writes them: one line per level, "5: user ana, schedule primary".</summary>
public static class PolicyText
{
    public static string Format(IReadOnlyList<EscalationLevel> levels) => string.Join("\n", levels.Select(l =>
        $"{l.DelayMinutes}: {string.Join(", ", l.Targets.Select(t => $"{(t.Kind == EscalationTargetKind.User ? "user" : "schedule")} {t.Name}"))}"));

    public static IReadOnlyList<EscalationLevel> Parse(string? text)
    {
        var levels = new List<EscalationLevel>();
        var lines = (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < lines.Length; i++)
        {
            var colon = lines[i].IndexOf(':');
            if (colon < 1 || !int.TryParse(lines[i][..colon].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var delay))
                throw new InvalidInputException("levels", $"Line {i + 1}: start with the minutes before the next level, then a colon, e.g. '5: user ana'.");
            var targets = new List<EscalationTarget>();
            foreach (var part in lines[i][(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var words = part.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var kind = words.Length == 2 ? words[0].ToLowerInvariant() : "";
                if (kind is not ("user" or "schedule"))
                    throw new InvalidInputException("levels", $"Line {i + 1}: each target is 'user <name>' or 'schedule <name>'.");
                targets.Add(new EscalationTarget(kind == "user" ? EscalationTargetKind.User : EscalationTargetKind.Schedule, words[1]));
            }
            levels.Add(new EscalationLevel(targets, delay));
        }
        return levels;
    }
}
