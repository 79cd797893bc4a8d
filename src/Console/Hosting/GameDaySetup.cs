using OpsConsole.Core.GameDays;

namespace OpsConsole.Console.Hosting;

public static class GameDaySetup
{
    /// <summary>Game days: the desk, the runner that advances running game days every second, and live notices for their pages.</summary>
    public static IServiceCollection AddConsoleGameDays(this IServiceCollection services) => services.AddGameDays();
}
