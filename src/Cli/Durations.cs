using System.Globalization;
using System.Text.RegularExpressions;

namespace OpsConsole.Cli;

public static partial class Durations
{
    [GeneratedRegex(@"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Parses <c>30m</c>, <c>90s</c>, <c>1h</c>, <c>1h30m</c> (or plain seconds); null when it is none of these or zero.</summary>
    public static TimeSpan? Parse(string? text)
    {
        text = text?.Trim().ToLowerInvariant() ?? "";
        if (text.Length is 0 or > 12) return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return seconds is > 0 and <= 172_800 ? TimeSpan.FromSeconds(seconds) : null;
        var m = Pattern().Match(text);
        if (!m.Success) return null;
        var total = (Num(m.Groups[1]) * 3600) + (Num(m.Groups[2]) * 60) + Num(m.Groups[3]);
        return total is > 0 and <= 172_800 ? TimeSpan.FromSeconds(total) : null;
    }

    private static double Num(Group g) => g.Success ? double.Parse(g.Value, CultureInfo.InvariantCulture) : 0;
}
