using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Replicas;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Tests.Shared;

namespace OpsConsole.Core.Tests.Replicas;

/// <summary>Two console replicas on one store: who drives which rollout, and what happens when one of them stops.</summary>
public sealed class ReplicaLeaseTests
{
    private static readonly Actor OnCall = new("olga", new HashSet<string> { Roles.OnCall }, "corr-l");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryClusterAdapter _cluster;

    public ReplicaLeaseTests() => _cluster = new InMemoryClusterAdapter(_clock);

    private sealed class HealthyMetrics : IMetricProvider
    {
        public Task<MetricValue> MeasureAsync(OpsConsole.Core.Rollouts.Analysis.AnalysisMetric metric, ServiceEnvironment target, string revision, CancellationToken ct) => Task.FromResult(MetricValue.Of(0));
    }

    /// <summary>What each pass of a replica held, in order.</summary>
    private sealed class RecordingLeases(IRolloutLeases inner) : IRolloutLeases
    {
        public List<IReadOnlyCollection<Guid>> Passes { get; } = [];
        public string Replica => inner.Replica;
        public bool Fresh => inner.Fresh;
        public ReplicaLeaseState State => inner.State;
        public Task<bool> HoldsClusterAsync(CancellationToken ct) => inner.HoldsClusterAsync(ct);
        public Task ReleaseAllAsync(CancellationToken ct) => inner.ReleaseAllAsync(ct);
        public Task RenewAsync(CancellationToken ct) => inner.RenewAsync(ct);

        public async Task<IReadOnlyDictionary<Guid, long>> HoldAsync(IReadOnlyCollection<Guid> inFlight, CancellationToken ct)
        {
            var held = await inner.HoldAsync(inFlight, ct);
            Passes.Add(held.Keys.ToList());
            return held;
        }
    }

