using System.Globalization;
using MudBlazor;
using OpsConsole.Console.Api;

namespace OpsConsole.Console.Components.Pages.GameDays;

/// <summary>How game days read on the pages.</summary>
public static class GameDayText
{
    public static Color StatusColor(string status) => status switch
    {
        "Running" => Color.Warning,
        "Aborted" => Color.Error,
        "Completed" => Color.Success,
        _ => Color.Default,
    };

    public static DateOnly Day(GameDaySummary g) => DateOnly.FromDateTime(g.StartedAt ?? g.ScheduledAt ?? DateTime.MinValue);

    public static string When(GameDaySummary g) => g.StartedAt is { } s ? $"started {Time(s)}"
        : g.ScheduledAt is { } at ? $"scheduled {Time(at)}" : "not scheduled";

    public static string Time(DateTime? t) => t is { } v ? v.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC" : "—";

    public static string Seconds(double? s) => s is { } v ? v.ToString("0.#", CultureInfo.InvariantCulture) + " s" : "not reached";
}
