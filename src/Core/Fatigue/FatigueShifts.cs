using NodaTime;
using NodaTime.Text;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Core.Fatigue;

/// <summary>
/// A schedule's on-call shifts over a period: who is on call (ScheduleMath's timeline), cut at each
/// rotation handoff of the layer that covers, so a person who takes the rotation again and again (or
/// alone) still has one shift per rotation. Overrides are shifts of their own.
/// </summary>
public static class FatigueShifts
{
    private static readonly LocalTimePattern TimePattern = LocalTimePattern.CreateWithInvariantCulture("HH:mm");

    public static IReadOnlyList<FatigueShift> For(string schedule, IReadOnlyList<RotationLayer> layers, IReadOnlyList<ScheduleOverride> overrides, DateTime from, DateTime to)
    {
        var result = new List<FatigueShift>();
        if (layers.Count == 0 || to <= from) return result;
        foreach (var segment in ScheduleMath.Timeline(layers, overrides, from, to))
        {
            if (segment.User is not { } user) continue;
            var end = segment.End ?? to;
            var start = segment.Start;
            if (segment.LayerIndex >= 0)
                foreach (var cut in Handoffs(layers[segment.LayerIndex], start, end))
                {
                    result.Add(new FatigueShift(schedule, user, start, cut));
                    start = cut;
                }
            if (end > start) result.Add(new FatigueShift(schedule, user, start, end));
        }
        return result;
    }

    /// <summary>The layer's handoffs strictly between <paramref name="from"/> and <paramref name="to"/>.</summary>
    public static IEnumerable<DateTime> Handoffs(RotationLayer layer, DateTime from, DateTime to)
    {
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(layer.TimeZone) ?? DateTimeZone.Utc;
        if (!TimePattern.Parse(layer.HandoffTime).TryGetValue(default, out var handoff)) yield break;
        if (!LocalDatePattern.Iso.Parse(layer.StartDate).TryGetValue(default, out var startDate)) yield break;
        var anchor = startDate + handoff;
        var length = Math.Max(1, layer.RotationLength);
        var first = zone.AtLeniently(anchor).ToInstant().ToDateTimeUtc();
        var period = layer.Unit == RotationUnit.Days ? TimeSpan.FromDays(length) : TimeSpan.FromHours(length);
        DateTime At(long k) => layer.Unit == RotationUnit.Days
            ? zone.AtLeniently(anchor.PlusDays(checked((int)(k * length)))).ToInstant().ToDateTimeUtc()
            : first + (period * k);
        var k = Math.Max(0, (long)Math.Floor((from - first) / period) - 1);
        for (var guard = 0; guard < 100_000; guard++, k++)
        {
            var h = At(k);
            if (h >= to) yield break;
            if (h > from) yield return h;
        }
    }
}
