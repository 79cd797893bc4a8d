using OpsConsole.Core.Fatigue;

namespace OpsConsole.Console.Hosting;

public static class FatigueSetup
{
    /// <summary>
    /// The alert-fatigue assessment's settings (<c>OPS_FATIGUE_*</c>: working hours and days, time zone,
    /// what counts as resolving on its own or a silence too long, and the score's thresholds). With the
    /// demo on, four weeks of alert history are written on first start (see <see cref="DemoSetup"/>).
    /// </summary>
    public static IServiceCollection AddConsoleFatigue(this IServiceCollection services, IConfiguration config)
    {
        services.AddSingleton(FatigueSettings.From(key => config[key]));
        return services;
    }
}
