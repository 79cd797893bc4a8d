using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Releases;
using static OpsConsole.Core.Tests.Releases.ReleaseFixture;

namespace OpsConsole.Core.Tests.Releases;

public sealed class FreezeCalendarTests
{
    /// <summary>The demo window: Friday 16:00 to Monday 08:00, Europe/Berlin (64 hours of wall-clock time).</summary>
    private static FreezeWindow Weekend(string? service = null, string? environment = "prod") => new()
    {
        Name = "Weekend freeze", Service = service, Environment = environment, RRule = "FREQ=WEEKLY;BYDAY=FR",
        StartLocal = new DateTime(2026, 1, 2, 16, 0, 0), DurationMinutes = 64 * 60, TimeZone = "Europe/Berlin", CreatedBy = "test",
    };

    private static DateTime Utc(string iso) => DateTime.Parse(iso, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);

    public static TheoryData<string, bool, string?> WeekendCases => new()
    {
        // An ordinary winter weekend: CET (UTC+1).
        { "2026-11-27T14:59:00Z", false, null },
        { "2026-11-27T15:00:00Z", true, "2026-11-30T07:00:00Z" },
        { "2026-11-29T12:00:00Z", true, "2026-11-30T07:00:00Z" },
        { "2026-11-30T06:59:59Z", true, "2026-11-30T07:00:00Z" },
        { "2026-11-30T07:00:00Z", false, null },
        { "2026-12-02T12:00:00Z", false, null },
        // Spring forward on Sunday 29 March 2026: starts 16:00 CET (15:00Z), ends Monday 08:00 CEST (06:00Z).
        { "2026-03-27T14:59:00Z", false, null },
        { "2026-03-27T15:00:00Z", true, "2026-03-30T06:00:00Z" },
        { "2026-03-30T05:59:00Z", true, "2026-03-30T06:00:00Z" },
        { "2026-03-30T06:00:00Z", false, null },
        // Fall back on Sunday 25 October 2026: starts 16:00 CEST (14:00Z), ends Monday 08:00 CET (07:00Z).
        { "2026-10-23T13:59:00Z", false, null },
        { "2026-10-23T14:00:00Z", true, "2026-10-26T07:00:00Z" },
        { "2026-10-25T01:30:00Z", true, "2026-10-26T07:00:00Z" },
        { "2026-10-26T06:59:00Z", true, "2026-10-26T07:00:00Z" },
        { "2026-10-26T07:00:00Z", false, null },
        // Summer: CEST (UTC+2).
        { "2026-07-03T13:59:00Z", false, null },
        { "2026-07-03T14:00:00Z", true, "2026-07-06T06:00:00Z" },
        { "2026-07-06T06:00:00Z", false, null },
    };

    [Theory]
    [MemberData(nameof(WeekendCases))]
    public void The_weekend_window_holds_Friday_16_00_to_Monday_08_00_Berlin_time_across_daylight_saving(string at, bool frozen, string? until)
    {
        var state = FreezeCalendar.State([Weekend()], Utc(at));

        Assert.Equal(frozen, state.Frozen);
        Assert.Equal(until is null ? null : Utc(until), state.Until);
        if (frozen) Assert.Equal("Weekend freeze", state.Window);
        else Assert.NotNull(state.NextStart);
    }

    [Fact]
    public void When_open_the_next_start_is_the_coming_Friday_16_00_Berlin()
    {
        var state = FreezeCalendar.State([Weekend()], Utc("2026-11-25T10:00:00Z"));
        Assert.Equal(Utc("2026-11-27T15:00:00Z"), state.NextStart);
    }

    [Fact]
    public void Occurrences_over_four_weeks_are_four_weekends()
    {
        var list = FreezeSchedule.Occurrences(Weekend(), Utc("2026-11-23T07:00:00Z"), Utc("2026-12-21T00:00:00Z"));
        Assert.Equal(4, list.Count);
        Assert.All(list, o => Assert.Equal(DayOfWeek.Friday, o.StartUtc.DayOfWeek));
        Assert.Equal(Utc("2026-12-18T15:00:00Z"), list[^1].StartUtc);
    }

    [Fact]
    public void A_daily_window_in_the_spring_gap_still_lasts_its_duration()
    {
        var nightly = new FreezeWindow
        {
            Name = "Nightly", Environment = "prod", RRule = "FREQ=DAILY", StartLocal = new DateTime(2026, 3, 1, 2, 30, 0), DurationMinutes = 60,
            TimeZone = "Europe/Berlin", CreatedBy = "test",
        };
        var onGapDay = FreezeSchedule.Occurrences(nightly, Utc("2026-03-29T00:00:00Z"), Utc("2026-03-29T12:00:00Z"));
        var o = Assert.Single(onGapDay);
        Assert.Equal(TimeSpan.FromMinutes(60), o.EndUtc - o.StartUtc);
        Assert.Equal(Utc("2026-03-29T01:30:00Z"), o.StartUtc);
    }

    [Fact]
    public void One_off_windows_and_scopes()
    {
        var oneOff = new FreezeWindow { Name = "Launch", Service = "checkout", StartUtc = Utc("2026-12-01T00:00:00Z"), EndUtc = Utc("2026-12-02T00:00:00Z"), CreatedBy = "t" };
        Assert.True(FreezeCalendar.State([oneOff], Utc("2026-12-01T12:00:00Z")).Frozen);
        Assert.False(FreezeCalendar.State([oneOff], Utc("2026-12-02T00:00:00Z")).Frozen);
        Assert.True(oneOff.Covers("checkout", "dev"));
        Assert.False(oneOff.Covers("catalog", "dev"));
        Assert.True(Weekend().Covers("catalog", "prod"));
        Assert.False(Weekend().Covers("catalog", "staging"));
        Assert.True(Weekend("payments").Covers("payments", "prod"));
        Assert.False(Weekend("payments").Covers("checkout", "prod"));
    }

