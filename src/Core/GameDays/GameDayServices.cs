using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Slo;

namespace OpsConsole.Core.GameDays;

public static class GameDayServices
{
    /// <summary>The game-day desk (scoped), its live notices and the runner that advances running game days every second.</summary>
    public static IServiceCollection AddGameDays(this IServiceCollection services)
    {
        services.TryAddSingleton<GameDayUpdates>();
        services.AddScoped(sp => new GameDayMetrics(sp.GetRequiredService<IClusterAdapter>(), sp.GetService<ISloBurn>()));
        services.AddScoped<GameDayDesk>();
        services.AddHostedService<GameDayRunner>();
        return services;
    }
}

/// <summary>
/// Runs game days: every second (on the registered TimeProvider) one pass of <see cref="GameDayDesk.TickAsync"/>
/// in a fresh scope. Its first pass after a start is the restart recovery: running game days get their
/// faults re-applied or lifted, each with a timeline entry.
/// </summary>
public sealed class GameDayRunner(IServiceScopeFactory scopes, TimeProvider clock, ILogger<GameDayRunner> logger) : BackgroundService
{
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, clock);
        try
        {
            do
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<GameDayDesk>().TickAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Game-day runner pass failed; trying again at the next tick");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) { }
    }
}
