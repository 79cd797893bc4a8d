using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Rollouts.Analysis;
using OpsConsole.Core.Tests.Shared;

namespace OpsConsole.Core.Tests.Rollouts;

/// <summary>Starting rollouts and reconciling them against the real SQLite store (the cluster is the fake one).</summary>
public sealed class RolloutCoordinatorTests
{
    private static readonly Actor OnCall = new("olga", new HashSet<string> { Roles.OnCall }, "corr-r");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    private sealed class HealthyMetrics : IMetricProvider
    {
        public double Value { get; set; }
        public Task<MetricValue> MeasureAsync(AnalysisMetric metric, ServiceEnvironment target, string revision, CancellationToken ct) => Task.FromResult(MetricValue.Of(Value));
    }

    /// <summary>Refuses any save that writes the rollout of one target, as a store that rejects that row would.</summary>
    private sealed class RefuseRolloutSave(string service, string environment) : Microsoft.EntityFrameworkCore.Diagnostics.SaveChangesInterceptor
    {
        public bool Armed { get; set; }

        public override ValueTask<Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<int>> SavingChangesAsync(
            Microsoft.EntityFrameworkCore.Diagnostics.DbContextEventData eventData, Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<int> result, CancellationToken ct = default)
        {
            if (Armed && eventData.Context!.ChangeTracker.Entries<Rollout>().Any(e => e.State == EntityState.Modified && e.Entity.Service == service && e.Entity.Environment == environment))
                throw new DbUpdateException($"The store refused the rollout of {service}/{environment}.");
            return base.SavingChangesAsync(eventData, result, ct);
        }
    }

