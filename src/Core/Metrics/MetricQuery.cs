using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Metrics;

/// <summary>A checked range request: [From, To) cut into steps of at least <see cref="Step"/>.</summary>
public sealed partial record MetricRange(DateTimeOffset From, DateTimeOffset To, TimeSpan Step)
{
    public static readonly TimeSpan DefaultSpan = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxSpan = MetricPoint.CoarseRetention;
    public const int MaxPoints = 2000;

    /// <summary>
    /// Parses <c>from</c>/<c>to</c> (ISO 8601 times; default the last hour) and <c>step</c> (<c>10s</c>,
    /// <c>1m</c>, <c>5m</c>, <c>1h</c>, plain seconds or an ISO 8601 duration; default 10 s). Refuses,
    /// naming the parameter, a time that does not parse, from not before to, more than 30 days, a
    /// step under 10 s, or more than <see cref="MaxPoints"/> points.
    /// </summary>
    public static MetricRange Parse(string? from, string? to, string? step, DateTimeOffset now)
    {
        var end = to is { Length: > 0 } ? Time(to, "to") : now;
        var start = from is { Length: > 0 } ? Time(from, "from") : end - DefaultSpan;
        var s = step is { Length: > 0 } ? ParseStep(step) : MetricPoint.FineStep;
        if (start >= end) throw new InvalidInputException("from", $"from ({start:o}) must be before to ({end:o}).");
        if (end - start > MaxSpan) throw new InvalidInputException("from", $"The range is {(end - start).TotalDays:0.#} days; at most {MaxSpan.TotalDays:0} days are kept.");
        if (s < MetricPoint.FineStep) throw new InvalidInputException("step", $"A step of {s.TotalSeconds:0.###} s is finer than the 10 s the history keeps.");
        var points = (end - start).Ticks / (double)s.Ticks;
        if (points > MaxPoints)
            throw new InvalidInputException("step", $"A step of {Format(s)} over {Format(end - start)} gives {Math.Ceiling(points):0} points; at most {MaxPoints}: choose a step of at least {Format(TimeSpan.FromSeconds(Math.Ceiling((end - start).TotalSeconds / MaxPoints / 10) * 10))}.");
        return new MetricRange(start, end, s);
    }

    private static DateTimeOffset Time(string text, string field) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : throw new InvalidInputException(field, $"'{Cut(text)}' is not an ISO 8601 time, e.g. 2026-11-28T10:00:00Z.");

    /// <summary>Parses a step: <c>10s</c>, <c>1m</c>, <c>5m</c>, <c>1h</c>, <c>1d</c>, seconds (<c>30</c>) or ISO 8601 (<c>PT5M</c>).</summary>
    public static TimeSpan ParseStep(string text)
    {
        var m = StepPattern().Match(text.Trim());
        if (m.Success && double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n is > 0 and < 1e7)
        {
            return m.Groups[2].Value switch
            {
                "" or "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => TimeSpan.FromDays(n),
            };
        }
        if (text.StartsWith('P'))
        {
            try { return XmlConvert.ToTimeSpan(text); }
            catch (FormatException) { }
        }
        throw new InvalidInputException("step", $"'{Cut(text)}' is not a step; use e.g. 10s, 1m, 5m, 1h or a number of seconds.");
    }

    public static string Format(TimeSpan t) => t.TotalSeconds switch
    {
        < 60 => $"{t.TotalSeconds:0.###}s",
        < 3600 when t.TotalSeconds % 60 == 0 => $"{t.TotalMinutes:0}m",
        < 86400 when t.TotalSeconds % 3600 == 0 => $"{t.TotalHours:0}h",
        >= 86400 when t.TotalSeconds % 86400 == 0 => $"{t.TotalDays:0}d",
        _ => $"{t.TotalSeconds:0}s",
    };

    private static string Cut(string text) => text.Length <= 40 ? text : text[..40] + "…";

    [GeneratedRegex("^([0-9]+(?:\\.[0-9]+)?)(s|m|h|d)?$")]
    private static partial Regex StepPattern();
}
