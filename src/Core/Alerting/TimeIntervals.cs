namespace OpsConsole.Core.Alerting;

/// <summary>An inclusive range of integers (weekdays 0 = Sunday, days of month with negatives from the end, months 1-12, years).</summary>
public readonly record struct IntRange(int Begin, int End);

/// <summary>
/// One entry of an Alertmanager <c>time_intervals</c> definition. Each field that is set must match;
/// <c>times</c> are [start, end) in minutes of the day, the rest inclusive ranges; <c>location</c> is an IANA zone (default UTC).
/// </summary>
public sealed record TimeIntervalSpec(
    IReadOnlyList<(int StartMinute, int EndMinute)> Times,
    IReadOnlyList<IntRange> Weekdays,
    IReadOnlyList<IntRange> DaysOfMonth,
    IReadOnlyList<IntRange> Months,
    IReadOnlyList<IntRange> Years,
    TimeZoneInfo Location)
{
    public bool Contains(DateTimeOffset instant)
    {
        var t = TimeZoneInfo.ConvertTime(instant, Location);
        if (Times.Count > 0)
        {
            var minute = (t.Hour * 60) + t.Minute;
            if (!Times.Any(r => minute >= r.StartMinute && minute < r.EndMinute)) return false;
        }
        if (Weekdays.Count > 0 && !Weekdays.Any(r => (int)t.DayOfWeek >= r.Begin && (int)t.DayOfWeek <= r.End)) return false;
        if (DaysOfMonth.Count > 0)
        {
            var days = DateTime.DaysInMonth(t.Year, t.Month);
            var ok = DaysOfMonth.Any(r =>
            {
                var b = r.Begin < 0 ? days + r.Begin + 1 : r.Begin;
                var e = r.End < 0 ? days + r.End + 1 : r.End;
                b = Math.Max(b, 1);
                e = Math.Min(e, days);
                return t.Day >= b && t.Day <= e;
            });
            if (!ok) return false;
        }
        if (Months.Count > 0 && !Months.Any(r => t.Month >= r.Begin && t.Month <= r.End)) return false;
        if (Years.Count > 0 && !Years.Any(r => t.Year >= r.Begin && t.Year <= r.End)) return false;
        return true;
    }
}

/// <summary>A named time interval: matches when any of its entries matches.</summary>
public sealed record TimeInterval(string Name, IReadOnlyList<TimeIntervalSpec> Specs)
{
    public bool Contains(DateTimeOffset instant) => Specs.Any(s => s.Contains(instant));
}
