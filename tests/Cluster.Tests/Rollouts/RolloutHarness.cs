using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Local;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Egress;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Cluster.Tests.Rollouts;

/// <summary>
/// The console's rollout machinery without the web host: a real SQLite store, the real local
/// cluster (processes + ingress), the traffic generator and the reconciler, over one data folder.
/// Disposing it is a console stop; a new harness over the same folder is a console restart.
/// </summary>
public sealed class RolloutHarness : IAsyncDisposable
{
    public static readonly Actor OnCall = new("olga", new HashSet<string> { Roles.OnCall, Roles.ReleaseManager }, "it");

    private readonly ServiceProvider _services;
    private readonly bool _keepData;

    /// <param name="configure">Changes to the services after the console's wiring (e.g. a Prometheus analysis source).</param>
    public RolloutHarness(string? dataDirectory = null, bool keepData = false, Action<IServiceCollection>? configure = null)
    {
        _keepData = keepData;
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "opsconsole-rollout-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        Cluster = new TestCluster(DataDirectory, keepData: true);
        var s = new ServiceCollection();
        s.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        s.AddSingleton<TimeProvider>(TimeProvider.System);
        s.AddDbContextFactory<OpsDbContext>(o => o.UseSqlite($"Data Source={Path.Combine(DataDirectory, "store.db")};Pooling=False"));
        s.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext());
        s.AddSingleton<IClusterAdapter>(Cluster.Adapter);
        // As the console wires it: HTTP checks behind the egress policy, the cluster's ingresses reachable.
        s.AddSingleton(new EgressPolicy(null, () => Cluster.Adapter.IngressEndpoints));
        s.AddEgressHttpClient(ClusterMetricProvider.HttpClientName, TimeSpan.FromSeconds(5));
        s.AddSingleton<IMetricProvider, ClusterMetricProvider>();
        s.AddSingleton(EventSource.ForInstance("it"));
        s.AddSingleton<EventOutbox>();
        s.AddRolloutEngine();
        configure?.Invoke(s);
        _services = s.BuildServiceProvider();
        Traffic = new TrafficGenerator(Cluster.Adapter);
    }

    public string DataDirectory { get; }
    public TestCluster Cluster { get; }
    public TrafficGenerator Traffic { get; }
    public RolloutReconciler Reconciler => _services.GetRequiredService<RolloutReconciler>();

    /// <summary>A unit of work with the console's scoped services (the coordinator, the drill desk).</summary>
    public AsyncServiceScope NewScope() => _services.CreateAsyncScope();

    public OpsDbContext NewContext() => _services.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext();

    /// <summary>Migrates the store, seeds the templates and one target at 1.0.0, and brings the stable revision up.</summary>
    public async Task SeedAsync(ServiceEnvironment target, double rps = 20, double previewRps = 0)
    {
        await using (var db = NewContext())
        {
            await db.Database.MigrateAsync();
            await DemoSeed.EnsureAsync(db, demo: false, DateTime.UtcNow);
            if (!await db.DeployTargets.AnyAsync(t => t.Service == target.Service && t.Environment == target.Environment))
            {
                db.DeployTargets.Add(new DeployTarget
                {
                    Service = target.Service, Environment = target.Environment, StableVersion = "1.0.0", StableRevision = "1.0.0",
                    DefaultStrategyJson = RolloutStrategy.DemoCanary(DemoTemplates.ErrorRate).ToJson(), CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
                });
                await db.SaveChangesAsync();
            }
        }
        await Reconciler.ReconcileOnceAsync(CancellationToken.None);
        await Cluster.WaitForRevisionAsync(target, "1.0.0", r => r.IsReady, "stable ready");
        Traffic.SetLoad(target, new TrafficLoad(rps, previewRps));
    }

    public async Task<Rollout> StartAsync(ServiceEnvironment target, string version, string? strategy = null, Dictionary<string, string>? config = null)
    {
        await using var scope = _services.CreateAsyncScope();
        JsonElement? s = strategy is null ? null : JsonDocument.Parse(strategy).RootElement;
        return await scope.ServiceProvider.GetRequiredService<RolloutCoordinator>().StartAsync(OnCall, target.Service, target.Environment, version, s, config);
    }

    public async Task ActAsync(Guid id, RolloutAction action)
    {
        await using var scope = _services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<RolloutCoordinator>().ActAsync(OnCall, id, action);
    }

    public async Task<Rollout> LoadAsync(Guid id)
    {
        await using var db = NewContext();
        return await db.Rollouts.Include(r => r.AnalysisRuns).ThenInclude(a => a.Measurements).AsNoTracking().SingleAsync(r => r.Id == id);
    }

    /// <summary>Runs reconciler passes (as the console does, twice a second) until the rollout satisfies the condition.</summary>
    public async Task<Rollout> ReconcileUntilAsync(Guid id, Func<Rollout, bool> condition, string what, TimeSpan? timeout = null)
    {
        Rollout? last = null;
        await Eventually.TrueAsync(async () =>
        {
            await Reconciler.ReconcileOnceAsync(CancellationToken.None);
            last = await LoadAsync(id);
            return condition(last);
        }, timeout ?? TimeSpan.FromSeconds(90), () => $"{what}; last: {last?.Phase} step {last?.CurrentStepIndex} weights {JsonSerializer.Serialize(last?.Weights)}: {last?.Message}");
        return last!;
    }

    /// <summary>Which versions answer through the ingress, by count.</summary>
    public async Task<Dictionary<string, int>> VersionsThroughIngressAsync(ServiceEnvironment target, int requests, IReadOnlyDictionary<string, string>? headers = null)
    {
        var answers = await Cluster.SendAsync(target, requests, headers);
        return answers.Where(a => a.Status == 200)
            .Select(a => JsonDocument.Parse(a.Body).RootElement.GetProperty("version").GetString()!)
            .GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count());
    }

    public async ValueTask DisposeAsync()
    {
        await Traffic.DisposeAsync();
        await _services.DisposeAsync();
        await Cluster.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (!_keepData)
            try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
