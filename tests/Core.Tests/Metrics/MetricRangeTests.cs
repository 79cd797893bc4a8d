using OpsConsole.Core.Domain;
using OpsConsole.Core.Metrics;

namespace OpsConsole.Core.Tests.Metrics;

public sealed class MetricRangeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_defaults_are_the_last_hour_at_ten_seconds()
    {
        Assert.Equal(new MetricRange(Now.AddHours(-1), Now, TimeSpan.FromSeconds(10)), MetricRange.Parse(null, null, null, Now));
    }

    [Theory]
    [InlineData("10s", 10)]
    [InlineData("1m", 60)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    [InlineData("30", 30)]
    [InlineData("PT5M", 300)]
    public void Steps_read_as_people_write_them(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), MetricRange.ParseStep(text));

    [Fact]
    public void Times_are_iso_8601_and_read_as_utc()
    {
        var r = MetricRange.Parse("2026-11-20T10:00:00+01:00", "2026-11-20T11:00:00Z", "1m", Now);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero), r.From);
        Assert.Equal(TimeSpan.FromHours(2), r.To - r.From);
    }

    [Theory]
    [InlineData("yesterday", null, null, "from")]
    [InlineData(null, "soon", null, "to")]
    [InlineData("2026-11-20T12:00:00Z", "2026-11-20T11:00:00Z", null, "from")]
    [InlineData("2026-10-01T00:00:00Z", "2026-11-20T00:00:00Z", "1h", "from")]
    [InlineData(null, null, "5s", "step")]
    [InlineData(null, null, "fast", "step")]
    [InlineData(null, null, "-10", "step")]
    [InlineData("2026-11-13T00:00:00Z", "2026-11-20T00:00:00Z", "1m", "step")]
    public void Bad_input_names_the_parameter(string? from, string? to, string? step, string field)
    {
        var e = Assert.Throws<InvalidInputException>(() => MetricRange.Parse(from, to, step, Now));
        Assert.Equal([field], e.Errors.Keys);
    }
}
