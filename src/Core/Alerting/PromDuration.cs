using System.Globalization;
using System.Text.RegularExpressions;

namespace OpsConsole.Core.Alerting;

/// <summary>Prometheus duration strings: <c>30s</c>, <c>5m</c>, <c>1h30m</c>, <c>1d</c>, <c>1w</c>, <c>500ms</c>.</summary>
public static partial class PromDuration
{
    [GeneratedRegex(@"^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text)) return false;
        if (text == "0") return true;
        var m = Pattern().Match(text);
        if (!m.Success) return false;
        double[] unitsMs = [365d * 24 * 3600 * 1000, 7d * 24 * 3600 * 1000, 24d * 3600 * 1000, 3600d * 1000, 60d * 1000, 1000d, 1d];
        double total = 0;
        for (var i = 0; i < unitsMs.Length; i++)
        {
            var g = m.Groups[2 + (2 * i)];
            if (g.Success) total += double.Parse(g.Value, CultureInfo.InvariantCulture) * unitsMs[i];
        }
        value = TimeSpan.FromMilliseconds(total);
        return true;
    }

    public static string Format(TimeSpan d)
    {
        if (d == TimeSpan.Zero) return "0s";
        var parts = new List<string>();
        var rest = d;
        if (rest.TotalHours >= 1) { parts.Add($"{(long)rest.TotalHours}h"); rest -= TimeSpan.FromHours((long)rest.TotalHours); }
        if (rest.Minutes > 0) parts.Add($"{rest.Minutes}m");
        if (rest.Seconds > 0) parts.Add($"{rest.Seconds}s");
        if (rest.Milliseconds > 0) parts.Add($"{rest.Milliseconds}ms");
        return string.Concat(parts);
    }
}
