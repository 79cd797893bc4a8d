using OpsConsole.Console.Jobs;
using OpsConsole.Core.Promotions;

namespace OpsConsole.Console.Hosting;

public static class PromotionsSetup
{
    /// <summary>
    /// Promotions: the desk, the minute job (Hangfire) and the watcher that moves promotions on when checks
    /// arrive or rollouts change. Stand-ins for the freeze calendar and config store apply only when none is registered.
    /// </summary>
    public static IServiceCollection AddConsolePromotions(this IServiceCollection services)
    {
        services.AddPromotions();
        services.AddTransient<PromotionTickJob>();
        services.AddHostedService<PromotionWatcher>();
        return services;
    }
}

public static class PromotionsDemo
{
    /// <summary>Seeds one promotion awaiting approval (demo only; needs the demo's pipelines and releases) and evaluates its gates.</summary>
    public static async Task SeedDemoPromotionAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var id = await PromotionDemoSeed.EnsureAsync(scope.ServiceProvider.GetRequiredService<Core.Persistence.OpsDbContext>(), DateTime.UtcNow, ct);
        if (id is { } seeded) await scope.ServiceProvider.GetRequiredService<PromotionDesk>().EvaluateAsync(seeded, ct);
    }
}
