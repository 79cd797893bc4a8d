using System.Globalization;
using NodaTime;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Fatigue;

/// <summary>
/// What the assessment judges by: working hours, what "on its own" and "too long" mean, and the
/// four thresholds of the score. Every value can be set (see the README's alert-fatigue section).
/// </summary>
public sealed record FatigueSettings
{
    /// <summary>The longest period one assessment covers.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(366);

    /// <summary>The period an assessment covers when none is asked for.</summary>
    public static readonly TimeSpan DefaultRange = TimeSpan.FromDays(28);

    public static readonly FatigueSettings Default = new();

    /// <summary>Time zone for working hours when no schedule is chosen (a schedule brings its own: its first layer's).</summary>
    public string TimeZone { get; init; } = "UTC";
    public LocalTime WorkStart { get; init; } = new(9, 0);
    public LocalTime WorkEnd { get; init; } = new(18, 0);
    public IReadOnlySet<IsoDayOfWeek> WorkDays { get; init; } = new HashSet<IsoDayOfWeek>
        { IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday };

    /// <summary>A firing that resolved within this long, unacknowledged, resolved "on its own".</summary>
    public TimeSpan SelfResolveWithin { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>A silence longer than this is "too long".</summary>
    public TimeSpan LongSilence { get; init; } = TimeSpan.FromHours(24);
    /// <summary>The same matchers silenced this many times is "renewed again and again".</summary>
    public int SilenceRenewals { get; init; } = 3;

    /// <summary>Threshold: pages per 12 hours on call (the SRE book: at most two incidents per 12-hour shift).</summary>
    public double MaxPagesPer12Hours { get; init; } = 2;
    /// <summary>Threshold: pages outside working hours per week.</summary>
    public double MaxOutOfHoursPagesPerWeek { get; init; } = 2;
    /// <summary>Threshold: the 90th percentile of time to acknowledge, minutes.</summary>
    public double MaxAckP90Minutes { get; init; } = 15;
    /// <summary>Threshold: the share of firings that resolved on their own (0..1).</summary>
    public double MaxSelfResolvingShare { get; init; } = 0.2;

    /// <summary>A rule needs this many firings in the period before it gets recommendations.</summary>
    public int MinFiringsForAdvice { get; init; } = 3;
    /// <summary>A rule firing this often per week is noisy enough to raise its threshold.</summary>
    public double NoisyFiringsPerWeek { get; init; } = 5;
    /// <summary>Pages of one rule this close together should have been one (grouping).</summary>
    public TimeSpan BurstWindow { get; init; } = TimeSpan.FromMinutes(5);

    public string WorkingHoursText => $"{DayText()} {WorkStart.ToString("HH:mm", CultureInfo.InvariantCulture)}–{WorkEnd.ToString("HH:mm", CultureInfo.InvariantCulture)}";

    private string DayText()
    {
        var days = WorkDays.Order().ToList();
        if (days.Count == 0) return "no days";
        var contiguous = days.Zip(days.Skip(1)).All(p => (int)p.Second == (int)p.First + 1);
        return contiguous && days.Count > 2 ? $"{Short(days[0])}–{Short(days[^1])}" : string.Join(", ", days.Select(Short));
    }

    private static string Short(IsoDayOfWeek d) => d.ToString()[..3];

    /// <summary>Reads the <c>OPS_FATIGUE_*</c> settings; a value that does not parse stops the start with its name.</summary>
    public static FatigueSettings From(Func<string, string?> config)
    {
        var s = new FatigueSettings();
        if (Text(config, "OPS_FATIGUE_TIME_ZONE") is { } zone)
        {
            if (DateTimeZoneProviders.Tzdb.GetZoneOrNull(zone) is null) throw new InvalidInputException("OPS_FATIGUE_TIME_ZONE", $"'{zone}' is not an IANA time zone.");
            s = s with { TimeZone = zone };
        }
        if (Text(config, "OPS_FATIGUE_WORK_HOURS") is { } hours)
        {
            var parts = hours.Split('-', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !TimeOnly.TryParseExact(parts[0], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var a)
                || !TimeOnly.TryParseExact(parts[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var b) || b <= a)
                throw new InvalidInputException("OPS_FATIGUE_WORK_HOURS", "Working hours are 'HH:mm-HH:mm' with the end after the start, e.g. 09:00-18:00.");
            s = s with { WorkStart = new LocalTime(a.Hour, a.Minute), WorkEnd = new LocalTime(b.Hour, b.Minute) };
        }
        if (Text(config, "OPS_FATIGUE_WORK_DAYS") is { } daysText)
        {
            var days = new HashSet<IsoDayOfWeek>();
            foreach (var d in daysText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var match = Enum.GetValues<IsoDayOfWeek>().Where(x => x != IsoDayOfWeek.None)
                    .FirstOrDefault(x => x.ToString().StartsWith(d, StringComparison.OrdinalIgnoreCase) && d.Length >= 3);
                if (match == IsoDayOfWeek.None) throw new InvalidInputException("OPS_FATIGUE_WORK_DAYS", $"'{d}' is not a day; write e.g. Mon,Tue,Wed,Thu,Fri.");
                days.Add(match);
            }
            s = s with { WorkDays = days };
        }
        s = s with
        {
            SelfResolveWithin = TimeSpan.FromMinutes(Number(config, "OPS_FATIGUE_SELF_RESOLVE_MINUTES", s.SelfResolveWithin.TotalMinutes, 0.1, 1440)),
            LongSilence = TimeSpan.FromHours(Number(config, "OPS_FATIGUE_LONG_SILENCE_HOURS", s.LongSilence.TotalHours, 1, 24 * 90)),
            SilenceRenewals = (int)Number(config, "OPS_FATIGUE_SILENCE_RENEWALS", s.SilenceRenewals, 2, 1000),
            MaxPagesPer12Hours = Number(config, "OPS_FATIGUE_MAX_PAGES_PER_12H", s.MaxPagesPer12Hours, 0.1, 1000),
            MaxOutOfHoursPagesPerWeek = Number(config, "OPS_FATIGUE_MAX_OUT_OF_HOURS_PER_WEEK", s.MaxOutOfHoursPagesPerWeek, 0.1, 1000),
            MaxAckP90Minutes = Number(config, "OPS_FATIGUE_MAX_ACK_P90_MINUTES", s.MaxAckP90Minutes, 0.1, 10000),
            MaxSelfResolvingShare = Number(config, "OPS_FATIGUE_MAX_SELF_RESOLVING_SHARE", s.MaxSelfResolvingShare, 0.01, 1),
        };
        return s;
    }

    private static string? Text(Func<string, string?> config, string key) => config(key) is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

    private static double Number(Func<string, string?> config, string key, double fallback, double min, double max)
    {
        if (Text(config, key) is not { } text) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            throw new InvalidInputException(key, $"{key} is a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.");
        return v;
    }
}

// ---- The history an assessment reads (loaded from the store by FatigueQueries, or built by hand in tests).

/// <summary>An alert (one label set): its rule (alertname), service, labels, and whether any runbook covers it.</summary>
public sealed record FatigueAlert(string Fingerprint, string Rule, string? Service, IReadOnlyDictionary<string, string> Labels, bool HasRunbook);

/// <summary>One time an alert fired, and when it resolved (null: still firing).</summary>
public sealed record FatigueFiring(string Fingerprint, DateTime FiredAt, DateTime? ResolvedAt);

/// <summary>A page: the alerts it carried, the incident it belongs to, the schedules its escalation policy pages through.</summary>
public sealed record FatiguePage(Guid Id, IReadOnlyList<string> Fingerprints, long? IncidentId, DateTime CreatedAt, DateTime? AcknowledgedAt, IReadOnlyList<string> Schedules);

public sealed record FatigueSilence(Guid Id, string Matchers, DateTime StartsAt, DateTime EndsAt, DateTime CreatedAt, string CreatedBy);

/// <summary>One on-call shift: a person on call in a schedule from one handoff to the next (or an override).</summary>
public sealed record FatigueShift(string Schedule, string User, DateTime Start, DateTime End);

public sealed record FatigueHistory(
    IReadOnlyList<FatigueAlert> Alerts,
    IReadOnlyList<FatigueFiring> Firings,
    IReadOnlyList<FatiguePage> Pages,
    IReadOnlyList<FatigueSilence> Silences,
    IReadOnlyList<FatigueShift> Shifts);

// ---- The assessment.

/// <param name="Pages">Pages created in the period.</param>
/// <param name="PagesPerWeek">Pages over the period's length in weeks.</param>
/// <param name="Shifts">On-call shifts in the period (clipped to it).</param>
/// <param name="PagesPerShift">Mean pages per shift (pages in shifts / shifts).</param>
/// <param name="PagesPer12Hours">Pages per 12 hours on call (pages in shifts × 12 / hours on call); over the whole period when there are no shifts.</param>
/// <param name="ShiftsOverLimit">Shifts whose pages per 12 hours exceed the threshold.</param>
/// <param name="OutOfHoursPages">Pages created outside working hours (weekends included) in the assessment's time zone.</param>
/// <param name="AckP50Minutes">Time to acknowledge, 50th percentile (nearest rank), over acknowledged pages.</param>
/// <param name="Firings">Times alerts started firing in the period.</param>
/// <param name="SelfResolved">Firings that resolved within the settings' minutes with no acknowledgement of a page carrying them.</param>
public sealed record FatigueFigures(
    int Pages, double Weeks, double PagesPerWeek,
    int Shifts, double? PagesPerShift, int MaxPagesInShift, double? PagesPer12Hours, int ShiftsOverLimit,
    int OutOfHoursPages, double? OutOfHoursShare, double OutOfHoursPagesPerWeek,
    int AcknowledgedPages, int UnacknowledgedPages, double? AckP50Minutes, double? AckP90Minutes,
    int Firings, int SelfResolved, double? SelfResolvedShare,
    int Rules, int RulesWithoutRunbook, int LongSilences, int RenewedSilences,
    int IncidentsWithDuplicatePages, int DuplicatePages);

/// <summary>One threshold of the score: its limit, what was measured, and the points it earned (full when met, falling to 0 at twice the limit).</summary>
public sealed record FatigueThreshold(string Key, string Name, string Limit, double LimitValue, double? Measured, string MeasuredText, bool Met, double Points, double MaxPoints, string Basis);

public sealed record FatigueScore(int Value, string Verdict, IReadOnlyList<FatigueThreshold> Thresholds);

/// <summary>A week of the period (weeks start on Monday 00:00 UTC) for the chart.</summary>
public sealed record FatigueWeek(DateTime WeekStart, int Pages, int OutOfHoursPages, int Firings, int SelfResolved);

public sealed record FatigueShiftLoad(string Schedule, string User, DateTime Start, DateTime End, int Pages, double PagesPer12Hours, bool OverLimit);

/// <summary>One alerting rule's figures; <paramref name="Share"/> is its part of all firings.</summary>
public sealed record FatigueRule(string Rule, int Firings, double Share, int Pages, int AcknowledgedPages, int OutOfHoursPages, int SelfResolved,
    double? MedianMinutes, int LabelSets, bool HasRunbook);

public sealed record FatigueLongSilence(Guid Id, string Matchers, DateTime StartsAt, DateTime EndsAt, double Hours, string CreatedBy);

public sealed record FatigueRenewedSilence(string Matchers, int Times, DateTime FirstStart, DateTime LastEnd, double TotalHours);

public sealed record FatigueDuplicatePages(long IncidentId, int Pages, int Extra, IReadOnlyList<string> Rules);

/// <summary>What to change about a rule, and the figures that say so.</summary>
/// <param name="Kind"><c>add-for</c>, <c>ticket</c>, <c>raise-threshold</c>, <c>group</c>, <c>inhibit</c> or <c>runbook</c>.</param>
public sealed record FatigueRecommendation(string Rule, string Kind, string Action, string Reason);

public sealed record FatigueReport(
    DateTime From, DateTime To, string? Schedule, string TimeZone, string WorkingHours, int SelfResolveMinutes,
    FatigueFigures Figures, FatigueScore Score,
    IReadOnlyList<FatigueWeek> Weeks, IReadOnlyList<FatigueShiftLoad> Shifts, IReadOnlyList<FatigueRule> Rules,
    IReadOnlyList<FatigueRule> RulesWithoutRunbook, IReadOnlyList<FatigueLongSilence> LongSilences, IReadOnlyList<FatigueRenewedSilence> RenewedSilences,
    IReadOnlyList<FatigueDuplicatePages> DuplicatePages, IReadOnlyList<FatigueRecommendation> Recommendations);