    [Fact]
    public async Task The_calendar_answers_for_the_service_and_environment_it_is_asked_about()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        await using var store = await CreateAsync(clock);
        await using var scope = store.Scope();
        var calendar = scope.ServiceProvider.GetRequiredService<FreezeCalendar>();
        await calendar.CreateAsync(Manager, new FreezeWindowRequest("Weekend freeze", null, "prod", "RRULE:FREQ=WEEKLY;BYDAY=FR", new DateTime(2026, 1, 2, 16, 0, 0), 3840, "Europe/Berlin"));

        IFreezeCalendar asked = scope.ServiceProvider.GetRequiredService<IFreezeCalendar>();
        var saturday = Utc("2026-11-28T12:00:00Z");
        Assert.True((await asked.StateAsync("checkout", "prod", saturday)).Frozen);
        Assert.False((await asked.StateAsync("checkout", "staging", saturday)).Frozen);
        await using var db = store.NewContext();
        Assert.Equal("FREQ=WEEKLY;BYDAY=FR", (await db.FreezeWindows.SingleAsync()).RRule);
        Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.Action == "freeze.create"));
    }

    public static TheoryData<string, FreezeWindowRequest> BadWindows => new()
    {
        { "rrule", new FreezeWindowRequest("x", null, "prod", "FREQ=SOMETIMES", new DateTime(2026, 1, 2, 16, 0, 0), 60, "Europe/Berlin") },
        { "rrule", new FreezeWindowRequest("x", null, "prod", "BYDAY=FR", new DateTime(2026, 1, 2, 16, 0, 0), 60, "Europe/Berlin") },
        { "rrule", new FreezeWindowRequest("x", null, "prod", "FREQ=WEEKLY;BYDAY=XX", new DateTime(2026, 1, 2, 16, 0, 0), 60, "Europe/Berlin") },
        { "rrule", new FreezeWindowRequest("x", null, "prod", "FREQ=MINUTELY", new DateTime(2026, 1, 2, 16, 0, 0), 60, "Europe/Berlin") },
        { "rrule", new FreezeWindowRequest("x", null, "prod", "not a rule at all", new DateTime(2026, 1, 2, 16, 0, 0), 60, "Europe/Berlin") },
        { "timeZone", new FreezeWindowRequest("x", null, "prod", "FREQ=WEEKLY", new DateTime(2026, 1, 2, 16, 0, 0), 60, "Mars/Olympus") },
        { "durationMinutes", new FreezeWindowRequest("x", null, "prod", "FREQ=WEEKLY", new DateTime(2026, 1, 2, 16, 0, 0), 0, "UTC") },
        { "start", new FreezeWindowRequest("x", null, "prod", "FREQ=WEEKLY", null, 60, "UTC") },
        { "environment", new FreezeWindowRequest("x", null, null, "FREQ=WEEKLY", new DateTime(2026, 1, 2, 16, 0, 0), 60, "UTC") },
        { "name", new FreezeWindowRequest("", null, "prod", "FREQ=WEEKLY", new DateTime(2026, 1, 2, 16, 0, 0), 60, "UTC") },
        { "endUtc", new FreezeWindowRequest("x", null, "prod", StartUtc: DateTimeOffset.Parse("2026-12-02T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), EndUtc: DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture)) },
        { "startUtc", new FreezeWindowRequest("x", null, "prod") },
    };

    [Theory]
    [MemberData(nameof(BadWindows))]
    public async Task A_window_that_does_not_make_sense_is_refused_with_a_clear_message_and_nothing_is_saved(string field, FreezeWindowRequest request)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        await using var store = await CreateAsync(clock);
        await using var scope = store.Scope();
        var calendar = scope.ServiceProvider.GetRequiredService<FreezeCalendar>();

        var e = await Assert.ThrowsAsync<InvalidInputException>(() => calendar.CreateAsync(Manager, request));

        Assert.Contains(field, e.Errors.Keys);
        await using var db = store.NewContext();
        Assert.Equal(0, await db.FreezeWindows.CountAsync());
    }

    [Fact]
    public async Task Only_Admin_or_ReleaseManager_create_and_delete_windows()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        await using var store = await CreateAsync(clock);
        await using var scope = store.Scope();
        var calendar = scope.ServiceProvider.GetRequiredService<FreezeCalendar>();
        var request = new FreezeWindowRequest("w", null, "prod", "FREQ=WEEKLY", new DateTime(2026, 1, 2, 16, 0, 0), 60, "UTC");

        await Assert.ThrowsAsync<AccessDeniedException>(() => calendar.CreateAsync(Responder, request));
        await Assert.ThrowsAsync<AccessDeniedException>(() => calendar.CreateAsync(Ci, request));
        var w = await calendar.CreateAsync(Admin, request);
        await Assert.ThrowsAsync<AccessDeniedException>(() => calendar.DeleteAsync(Viewer, w.Id));
        await calendar.DeleteAsync(Manager, w.Id);
        await Assert.ThrowsAsync<NotFoundException>(() => calendar.DeleteAsync(Manager, w.Id));
    }
}
