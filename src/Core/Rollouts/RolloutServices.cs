using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Rollouts;

public static class RolloutServices
{
    /// <summary>
    /// The rollout machinery over whatever <see cref="Cluster.IClusterAdapter"/>, <see cref="IMetricProvider"/>,
    /// store and clock the host registered: the console, the integration tests and the benchmarks wire it the same way.
    /// </summary>
    public static IServiceCollection AddRolloutEngine(this IServiceCollection services)
    {
        services.AddSingleton<RolloutUpdates>();
        services.AddSingleton<Judge.JudgeWatch>();
        services.TryAddSingleton<Replicas.IRolloutLeases, Replicas.SoleReplica>();
        services.AddSingleton<RolloutReconciler>();
        services.AddScoped<IAnalysisTemplates>(sp =>
        {
            var db = sp.GetRequiredService<OpsDbContext>();
            return new TemplateSnapshot(() => db.AnalysisTemplates.AsNoTracking().ToList());
        });
        services.AddScoped(sp => new RolloutEngine(sp.GetRequiredService<Cluster.IClusterAdapter>(),
            new AnalysisRunner(sp.GetRequiredService<IMetricProvider>(), sp.GetRequiredService<TimeProvider>(),
                new Judge.CanaryJudge(sp.GetRequiredService<Cluster.IClusterAdapter>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Judge.JudgeWatch>())),
            sp.GetRequiredService<IAnalysisTemplates>(), sp.GetRequiredService<TimeProvider>()));
        services.AddScoped<RolloutCoordinator>();
        services.AddScoped<Analysis.AnalysisTemplateLibrary>();
        return services;
    }
}
