using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Hosting;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts.Analysis;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Tests.Components.Rollouts;

/// <summary>
/// The component context plus the rollout services as the console wires them (the real coordinator,
/// engine and store) over a fake cluster and a fake traffic generator. No reconciler runs: tests
/// change the stored state themselves and publish on <see cref="RolloutUpdates"/>, as a tick would.
/// </summary>
public abstract class RolloutComponentContext : ComponentContext
{
    public static readonly ServiceEnvironment Checkout = new("checkout", "prod");
    public static readonly Actor Olga = new("olga", new HashSet<string> { Roles.OnCall }, "bunit");

    /// <summary>Two canary steps that set a weight, an analysis between them, and a wait at the end.</summary>
    public const string Strategy = """{"canary":{"steps":[{"setWeight":20},{"analysis":"error-rate"},{"setWeight":60},{"pause":{}}]}}""";

    /// <param name="more">Registrations after the rollout services, which win (e.g. a cluster that reports traffic).</param>
    protected RolloutComponentContext(Action<IServiceCollection> more) : base(s =>
    {
        AddRollouts(s);
        more(s);
    })
    {
        Seed();
    }

    protected RolloutComponentContext() : base(AddRollouts)
    {
        Seed();
    }

    private void Seed()
    {
        using var db = NewDb();
        DemoSeed.EnsureAsync(db, demo: false, DateTime.UtcNow).GetAwaiter().GetResult();
        var now = DateTime.UtcNow;
        db.DeployTargets.Add(new DeployTarget
        {
            Service = Checkout.Service, Environment = Checkout.Environment, StableVersion = "1.0.0", StableRevision = "1.0.0",
            DefaultStrategyJson = Strategy, CreatedAt = now, UpdatedAt = now,
        });
        db.SaveChanges();
    }

    private static void AddRollouts(IServiceCollection s)
    {
        s.AddSingleton(TimeProvider.System);
        s.AddSingleton(sp => new InMemoryClusterAdapter(sp.GetRequiredService<TimeProvider>()));
        s.AddSingleton<IClusterAdapter>(sp => sp.GetRequiredService<InMemoryClusterAdapter>());
        s.AddSingleton<FakeTrafficGenerator>();
        s.AddSingleton<ITrafficGenerator>(sp => sp.GetRequiredService<FakeTrafficGenerator>());
        s.AddSingleton<IMetricProvider, NoMetrics>();
        s.AddSingleton<RolloutUpdates>();
        s.AddSingleton<MigrationUpdates>();
        s.AddScoped<IAnalysisTemplates>(sp => new TemplateSnapshot(sp.GetRequiredService<OpsDbContext>().AnalysisTemplates.AsNoTracking().ToList()));
        s.AddScoped(sp => new RolloutEngine(sp.GetRequiredService<IClusterAdapter>(),
            new AnalysisRunner(sp.GetRequiredService<IMetricProvider>(), sp.GetRequiredService<TimeProvider>()),
            sp.GetRequiredService<IAnalysisTemplates>(), sp.GetRequiredService<TimeProvider>()));
        s.AddScoped<RolloutCoordinator>();
        s.AddSingleton(new ConsoleSettings { DataDirectory = Path.GetTempPath(), InstanceName = "bunit", DemoRequestsPerSecond = 7 });
    }

    public InMemoryClusterAdapter Cluster => Services.GetRequiredService<InMemoryClusterAdapter>();
    public FakeTrafficGenerator Traffic => Services.GetRequiredService<FakeTrafficGenerator>();

    /// <summary>Starts a rollout of checkout/prod to 1.1.0 through the coordinator, with the stable and the new revision running.</summary>
    public async Task<Guid> StartRolloutAsync(string strategy = Strategy)
    {
        await Cluster.DeployRevisionAsync(Checkout, new RevisionSpec("1.0.0"));
        await Cluster.SetWeightsAsync(Checkout, TrafficSplit.AllTo("1.0.0"));
        await using var scope = Services.CreateAsyncScope();
        var rollout = await scope.ServiceProvider.GetRequiredService<RolloutCoordinator>()
            .StartAsync(Olga, Checkout.Service, Checkout.Environment, "1.1.0", JsonDocument.Parse(strategy).RootElement.Clone(), null);
        await Cluster.DeployRevisionAsync(Checkout, new RevisionSpec("1.1.0"));
        return rollout.Id;
    }

    /// <summary>Changes the stored rollout as a reconciler tick would (without telling anyone).</summary>
    public async Task UpdateStoredAsync(Guid id, Action<Rollout> change)
    {
        await using var db = NewDb();
        var rollout = await db.Rollouts.Include(r => r.AnalysisRuns).ThenInclude(a => a.Measurements).FirstAsync(r => r.Id == id);
        change(rollout);
        rollout.Generation++;
        await db.SaveChangesAsync();
    }

    public async Task<Rollout> StoredAsync(Guid id)
    {
        await using var db = NewDb();
        return await db.Rollouts.AsNoTracking().FirstAsync(r => r.Id == id);
    }

    /// <summary>The built-in error-rate template, as a run stores it.</summary>
    public static AnalysisTemplate ErrorRate => DemoTemplates.All.Single(t => t.Name == DemoTemplates.ErrorRate);

    private sealed class NoMetrics : IMetricProvider
    {
        public Task<MetricValue> MeasureAsync(AnalysisMetric metric, ServiceEnvironment target, string revision, CancellationToken ct) =>
            Task.FromResult(MetricValue.Failed("no metrics in component tests"));
    }
}