    private async Task<TestStore> StoreAsync()
    {
        var store = await TestStore.CreateAsync(s =>
        {
            s.AddSingleton<TimeProvider>(_clock);
            s.AddSingleton<IClusterAdapter>(_cluster);
            s.AddSingleton<IMetricProvider>(new HealthyMetrics());
            s.AddRolloutEngine();
            s.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext());
        });
        await using var db = store.NewContext();
        await DemoSeed.EnsureAsync(db, demo: true, _clock.GetUtcNow().UtcDateTime);
        return store;
    }

    private StoreLeases Leases(TestStore store, string replica, bool followCluster = false) =>
        new(store.Services.GetRequiredService<IDbContextFactory<OpsDbContext>>(), _clock,
            new ReplicaLeaseOptions { Replica = replica, RolloutsFollowCluster = followCluster }, NullLogger<StoreLeases>.Instance);

    private RolloutReconciler Reconciler(TestStore store, IRolloutLeases leases) =>
        new(store.Services.GetRequiredService<IDbContextFactory<OpsDbContext>>(), _cluster, new HealthyMetrics(),
            store.Services.GetRequiredService<EventOutbox>(), store.Services.GetRequiredService<RolloutUpdates>(), _clock,
            NullLogger<RolloutReconciler>.Instance, leases);

    private static async Task<List<Guid>> StartAllAsync(TestStore store)
    {
        var ids = new List<Guid>();
        await using var db = store.NewContext();
        var targets = await db.DeployTargets.AsNoTracking().OrderBy(t => t.Service).ThenBy(t => t.Environment).ToListAsync();
        foreach (var t in targets)
        {
            await using var scope = store.Services.CreateAsyncScope();
            ids.Add((await scope.ServiceProvider.GetRequiredService<RolloutCoordinator>().StartAsync(OnCall, t.Service, t.Environment, "1.1.0", null, null)).Id);
        }
        return ids;
    }

    [Fact]
    public async Task Two_replicas_split_the_rollouts_without_overlap_and_the_survivor_takes_a_stopped_replicas_share_with_a_new_token()
    {
        await using var store = await StoreAsync();
        var a = Leases(store, "a");
        var b = Leases(store, "b");
        var ids = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToList();

        await b.HoldAsync([], CancellationToken.None); // b's heartbeat: two replicas are alive
        var heldByA = await a.HoldAsync(ids, CancellationToken.None);
        var heldByB = await b.HoldAsync(ids, CancellationToken.None);

        Assert.Equal(10, heldByA.Count);
        Assert.Equal(10, heldByB.Count);
        Assert.Empty(heldByA.Keys.Intersect(heldByB.Keys));
        Assert.All(heldByA.Values, token => Assert.Equal(1, token));

        // a stops renewing (killed, or paused): after the lease time b drives everything.
        _clock.Advance(TimeSpan.FromSeconds(16));
        Assert.False(a.Fresh);
        var after = await b.HoldAsync(ids, CancellationToken.None);
        Assert.Equal(ids.Order(), after.Keys.Order());
        Assert.All(heldByA.Keys, id => Assert.Equal(2, after[id]));

        // a wakes up: it holds nothing any more, and its cluster writes are refused until it renews.
        var fenced = new FencedCluster(_cluster, a);
        var target = new ServiceEnvironment("checkout", "prod");
        await Assert.ThrowsAsync<LeaseLapsedException>(() => fenced.DeployRevisionAsync(target, new RevisionSpec("9.9.9")));
        Assert.Null(await _cluster.GetServiceAsync(target));
        Assert.Empty(await a.HoldAsync(ids, CancellationToken.None));
    }

    [Fact]
    public async Task Renewals_between_passes_keep_the_cluster_lease_through_a_slow_pass_but_never_revive_a_lapsed_one()
    {
        await using var store = await StoreAsync();
        var a = Leases(store, "a", followCluster: true);
        var b = Leases(store, "b", followCluster: true);
        await a.HoldAsync([], CancellationToken.None);
        Assert.True(a.State.HoldsCluster);

        // a's pass takes 20 s (a busy machine): its renewals every 5 s keep the lease, b does not take it.
        for (var i = 0; i < 4; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(5));
            await a.RenewAsync(CancellationToken.None);
        }
        Assert.True(a.Fresh);
        Assert.False(await b.HoldsClusterAsync(CancellationToken.None));

        // a stops for longer than the lease time: b takes the cluster, and a's renewal neither takes it
        // back nor lets a write to the cluster again.
        _clock.Advance(TimeSpan.FromSeconds(16));
        Assert.True(await b.HoldsClusterAsync(CancellationToken.None));
        await a.RenewAsync(CancellationToken.None);
        Assert.False(a.Fresh);
        Assert.False(await a.HoldsClusterAsync(CancellationToken.None));
        await using var db = store.NewContext();
        Assert.StartsWith("b", (await db.ReplicaLeases.SingleAsync(l => l.Name == StoreLeases.ClusterLease)).Holder);
    }

    [Fact]
    public async Task Each_rollout_is_driven_by_one_replica_at_a_time_and_when_one_replica_stops_the_other_finishes_every_rollout()
    {
        await using var store = await StoreAsync();
        var a = new RecordingLeases(Leases(store, "a"));
        var b = new RecordingLeases(Leases(store, "b"));
        var ra = Reconciler(store, a);
        var rb = Reconciler(store, b);
        await rb.ReconcileOnceAsync(CancellationToken.None); // b is alive and deploys the stable revisions
        var ids = await StartAllAsync(store);

        for (var i = 0; i < 6; i++)
        {
            await ra.ReconcileOnceAsync(CancellationToken.None);
            await rb.ReconcileOnceAsync(CancellationToken.None);
            _clock.Advance(TimeSpan.FromMilliseconds(500));
        }
        for (var p = 0; p < a.Passes.Count; p++)
            Assert.Empty(a.Passes[p].Intersect(b.Passes[p + 1]));
        Assert.True(a.Passes[^1].Count > 0 && b.Passes[^1].Count > 0, "both replicas drive rollouts");
        Assert.True(ra.Ticks > 0 && rb.Ticks > 0);
        var aShare = a.Passes[^1].ToList();

        // a is gone (no more passes): b takes its rollouts after the lease time and finishes all of them.
        for (var i = 0; i < 200 && !await AllFinishedAsync(store, ids); i++)
        {
            await rb.ReconcileOnceAsync(CancellationToken.None);
            _clock.Advance(TimeSpan.FromMilliseconds(500));
        }
        await using var db = store.NewContext();
        var rollouts = await db.Rollouts.AsNoTracking().Where(r => ids.Contains(r.Id)).ToListAsync();
        Assert.All(rollouts, r => Assert.True(r.Phase == RolloutPhase.Healthy, $"{r.Service}/{r.Environment}: {r.Phase}: {r.Message}"));
        // Every step event was written once: one deploy.completed per rollout.
        Assert.Equal(ids.Count, await db.OutboxEvents.CountAsync(e => e.Type == EventTypes.DeployCompleted));
        Assert.Contains(b.Passes, held => aShare.All(held.Contains));
    }

    [Fact]
    public async Task On_the_local_cluster_the_replica_holding_the_cluster_drives_every_rollout_and_another_takes_over_when_it_stops()
    {
        await using var store = await StoreAsync();
        var a = Leases(store, "a", followCluster: true);
        var b = Leases(store, "b", followCluster: true);
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();

        Assert.Equal(5, (await a.HoldAsync(ids, CancellationToken.None)).Count);
        Assert.Empty(await b.HoldAsync(ids, CancellationToken.None));
        Assert.False(await b.HoldsClusterAsync(CancellationToken.None));

        _clock.Advance(TimeSpan.FromSeconds(16));
        var taken = await b.HoldAsync(ids, CancellationToken.None);
        Assert.Equal(5, taken.Count);
        Assert.All(taken.Values, token => Assert.Equal(2, token));
        Assert.True(await b.HoldsClusterAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_replica_that_shuts_down_hands_its_rollouts_over_at_once()
    {
        await using var store = await StoreAsync();
        var a = Leases(store, "a");
        var b = Leases(store, "b");
        var ids = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid()).ToList();
        Assert.Equal(4, (await a.HoldAsync(ids, CancellationToken.None)).Count);

        await a.ReleaseAllAsync(CancellationToken.None);

        Assert.Equal(4, (await b.HoldAsync(ids, CancellationToken.None)).Count);
    }

    private static async Task<bool> AllFinishedAsync(TestStore store, List<Guid> ids)
    {
        await using var db = store.NewContext();
        return await db.Rollouts.Where(r => ids.Contains(r.Id)).AllAsync(r => r.Phase != RolloutPhase.Progressing && r.Phase != RolloutPhase.Paused);
    }
}
