using NodaTime;
using NodaTime.Text;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.OnCall;

/// <summary>
/// Who is on call at an instant and over a span, from a schedule's layers and overrides. Overrides win
/// over layers (the last one listed wins among overlapping overrides); among layers the higher one
/// (later in the list) wins where it covers. Time-zone and daylight-saving arithmetic is NodaTime's:
/// a handoff at a local time that does not exist (spring forward) moves forward by the gap (02:30
/// becomes 03:30), one that occurs twice (fall back) happens at its first occurrence.
/// </summary>
public static class ScheduleMath
{
    /// <summary>How far ahead "until when" looks for the next change.</summary>
    public static readonly TimeSpan LookAhead = TimeSpan.FromDays(90);

    private static readonly LocalTimePattern TimePattern = LocalTimePattern.CreateWithInvariantCulture("HH:mm");
    private static readonly LocalDatePattern DatePattern = LocalDatePattern.Iso;

    /// <summary>Checks a schedule's layers; throws <see cref="InvalidInputException"/> naming the first problem.</summary>
    public static void Validate(IReadOnlyList<RotationLayer>? layers)
    {
        if (layers is null || layers.Count == 0) throw new InvalidInputException("layers", "A schedule needs at least one rotation layer with users.");
        if (layers.Count > 20) throw new InvalidInputException("layers", "A schedule has at most 20 layers.");
        for (var i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            var field = $"layers[{i}]";
            var users = (l.Users ?? []).Select(u => u?.Trim() ?? "").Where(u => u.Length > 0).ToList();
            if (users.Count == 0) throw new InvalidInputException($"{field}.users", $"Layer {i + 1} has no users: name at least one person who takes the rotation.");
            if (users.Count > 100) throw new InvalidInputException($"{field}.users", "A layer has at most 100 users.");
            if (users.Any(u => u.Length > 256)) throw new InvalidInputException($"{field}.users", "A user name is at most 256 characters.");
            if (l.RotationLength is < 1 or > 10000) throw new InvalidInputException($"{field}.rotationLength", "The rotation length is a whole number of days or hours from 1 to 10000.");
            if (!Enum.IsDefined(l.Unit)) throw new InvalidInputException($"{field}.unit", "The rotation unit is Days or Hours.");
            if (!TimePattern.Parse(l.HandoffTime ?? "").Success) throw new InvalidInputException($"{field}.handoffTime", "The handoff time is a local time like 09:00.");
            if (DateTimeZoneProviders.Tzdb.GetZoneOrNull(l.TimeZone ?? "") is null)
                throw new InvalidInputException($"{field}.timeZone", $"'{l.TimeZone}' is not a known time zone; use an IANA name like Europe/Berlin or America/New_York.");
            if (!DatePattern.Parse(l.StartDate ?? "").Success) throw new InvalidInputException($"{field}.startDate", "The start date is a date like 2026-03-02.");
            if ((l.RestrictFrom is null) != (l.RestrictTo is null)
                || (l.RestrictFrom is not null && (!TimePattern.Parse(l.RestrictFrom).Success || !TimePattern.Parse(l.RestrictTo!).Success)))
                throw new InvalidInputException($"{field}.restrictFrom", "A daily window needs both a from and a to time like 09:00 and 17:00.");
            if ((l.Name ?? "").Length > 100) throw new InvalidInputException($"{field}.name", "A layer name is at most 100 characters.");
        }
    }

    /// <summary>Who is on call at <paramref name="at"/> and until when.</summary>
    public static OnCallSegment Now(IReadOnlyList<RotationLayer> layers, IReadOnlyList<ScheduleOverride> overrides, DateTime at)
    {
        var timeline = Timeline(layers, overrides, at, at + LookAhead);
        var first = timeline[0];
        return first with { End = timeline.Count > 1 ? first.End : null };
    }

    /// <summary>The segments from <paramref name="from"/> to <paramref name="to"/>, adjacent equal ones merged.</summary>
    public static IReadOnlyList<OnCallSegment> Timeline(IReadOnlyList<RotationLayer> layers, IReadOnlyList<ScheduleOverride> overrides, DateTime from, DateTime to)
    {
        var compiled = layers.Select(Compile).ToList();
        var a = Instant.FromDateTimeUtc(Utc(from));
        var b = Instant.FromDateTimeUtc(Utc(to));
        if (b <= a) b = a + Duration.FromSeconds(1);
        var points = new SortedSet<Instant> { a };
        foreach (var l in compiled)
            foreach (var p in l.Boundaries(a, b))
                if (p > a && p < b) points.Add(p);
        foreach (var o in overrides)
        {
            var s = Instant.FromDateTimeUtc(Utc(o.Start));
            var e = Instant.FromDateTimeUtc(Utc(o.End));
            if (s > a && s < b) points.Add(s);
            if (e > a && e < b) points.Add(e);
        }

        var list = points.ToList();
        var segments = new List<OnCallSegment>();
        for (var i = 0; i < list.Count; i++)
        {
            var start = list[i];
            var end = i + 1 < list.Count ? list[i + 1] : b;
            var (user, source, layer) = Evaluate(compiled, layers, overrides, start);
            if (segments.Count > 0 && segments[^1] is var last && last.User == user && last.LayerIndex == layer && last.Source == source)
                segments[^1] = last with { End = end.ToDateTimeUtc() };
            else
                segments.Add(new OnCallSegment(user, source, layer, start.ToDateTimeUtc(), end.ToDateTimeUtc()));
        }
        return segments;
    }

