using OpsConsole.Core.Domain;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Core.Tests.OnCall;

/// <summary>Who is on call, across time zones and daylight-saving changes.</summary>
public sealed class ScheduleMathTests
{
    private static DateTime Utc(int y, int mo, int d, int h, int mi = 0) => new(y, mo, d, h, mi, 0, DateTimeKind.Utc);

    private static RotationLayer Daily(string zone, string start, string handoff = "09:00", int length = 1, params string[] users) => new()
    {
        Name = "primary", Users = users.Length > 0 ? users : ["ana", "ben", "cy"], RotationLength = length, Unit = RotationUnit.Days,
        HandoffTime = handoff, TimeZone = zone, StartDate = start,
    };

    [Fact]
    public void Berlin_daily_handoff_at_nine_follows_the_clock_across_the_March_change()
    {
        // 2026-03-29: Berlin goes from CET (UTC+1) to CEST (UTC+2) at 02:00 local.
        var layers = new[] { Daily("Europe/Berlin", "2026-03-27") };
        // 09:00 CET on 28 March is 08:00 UTC; 09:00 CEST on 29 March is 07:00 UTC.
        Assert.Equal("ben", ScheduleMath.At(layers, [], Utc(2026, 3, 28, 8, 0)).User);
        Assert.Equal("ana", ScheduleMath.At(layers, [], Utc(2026, 3, 28, 7, 59)).User);
        Assert.Equal("cy", ScheduleMath.At(layers, [], Utc(2026, 3, 29, 7, 0)).User);
        Assert.Equal("ben", ScheduleMath.At(layers, [], Utc(2026, 3, 29, 6, 59)).User);

        var now = ScheduleMath.Now(layers, [], Utc(2026, 3, 28, 12, 0));
        Assert.Equal("ben", now.User);
        Assert.Equal(Utc(2026, 3, 29, 7, 0), now.End); // a 23-hour shift
    }

    [Fact]
    public void Berlin_daily_handoff_at_nine_follows_the_clock_across_the_October_change()
    {
        // 2026-10-25: CEST (UTC+2) back to CET (UTC+1) at 03:00 local.
        var layers = new[] { Daily("Europe/Berlin", "2026-10-24", users: ["ana", "ben"]) };
        var now = ScheduleMath.Now(layers, [], Utc(2026, 10, 24, 12, 0));
        Assert.Equal("ana", now.User);
        Assert.Equal("ana", ScheduleMath.At(layers, [], Utc(2026, 10, 24, 7, 0)).User); // 09:00 CEST
        Assert.Equal(Utc(2026, 10, 25, 8, 0), now.End); // a 25-hour shift
        Assert.Equal("ben", ScheduleMath.At(layers, [], Utc(2026, 10, 25, 8, 0)).User);
    }

    [Fact]
    public void A_weekly_Berlin_rotation_over_the_change_is_one_hour_shorter_and_hands_off_at_nine_local()
    {
        var layers = new[] { Daily("Europe/Berlin", "2026-03-23", length: 7, users: ["ana", "ben"]) };
        var timeline = ScheduleMath.Timeline(layers, [], Utc(2026, 3, 23, 12), Utc(2026, 4, 10, 0));
        Assert.Equal(["ana", "ben", "ana"], timeline.Select(s => s.User));
        Assert.Equal(Utc(2026, 3, 30, 7, 0), timeline[1].Start);
        Assert.Equal(Utc(2026, 4, 6, 7, 0), timeline[2].Start);
        Assert.Equal(TimeSpan.FromHours(167), timeline[1].Start - Utc(2026, 3, 23, 8, 0));
    }

    [Fact]
    public void New_York_handoff_at_a_time_skipped_by_spring_forward_happens_just_after_the_gap()
    {
        // 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist that day.
        var layers = new[] { Daily("America/New_York", "2026-03-06", handoff: "02:30", users: ["ana", "ben", "cy"]) };
        // NodaTime's lenient resolution moves a skipped local time forward by the gap: 02:30 becomes 03:30 EDT.
        Assert.Equal("cy", ScheduleMath.At(layers, [], Utc(2026, 3, 8, 7, 30)).User); // 03:30 EDT
        Assert.Equal("ben", ScheduleMath.At(layers, [], Utc(2026, 3, 8, 7, 29)).User); // 03:29 EDT
        // 7 Mar 02:30 EST = 07:30 UTC; 9 Mar 02:30 EDT = 06:30 UTC
        Assert.Equal("ben", ScheduleMath.At(layers, [], Utc(2026, 3, 7, 7, 30)).User);
        Assert.Equal("ana", ScheduleMath.At(layers, [], Utc(2026, 3, 9, 6, 30)).User);
    }