    private async Task<(TestStore Store, InMemoryClusterAdapter Cluster, HealthyMetrics Metrics)> SetUpAsync(Action<IServiceCollection>? configure = null)
    {
        var cluster = new InMemoryClusterAdapter(_clock);
        var metrics = new HealthyMetrics();
        var store = await TestStore.CreateAsync(s =>
        {
            s.AddSingleton<TimeProvider>(_clock);
            s.AddSingleton<IClusterAdapter>(cluster);
            s.AddSingleton<IMetricProvider>(metrics);
            s.AddRolloutEngine();
            s.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext());
            configure?.Invoke(s);
        });
        await using var db = store.NewContext();
        await DemoSeed.EnsureAsync(db, demo: true, _clock.GetUtcNow().UtcDateTime);
        return (store, cluster, metrics);
    }

    private static async Task<Rollout> StartAsync(TestStore store, string service = "checkout", string env = "prod", string version = "1.1.0", string? strategy = null)
    {
        await using var scope = store.Services.CreateAsyncScope();
        JsonElement? s = strategy is null ? null : JsonDocument.Parse(strategy).RootElement;
        return await scope.ServiceProvider.GetRequiredService<RolloutCoordinator>().StartAsync(OnCall, service, env, version, s, null);
    }

    [Fact]
    public async Task The_demo_seeds_nine_targets_at_1_0_0_and_the_built_in_templates()
    {
        var (store, _, _) = await SetUpAsync();
        await using var _s = store;
        await using var db = store.NewContext();
        Assert.Equal(9, await db.DeployTargets.CountAsync(t => t.StableVersion == "1.0.0"));
        Assert.True(await db.AnalysisTemplates.AnyAsync(t => t.Name == DemoTemplates.ErrorRate));
    }

    [Fact]
    public async Task A_second_rollout_for_the_same_target_is_refused_with_the_running_ones_id()
    {
        var (store, _, _) = await SetUpAsync();
        await using var _s = store;
        var first = await StartAsync(store);
        var error = await Assert.ThrowsAsync<RolloutInProgressException>(() => StartAsync(store, version: "1.2.0"));
        Assert.Equal(first.Id, error.RunningId);
        // Another environment is independent.
        await StartAsync(store, env: "staging");

        // The store itself refuses a second active row, whatever the code above it does.
        await using var db = store.NewContext();
        var copy = await db.Rollouts.AsNoTracking().FirstAsync(r => r.Id == first.Id);
        copy.Id = Guid.NewGuid();
        db.Rollouts.Add(copy);
        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
    }

    [Theory]
    [InlineData("shipping", "prod", "1.1.0", null, typeof(NotFoundException))]
    [InlineData("checkout", "prod", "not a version!", null, typeof(InvalidInputException))]
    [InlineData("checkout", "prod", "1.0.0", null, typeof(ConflictException))]
    [InlineData("checkout", "prod", "1.1.0", """{"canary":{"steps":[{"setWeight":20},{"analysis":"no-such-template"}]}}""", typeof(InvalidInputException))]
    [InlineData("checkout", "prod", "1.1.0", "\"fastest\"", typeof(InvalidInputException))]
    public async Task Bad_requests_change_nothing(string service, string env, string version, string? strategy, Type expected)
    {
        var (store, _, _) = await SetUpAsync();
        await using var _s = store;
        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(store, service, env, version, strategy));
        Assert.IsType(expected, error);
        await using var db = store.NewContext();
        Assert.Equal(0, await db.Rollouts.CountAsync());
        Assert.Equal(0, await db.OutboxEvents.CountAsync());
        Assert.Equal(0, await db.AuditEntries.CountAsync());
    }

    [Fact]
    public async Task The_reconciler_drives_the_default_canary_to_healthy_and_records_everything()
    {
        var (store, cluster, _) = await SetUpAsync();
        await using var _s = store;
        var reconciler = store.Services.GetRequiredService<RolloutReconciler>();
        await reconciler.ReconcileOnceAsync(CancellationToken.None); // deploys the stable revisions
        Assert.Equal(TrafficSplit.AllTo("1.0.0"), cluster.WeightsOf(new ServiceEnvironment("checkout", "prod")));

        var rollout = await StartAsync(store);
        for (var i = 0; i < 60; i++)
        {
            await reconciler.ReconcileOnceAsync(CancellationToken.None);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        await using var db = store.NewContext();
        var done = await db.Rollouts.Include(r => r.AnalysisRuns).ThenInclude(a => a.Measurements).SingleAsync(r => r.Id == rollout.Id);
        Assert.True(done.Phase == RolloutPhase.Healthy, $"{done.Phase} step {done.CurrentStepIndex}: {done.Message}; runs {done.AnalysisRuns.Count}");
        Assert.True(done.CompletedAt - done.CreatedAt < TimeSpan.FromMinutes(1));
        // The threshold steps measure three windows each; the judged step decides as soon as its samples suffice.
        Assert.All(done.AnalysisRuns.Where(a => a.TemplateName == DemoTemplates.ErrorRate), a => Assert.Equal(3, a.Measurements.Count));
        var judged = Assert.Single(done.AnalysisRuns, a => a.TemplateName == DemoTemplates.Judge);
        Assert.Contains("Passed with score", judged.Measurements.Last().Message);
        var target = await db.DeployTargets.SingleAsync(t => t.Service == "checkout" && t.Environment == "prod");
        Assert.Equal("1.1.0", target.StableVersion);
        Assert.Equal(TrafficSplit.AllTo("1.1.0"), cluster.WeightsOf(new ServiceEnvironment("checkout", "prod")));

        var types = await db.OutboxEvents.Where(e => e.Subject == "checkout/prod").OrderBy(e => e.Position).Select(e => e.Type).ToListAsync();
        Assert.Equal(EventTypes.DeployStarted, types.First());
        Assert.Equal(EventTypes.DeployCompleted, types.Last());
        // One step change per step of the default canary (set weight, analysis, ..., the judged step, 100%).
        var steps = RolloutStrategy.Parse(JsonDocument.Parse(done.StrategyJson).RootElement).Canary!.Steps.Count;
        Assert.Equal(6, steps);
        Assert.Equal(steps, types.Count(t => t == EventTypes.RolloutStepChanged));
        Assert.Contains(await db.AuditEntries.Select(a => a.Action).ToListAsync(), a => a == "rollout.complete");
        Assert.True((await AuditTrail.VerifyAsync(db)).IsIntact);
    }

    [Fact]
    public async Task A_manual_abort_is_audited_with_who_and_emits_rollback_executed()
    {
        var (store, cluster, _) = await SetUpAsync();
        await using var _s = store;
        var reconciler = store.Services.GetRequiredService<RolloutReconciler>();
        var rollout = await StartAsync(store, strategy: """{"canary":{"steps":[{"setWeight":40},{"pause":{}}]}}""");
        for (var i = 0; i < 3; i++) { await reconciler.ReconcileOnceAsync(CancellationToken.None); _clock.Advance(TimeSpan.FromSeconds(1)); }

        await using (var scope = store.Services.CreateAsyncScope())
        {
            var coordinator = scope.ServiceProvider.GetRequiredService<RolloutCoordinator>();
            var aborted = await coordinator.ActAsync(OnCall, rollout.Id, RolloutAction.Abort);
            Assert.Equal(RolloutPhase.Aborted, aborted.Phase);
            await Assert.ThrowsAsync<ConflictException>(() => coordinator.ActAsync(OnCall, rollout.Id, RolloutAction.Pause));
        }
        Assert.Equal(TrafficSplit.AllTo("1.0.0"), cluster.WeightsOf(new ServiceEnvironment("checkout", "prod")));
        await using var db = store.NewContext();
        var audit = await db.AuditEntries.SingleAsync(a => a.Action == "rollout.abort");
        Assert.Equal("olga", audit.Actor);
        var rollback = await db.OutboxEvents.SingleAsync(e => e.Type == EventTypes.RollbackExecuted);
        Assert.Contains("\"trigger\":\"manual\"", rollback.CloudEventJson);
    }

    [Fact]
    public async Task A_rollout_whose_save_fails_holds_back_no_other_rollout_ticked_in_the_same_pass()
    {
        var refuse = new RefuseRolloutSave("checkout", "prod");
        var (store, _, _) = await SetUpAsync(s => s.ConfigureDbContext<OpsDbContext>(o => o.AddInterceptors(refuse)));
        await using var _s = store;
        var reconciler = store.Services.GetRequiredService<RolloutReconciler>();
        Assert.True(reconciler.CommitPerBatch);
        await reconciler.ReconcileOnceAsync(CancellationToken.None);
        var steps = """{"canary":{"steps":[{"setWeight":20},{"setWeight":50},{"setWeight":100}]}}""";
        var stuck = await StartAsync(store, "checkout", "prod", strategy: steps);
        var others = new[] { await StartAsync(store, "checkout", "staging", strategy: steps), await StartAsync(store, "catalog", "prod", strategy: steps) };
        refuse.Armed = true;

        for (var i = 0; i < 10; i++) { await reconciler.ReconcileOnceAsync(CancellationToken.None); _clock.Advance(TimeSpan.FromSeconds(1)); }

        await using var db = store.NewContext();
        foreach (var other in others)
            Assert.Equal(RolloutPhase.Healthy, (await db.Rollouts.SingleAsync(r => r.Id == other.Id)).Phase);
        var held = await db.Rollouts.SingleAsync(r => r.Id == stuck.Id);
        Assert.Equal(0, held.CurrentStepIndex);
        Assert.Equal(0, held.Generation - stuck.Generation);
        // Nothing of the refused ticks was written: no step event, no audit entry for it.
        Assert.False(await db.OutboxEvents.AnyAsync(e => e.Subject == "checkout/prod" && e.Type != EventTypes.DeployStarted));
        Assert.True((await AuditTrail.VerifyAsync(db)).IsIntact);
    }

    [Fact]
    public async Task A_rollout_aborted_before_its_revision_was_deployed_ends_aborted_with_traffic_on_stable()
    {
        var (store, cluster, _) = await SetUpAsync();
        await using var _s = store;
        await store.Services.GetRequiredService<RolloutReconciler>().ReconcileOnceAsync(CancellationToken.None);
        var rollout = await StartAsync(store);

        await using (var scope = store.Services.CreateAsyncScope())
        {
            var aborted = await scope.ServiceProvider.GetRequiredService<RolloutCoordinator>().ActAsync(OnCall, rollout.Id, RolloutAction.Abort);
            Assert.Equal(RolloutPhase.Aborted, aborted.Phase);
        }
        Assert.Equal(TrafficSplit.AllTo("1.0.0"), cluster.WeightsOf(new ServiceEnvironment("checkout", "prod")));
        await using var db = store.NewContext();
        Assert.True(await db.OutboxEvents.AnyAsync(e => e.Type == EventTypes.RollbackExecuted && e.Subject == "checkout/prod"));
    }
}
