using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Drills;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Rollouts.Analysis;
using OpsConsole.Core.Tests.Shared;

namespace OpsConsole.Core.Tests.Drills;

/// <summary>Drills against the real store and the real rollout engine over the in-memory cluster, with the metric under the test's control.</summary>
public sealed class DrillDeskTests
{
    private static readonly Actor Facilitator = new("fay", new HashSet<string> { Roles.Facilitator }, "t");
    private static readonly Actor Viewer = new("vic", new HashSet<string> { Roles.Viewer }, "t");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    private sealed class ErrorRate : IMetricProvider
    {
        public double Value { get; set; }
        public Task<MetricValue> MeasureAsync(AnalysisMetric metric, ServiceEnvironment target, string revision, CancellationToken ct) => Task.FromResult(MetricValue.Of(Value));
    }

    private sealed class RecordingScheduler : IDrillScheduler
    {
        public HashSet<Guid> Scheduled { get; } = [];
        public void Schedule(Drill drill) => Scheduled.Add(drill.Id);
        public void Unschedule(Guid drillId) => Scheduled.Remove(drillId);
    }

    private async Task<(TestStore Store, ErrorRate Metric, RecordingScheduler Scheduler)> SetUpAsync()
    {
        var metric = new ErrorRate();
        var scheduler = new RecordingScheduler();
        var store = await TestStore.CreateAsync(s =>
        {
            s.AddSingleton<TimeProvider>(_clock);
            s.AddSingleton<IClusterAdapter>(new InMemoryClusterAdapter(_clock));
            s.AddSingleton<IMetricProvider>(metric);
            s.AddSingleton<IDrillScheduler>(scheduler);
            s.AddRolloutEngine();
            s.AddDrills();
            s.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext());
        });
        await using var db = store.NewContext();
        await DemoSeed.EnsureAsync(db, demo: true, _clock.GetUtcNow().UtcDateTime);
        return (store, metric, scheduler);
    }

    private static DrillRequest Request(string env = "staging", string cron = "0 3 * * 1", int target = 60, int? timeout = null) =>
        new("checkout", env, new Dictionary<string, string?> { ["FAULT_ERROR_RATE"] = "0.5" }, cron, target, TimeoutSeconds: timeout);

    private static async Task<T> WithDeskAsync<T>(TestStore store, Func<DrillDesk, Task<T>> act)
    {
        await using var scope = store.Services.CreateAsyncScope();
        return await act(scope.ServiceProvider.GetRequiredService<DrillDesk>());
    }

    /// <summary>Reconciler passes and drill follow-ups, a second of fake time apart, until the run has ended.</summary>
    private async Task<DrillRunView> RunToEndAsync(TestStore store, Guid runId, int passes = 120)
    {
        var reconciler = store.Services.GetRequiredService<RolloutReconciler>();
        for (var i = 0; i < passes; i++)
        {
            await reconciler.ReconcileOnceAsync(CancellationToken.None);
            await WithDeskAsync(store, d => d.FollowAsync());
            var run = await WithDeskAsync(store, d => d.RunAsync(runId));
            if (run!.Status != "Running") return run;
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
        throw new TimeoutException("The drill run did not end.");
    }

    [Fact]
    public async Task A_faulty_build_is_rolled_back_by_the_engine_and_the_run_passes_with_every_event_marked_as_a_drill()
    {
        var (store, metric, scheduler) = await SetUpAsync();
        await using var _s = store;
        await store.Services.GetRequiredService<RolloutReconciler>().ReconcileOnceAsync(CancellationToken.None);
        metric.Value = 0.5;
        var drill = await WithDeskAsync(store, d => d.CreateAsync(Facilitator, Request()));
        Assert.Contains(drill.Id, scheduler.Scheduled);

        var started = await WithDeskAsync(store, d => d.StartRunAsync(Facilitator, drill.Id));
        Assert.NotNull(started.RolloutId);
        var run = await RunToEndAsync(store, started.Id);

        Assert.True(run.Passed, run.Reason);
        Assert.Equal("Passed", run.Status);
        Assert.NotNull(run.DetectionSeconds);
        Assert.NotNull(run.RollbackSeconds);
        Assert.Null(run.IncidentId);
        await using var db = store.NewContext();
        var rollout = await db.Rollouts.SingleAsync(r => r.Id == started.RolloutId);
        Assert.Equal(RolloutPhase.Aborted, rollout.Phase);
        Assert.Equal(started.Id, rollout.DrillRunId);
        Assert.Equal("1.0.0", rollout.Version);
        Assert.Equal("0.5", rollout.Config["FAULT_ERROR_RATE"]);
        // The target still runs its stable build (the fault never became stable).
        var target = await db.DeployTargets.SingleAsync(t => t.Service == "checkout" && t.Environment == "staging");
        Assert.False(target.StableConfig.ContainsKey("FAULT_ERROR_RATE"));

        var events = await db.OutboxEvents.Where(e => e.Subject == "checkout/staging").OrderBy(e => e.Position).ToListAsync();
        Assert.Contains(events, e => e.Type == EventTypes.RollbackExecuted);
        Assert.All(events, e => Assert.True(JsonDocument.Parse(e.CloudEventJson).RootElement.GetProperty("data").GetProperty("drill").GetBoolean(), e.Type));
        var completed = Assert.Single(events, e => e.Type == EventTypes.DrillCompleted);
        Assert.Contains("\"passed\":true", completed.CloudEventJson);
    }

    [Fact]
    public async Task A_drill_whose_rollout_never_starts_is_a_recorded_failure_with_an_incident()
    {
        var (store, _, _) = await SetUpAsync();
        await using var _s = store;
        var drill = await WithDeskAsync(store, d => d.CreateAsync(Facilitator, Request()));
        // Someone else's rollout is in flight on the same target.
        await using (var scope = store.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<RolloutCoordinator>().StartAsync(new Actor("olga", new HashSet<string> { Roles.OnCall }, "t"),
                "checkout", "staging", "1.1.0", JsonDocument.Parse("""{"canary":{"steps":[{"pause":{}}]}}""").RootElement, null);

        var run = await WithDeskAsync(store, d => d.StartRunAsync(Facilitator, drill.Id));

        Assert.Equal(DrillRunStatus.Failed, run.Status);
        Assert.Contains("another rollout", run.Reason);
        await using var db = store.NewContext();
        var incident = await db.Incidents.SingleAsync(i => i.Id == run.IncidentId);
        Assert.Equal("drill", incident.Origin);
        var opened = await db.OutboxEvents.SingleAsync(e => e.Type == EventTypes.IncidentOpened);
        Assert.Contains("\"drill\":true", opened.CloudEventJson);
        Assert.Contains("\"passed\":false", (await db.OutboxEvents.SingleAsync(e => e.Type == EventTypes.DrillCompleted)).CloudEventJson);
    }

    [Fact]
    public async Task A_fault_the_analysis_never_catches_is_aborted_at_the_timeout_never_left_running()
    {
        var (store, metric, _) = await SetUpAsync();
        await using var _s = store;
        await store.Services.GetRequiredService<RolloutReconciler>().ReconcileOnceAsync(CancellationToken.None);
        await using (var db = store.NewContext())
        {
            // A strategy that waits for a person at 20%: nothing will roll it back on its own.
            var t = await db.DeployTargets.SingleAsync(x => x.Service == "checkout" && x.Environment == "staging");
            t.DefaultStrategyJson = """{"canary":{"steps":[{"setWeight":20},{"pause":{}}]}}""";
            await db.SaveChangesAsync();
        }
        metric.Value = 0;
        var drill = await WithDeskAsync(store, d => d.CreateAsync(Facilitator, Request(target: 5, timeout: 10)));
        var started = await WithDeskAsync(store, d => d.StartRunAsync(Facilitator, drill.Id));
        await Assert.ThrowsAsync<ConflictException>(() => WithDeskAsync(store, d => d.StartRunAsync(Facilitator, drill.Id)));

        var run = await RunToEndAsync(store, started.Id);

        Assert.Equal("Failed", run.Status);
        Assert.True(run.AbortedByDrill);
        Assert.Contains("timeout", run.Reason);
        await using var check = store.NewContext();
        Assert.Equal(RolloutPhase.Aborted, (await check.Rollouts.SingleAsync(r => r.Id == started.RolloutId)).Phase);
        Assert.NotNull(run.IncidentId);
    }

    [Fact]
    public async Task Bad_input_and_roles_store_nothing()
    {
        var (store, _, scheduler) = await SetUpAsync();
        await using var _s = store;
        await Assert.ThrowsAsync<AccessDeniedException>(() => WithDeskAsync(store, d => d.CreateAsync(Viewer, Request())));
        await Assert.ThrowsAsync<InvalidInputException>(() => WithDeskAsync(store, d => d.CreateAsync(Facilitator, Request(cron: "every monday"))));
        await Assert.ThrowsAsync<InvalidInputException>(() => WithDeskAsync(store, d => d.CreateAsync(Facilitator, Request(env: "prod"))));
        await Assert.ThrowsAsync<AccessDeniedException>(() => WithDeskAsync(store, d => d.CreateAsync(Facilitator, Request(env: "prod") with { AllowProd = true })));
        await Assert.ThrowsAsync<NotFoundException>(() => WithDeskAsync(store, d => d.CreateAsync(Facilitator, Request() with { Service = "nowhere" })));
        await using var db = store.NewContext();
        Assert.Equal(0, await db.Drills.CountAsync());
        Assert.Empty(scheduler.Scheduled);
        Assert.Equal(0, await db.AuditEntries.CountAsync(a => a.Action.StartsWith("drill.")));

        var admin = new Actor("ada", new HashSet<string> { Roles.Admin }, "t");
        var prod = await WithDeskAsync(store, d => d.CreateAsync(admin, Request(env: "prod") with { AllowProd = true }));
        Assert.True(prod.AllowProd);
        // Switching a prod drill back on is the Admin's too; switching it off is anyone's who runs drills.
        await WithDeskAsync(store, d => d.SetEnabledAsync(Facilitator, prod.Id, false));
        Assert.DoesNotContain(prod.Id, scheduler.Scheduled);
        await Assert.ThrowsAsync<AccessDeniedException>(() => WithDeskAsync(store, d => d.SetEnabledAsync(Facilitator, prod.Id, true)));
        await WithDeskAsync(store, d => d.SetEnabledAsync(admin, prod.Id, true));
        Assert.Contains(prod.Id, scheduler.Scheduled);
    }
}