    [Fact]
    public void New_York_twelve_hour_rotation_counts_elapsed_hours_through_the_November_change()
    {
        // 2026-11-01: EDT (UTC-4) back to EST (UTC-5) at 02:00 local.
        var layers = new[]
        {
            new RotationLayer { Users = ["day", "night"], RotationLength = 12, Unit = RotationUnit.Hours, HandoffTime = "08:00", TimeZone = "America/New_York", StartDate = "2026-10-31" },
        };
        var timeline = ScheduleMath.Timeline(layers, [], Utc(2026, 10, 31, 12), Utc(2026, 11, 2, 6));
        Assert.Equal(Utc(2026, 10, 31, 12), timeline[0].Start);
        Assert.Equal(["day", "night", "day", "night"], timeline.Select(s => s.User));
        Assert.All(timeline.Skip(1).SkipLast(1), s => Assert.Equal(TimeSpan.FromHours(12), s.End!.Value - s.Start));
        Assert.Equal(Utc(2026, 11, 1, 12), timeline[2].Start); // 07:00 EST: elapsed hours, not wall clock
    }

    [Fact]
    public void An_override_wins_over_every_layer_and_the_last_override_wins_among_overlaps()
    {
        var layers = new[] { Daily("UTC", "2026-06-01"), Daily("UTC", "2026-06-01", users: ["zed"]) with { Name = "secondary" } };
        var overrides = new[]
        {
            new ScheduleOverride { User = "ovid", Start = Utc(2026, 6, 2, 10), End = Utc(2026, 6, 2, 14) },
            new ScheduleOverride { User = "olga", Start = Utc(2026, 6, 2, 12), End = Utc(2026, 6, 2, 13) },
        };
        Assert.Equal(("ovid", "override", -1), ScheduleMath.At(layers, overrides, Utc(2026, 6, 2, 11)));
        Assert.Equal("olga", ScheduleMath.At(layers, overrides, Utc(2026, 6, 2, 12, 30)).User);
        Assert.Equal("zed", ScheduleMath.At(layers, overrides, Utc(2026, 6, 2, 14)).User);

        var now = ScheduleMath.Now(layers, overrides, Utc(2026, 6, 2, 11));
        Assert.Equal(Utc(2026, 6, 2, 12), now.End);
    }

    [Fact]
    public void A_higher_layer_wins_inside_its_daily_window_and_the_lower_one_covers_outside()
    {
        var layers = new[]
        {
            Daily("Europe/Berlin", "2026-06-01", users: ["base"]),
            Daily("Europe/Berlin", "2026-06-01", users: ["office"]) with { Name = "office hours", RestrictFrom = "09:00", RestrictTo = "17:00" },
        };
        Assert.Equal(("office", "office hours", 1), ScheduleMath.At(layers, [], Utc(2026, 6, 3, 7, 0))); // 09:00 CEST
        Assert.Equal(("base", "primary", 0), ScheduleMath.At(layers, [], Utc(2026, 6, 3, 15, 0))); // 17:00 CEST
        var now = ScheduleMath.Now(layers, [], Utc(2026, 6, 3, 8, 0));
        Assert.Equal("office", now.User);
        Assert.Equal(Utc(2026, 6, 3, 15, 0), now.End);
    }

    [Fact]
    public void Before_a_layer_starts_nobody_is_on_call_and_the_timeline_says_when_someone_is()
    {
        var layers = new[] { Daily("UTC", "2026-06-10") };
        var now = ScheduleMath.Now(layers, [], Utc(2026, 6, 1, 0));
        Assert.Null(now.User);
        Assert.Equal(Utc(2026, 6, 10, 9), now.End);
    }

    [Fact]
    public void A_layer_without_users_is_refused_naming_the_layer()
    {
        var e = Assert.Throws<InvalidInputException>(() => ScheduleMath.Validate([Daily("UTC", "2026-06-10") with { Users = [" "] }]));
        Assert.Contains("no users", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidInputException>(() => ScheduleMath.Validate([]));
        Assert.Throws<InvalidInputException>(() => ScheduleMath.Validate([Daily("Mars/Olympus", "2026-06-10")]));
        Assert.Throws<InvalidInputException>(() => ScheduleMath.Validate([Daily("UTC", "2026-06-10", handoff: "25:00")]));
    }
}