    /// <summary>Who is on call at one instant: the user, what put them there, and the layer index (-1 for an override or nobody).</summary>
    public static (string? User, string Source, int LayerIndex) At(IReadOnlyList<RotationLayer> layers, IReadOnlyList<ScheduleOverride> overrides, DateTime at) =>
        Evaluate(layers.Select(Compile).ToList(), layers, overrides, Instant.FromDateTimeUtc(Utc(at)));

    private static (string? User, string Source, int LayerIndex) Evaluate(List<CompiledLayer> compiled, IReadOnlyList<RotationLayer> layers, IReadOnlyList<ScheduleOverride> overrides, Instant t)
    {
        for (var i = overrides.Count - 1; i >= 0; i--)
        {
            var o = overrides[i];
            if (Instant.FromDateTimeUtc(Utc(o.Start)) <= t && t < Instant.FromDateTimeUtc(Utc(o.End)))
                return (o.User, OnCallSegment.OverrideSource, -1);
        }
        for (var i = compiled.Count - 1; i >= 0; i--)
            if (compiled[i].UserAt(t) is { } user)
                return (user, LayerName(layers[i], i), i);
        return (null, "nobody", -1);
    }

    public static string LayerName(RotationLayer layer, int index) => string.IsNullOrWhiteSpace(layer.Name) ? $"Layer {index + 1}" : layer.Name;

    private static DateTime Utc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Utc => t,
        DateTimeKind.Local => t.ToUniversalTime(),
        _ => DateTime.SpecifyKind(t, DateTimeKind.Utc),
    };

    private static CompiledLayer Compile(RotationLayer l)
    {
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(l.TimeZone) ?? DateTimeZone.Utc;
        var handoff = TimePattern.Parse(l.HandoffTime).GetValueOrThrow();
        var start = DatePattern.Parse(l.StartDate).GetValueOrThrow();
        LocalTime? from = l.RestrictFrom is null ? null : TimePattern.Parse(l.RestrictFrom).GetValueOrThrow();
        LocalTime? to = l.RestrictTo is null ? null : TimePattern.Parse(l.RestrictTo).GetValueOrThrow();
        var users = l.Users.Select(u => u.Trim()).Where(u => u.Length > 0).ToList();
        return new CompiledLayer(zone, start + handoff, Math.Max(1, l.RotationLength), l.Unit, users, from, to);
    }

    private sealed record CompiledLayer(DateTimeZone Zone, LocalDateTime Anchor, int Length, RotationUnit Unit, List<string> Users, LocalTime? From, LocalTime? To)
    {
        private Instant Handoff(long k) => Unit == RotationUnit.Days
            ? Zone.AtLeniently(Anchor.PlusDays(checked((int)(k * Length)))).ToInstant()
            : Zone.AtLeniently(Anchor).ToInstant() + Duration.FromHours(k * Length);

        /// <summary>The rotation index of the shift holding <paramref name="t"/>, or null before the first handoff.</summary>
        private long? Shift(Instant t)
        {
            var first = Handoff(0);
            if (t < first || Users.Count == 0) return null;
            var hours = (t - first).TotalHours;
            var k = (long)Math.Floor(hours / (Unit == RotationUnit.Days ? 24.0 * Length : Length));
            while (k > 0 && Handoff(k) > t) k--;
            while (Handoff(k + 1) <= t) k++;
            return k;
        }

        private bool InWindow(Instant t)
        {
            if (From is not { } from || To is not { } to || from == to) return true;
            var local = t.InZone(Zone).TimeOfDay;
            return from < to ? local >= from && local < to : local >= from || local < to;
        }

        public string? UserAt(Instant t) =>
            Shift(t) is { } k && InWindow(t) ? Users[(int)(k % Users.Count)] : null;

        public IEnumerable<Instant> Boundaries(Instant a, Instant b)
        {
            var k = Shift(a) ?? -1;
            for (var i = Math.Max(0, k + 1); ; i++)
            {
                var h = Handoff(i);
                if (h >= b) break;
                yield return h;
            }
            if (From is { } from && To is { } to && from != to)
            {
                var d = a.InZone(Zone).Date.PlusDays(-1);
                var last = b.InZone(Zone).Date.PlusDays(1);
                for (; d <= last; d = d.PlusDays(1))
                {
                    yield return Zone.AtLeniently(d + from).ToInstant();
                    yield return Zone.AtLeniently(d + to).ToInstant();
                }
            }
        }
    }
}
