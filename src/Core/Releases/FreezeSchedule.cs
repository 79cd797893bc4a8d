using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Evaluation;
using NodaTime;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Releases;

/// <summary>One occurrence of a freeze window, in UTC.</summary>
public sealed record FreezeOccurrence(Guid WindowId, string Name, string? Service, string? Environment, DateTime StartUtc, DateTime EndUtc);

/// <summary>
/// The occurrences of freeze windows, computed with Ical.Net from the RRULE in the window's time
/// zone. An occurrence ends <see cref="FreezeWindow.DurationMinutes"/> of local wall-clock time after
/// it starts (a local end in a daylight-saving gap moves forward, an ambiguous one takes the earlier
/// instant).
/// </summary>
public static class FreezeSchedule
{
    public const int MaxDurationMinutes = 14 * 24 * 60;
    private static readonly EvaluationOptions Options = new() { MaxUnmatchedIncrementsLimit = 2000 };

    /// <summary>Occurrences that overlap [fromUtc, toUtc), in start order (at most <paramref name="max"/>).</summary>
    public static IReadOnlyList<FreezeOccurrence> Occurrences(FreezeWindow w, DateTime fromUtc, DateTime toUtc, int max = 500)
    {
        if (!w.IsRecurring)
        {
            return w.StartUtc is { } s && w.EndUtc is { } e && s < toUtc && e > fromUtc
                ? [new FreezeOccurrence(w.Id, w.Name, w.Service, w.Environment, s, e)]
                : [];
        }
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(w.TimeZone) ?? DateTimeZone.Utc;
        var ev = Event(w);
        // An occurrence that covers fromUtc started at most its duration (plus a DST hour) earlier.
        var searchFrom = fromUtc.AddMinutes(-w.DurationMinutes).AddHours(-2);
        var result = new List<FreezeOccurrence>();
        try
        {
            foreach (var o in ev.GetOccurrences(new CalDateTime(DateTime.SpecifyKind(searchFrom, DateTimeKind.Utc), "UTC", true), Options))
            {
                var startLocal = LocalDateTime.FromDateTime(o.Period.StartTime.ToTimeZone(w.TimeZone).Value);
                var start = zone.AtLeniently(startLocal).ToDateTimeUtc();
                if (start >= toUtc) break;
                var end = zone.AtLeniently(startLocal.PlusMinutes(w.DurationMinutes)).ToDateTimeUtc();
                // A start moved forward out of a daylight-saving gap may meet its end: keep the length then.
                if (end <= start) end = start.AddMinutes(w.DurationMinutes);
                if (end > fromUtc) result.Add(new FreezeOccurrence(w.Id, w.Name, w.Service, w.Environment, start, end));
                if (result.Count >= max) break;
            }
        }
        catch (EvaluationException)
        {
            // A rule that matches nothing for a long search (e.g. 30 February): no more occurrences.
        }
        return result;
    }

    /// <summary>Checks a recurring window's rule, zone, start and duration; throws <see cref="InvalidInputException"/> with a readable message.</summary>
    public static void Validate(string? rrule, DateTime? startLocal, int durationMinutes, string? timeZone)
    {
        if (string.IsNullOrWhiteSpace(timeZone) || DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone) is null)
            throw new InvalidInputException("timeZone", $"'{Short(timeZone)}' is not an IANA time zone (e.g. Europe/Berlin, UTC).");
        if (startLocal is null) throw new InvalidInputException("start", "A recurring window needs the local date and time of its first occurrence (e.g. 2026-01-02T16:00).");
        if (durationMinutes is < 1 or > MaxDurationMinutes)
            throw new InvalidInputException("durationMinutes", $"The duration is 1 to {MaxDurationMinutes} minutes (two weeks).");
        if (string.IsNullOrWhiteSpace(rrule) || rrule.Length > 500)
            throw new InvalidInputException("rrule", "The recurrence rule is required (RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=FR), at most 500 characters.");
        if (!StripPrefix(rrule).Split(';').Any(p => p.Trim().StartsWith("FREQ=", StringComparison.OrdinalIgnoreCase)))
            throw new InvalidInputException("rrule", "The recurrence rule needs FREQ (e.g. FREQ=WEEKLY;BYDAY=FR).");
        RecurrencePattern pattern;
        try
        {
            pattern = new RecurrencePattern(StripPrefix(rrule));
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or InvalidOperationException)
        {
            throw new InvalidInputException("rrule", $"The recurrence rule does not parse: {FirstSentence(e.Message)} Example: FREQ=WEEKLY;BYDAY=FR.");
        }
        if (pattern.Frequency is Ical.Net.FrequencyType.Secondly or Ical.Net.FrequencyType.Minutely)
            throw new InvalidInputException("rrule", "A freeze recurs at most hourly: FREQ=SECONDLY and FREQ=MINUTELY are not accepted.");
    }

    /// <summary>The rule as it is stored: without a leading "RRULE:", upper case.</summary>
    public static string Normalise(string rrule) => StripPrefix(rrule).ToUpperInvariant();

    private static string StripPrefix(string rrule)
    {
        var r = rrule.Trim();
        return r.StartsWith("RRULE:", StringComparison.OrdinalIgnoreCase) ? r[6..] : r;
    }

    private static CalendarEvent Event(FreezeWindow w)
    {
        var local = w.StartLocal!.Value;
        return new CalendarEvent
        {
            DtStart = new CalDateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, local.Second, w.TimeZone),
            Duration = Ical.Net.DataTypes.Duration.FromMinutes(Math.Max(1, w.DurationMinutes)),
            RecurrenceRule = new RecurrencePattern(w.RRule!),
        };
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" (Parameter", StringComparison.Ordinal);
        var text = cut > 0 ? message[..cut] : message;
        text = text.Length <= 200 ? text : text[..200] + "…";
        return text.EndsWith('.') ? text : text + ".";
    }

    private static string Short(string? s) => s is null ? "" : s.Length <= 70 ? s : s[..70] + "…";
}
