using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Local;
using OpsConsole.Core.Events;
using OpsConsole.Core.GameDays;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Cluster.Tests.GameDays;

/// <summary>
/// The game-day machinery over the real local cluster: a real SQLite store, real workload processes
/// behind the in-process ingress, real traffic. Disposing it is a console stop; a new one over the
/// same folder is a console restart (which, like the console's reconciler, brings the stable revision back).
/// </summary>
public sealed class GameDayHarness : IAsyncDisposable
{
    public static readonly Actor Fay = new("fay", new HashSet<string> { Roles.Facilitator }, "it");
    private readonly ServiceProvider _services;
    private readonly bool _keepData;

    public GameDayHarness(string? dataDirectory = null, bool keepData = false)
    {
        _keepData = keepData;
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "opsconsole-gameday-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        Cluster = new TestCluster(DataDirectory, keepData: true);
        var s = new ServiceCollection();
        s.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        s.AddSingleton<TimeProvider>(TimeProvider.System);
        s.AddDbContextFactory<OpsDbContext>(o => o.UseSqlite($"Data Source={Path.Combine(DataDirectory, "store.db")};Pooling=False"));
        s.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext());
        s.AddSingleton<IClusterAdapter>(Cluster.Adapter);
        s.AddSingleton(EventSource.ForInstance("it"));
        s.AddSingleton<EventOutbox>();
        s.AddGameDays();
        _services = s.BuildServiceProvider();
        Traffic = new TrafficGenerator(Cluster.Adapter);
    }

    public string DataDirectory { get; }
    public TestCluster Cluster { get; }
    public TrafficGenerator Traffic { get; }

    /// <summary>Migrates the store, brings 1.0.0 of the target up with all the traffic, and sends it requests.</summary>
    public async Task SeedAsync(ServiceEnvironment target, double rps = 20)
    {
        await using (var db = _services.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext())
            await db.Database.MigrateAsync();
        await Cluster.DeployReadyAsync(target, new RevisionSpec("1.0.0", 2));
        await Cluster.Adapter.SetWeightsAsync(target, TrafficSplit.AllTo("1.0.0"));
        Traffic.SetLoad(target, new TrafficLoad(rps));
    }

    public async Task<T> DeskAsync<T>(Func<GameDayDesk, Task<T>> work)
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<GameDayDesk>());
    }

    /// <summary>Runner passes, once a second as the console's runner does, until the game day satisfies the condition.</summary>
    public async Task<GameDay> TickUntilAsync(long id, Func<GameDay, bool> condition, string what, TimeSpan? timeout = null)
    {
        GameDay? last = null;
        await Eventually.TrueAsync(async () =>
        {
            await DeskAsync(d => d.TickAsync());
            last = await DeskAsync(d => d.LoadAsync(id));
            if (last is not null && condition(last)) return true;
            await Task.Delay(TimeSpan.FromSeconds(1));
            return false;
        }, timeout ?? TimeSpan.FromSeconds(90), () => $"{what}; last: {last?.Status}: {string.Join(" | ", last?.Entries.Select(e => e.Text) ?? [])}");
        return last!;
    }

    public async ValueTask DisposeAsync()
    {
        await Traffic.DisposeAsync();
        await _services.DisposeAsync();
        await Cluster.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (!_keepData)
        {
            try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
        }
    }
}

public sealed class GameDayOnLocalClusterTests
{
    private static readonly ServiceEnvironment Shop = new("shop", "staging");

    private static GameDayInput Plan(IReadOnlyList<FaultInput> faults, IReadOnlyList<string> aborts) =>
        new("Shop errors", "Does the abort condition stop a bad fault?", [Shop.ToString()], [], [], "The error ratio stays under 1%",
            ["error_ratio < 0.01"], faults, "shop/staging only", aborts);

    [Fact]
    public async Task An_error_rate_fault_trips_the_abort_condition_and_the_service_is_healthy_again()
    {
        await using var h = new GameDayHarness();
        await h.SeedAsync(Shop);
        var before = await h.Cluster.SendAsync(Shop, 24);
        Assert.All(before, a => Assert.Equal(200, a.Status));

        var planned = await h.DeskAsync(d => d.PlanAsync(GameDayHarness.Fay, Plan([new FaultInput("ErrorRate", null, 0.6, 0, 120)], ["error_ratio > 0.3"])));
        var started = await h.DeskAsync(d => d.StartAsync(GameDayHarness.Fay, planned.Id));
        Assert.Equal(GameDayStatus.Running, started.Status);
        Assert.Single(((IFaultInjector)h.Cluster.Adapter).ListFaults(Shop));
        // The ingress answers a share with 500 at once, without reaching an instance.
        var during = await h.Cluster.SendAsync(Shop, 40);
        Assert.Contains(during, a => a.Status == 500);

        var aborted = await h.TickUntilAsync(planned.Id, g => g.Status != GameDayStatus.Running, "the abort condition fires", TimeSpan.FromSeconds(60));
        Assert.Equal(GameDayStatus.Aborted, aborted.Status);
        Assert.Contains("error_ratio > 0.3", aborted.AbortReason, StringComparison.Ordinal);
        var abortEntry = Assert.Single(aborted.Entries, e => e.Kind == GameDayEntryKind.Abort);
        Assert.Contains("error_ratio=", abortEntry.Text, StringComparison.Ordinal);
        Assert.Contains(aborted.Entries, e => e.Text.Contains("steady state restored", StringComparison.Ordinal));
        Assert.Empty(((IFaultInjector)h.Cluster.Adapter).ListFaults());
        Assert.All(aborted.FaultRuns, r => Assert.Equal("lifted at the abort", r.Outcome));
        Assert.False(GameDayResult.From(aborted, []).HypothesisHeld);
        Assert.NotNull(aborted.ReportSha256);

        // Traffic is healthy again.
        var after = await h.Cluster.SendAsync(Shop, 40);
        Assert.All(after, a => Assert.Equal(200, a.Status));
    }

    [Fact]
    public async Task A_console_restart_mid_game_day_re_applies_the_open_fault_and_lifts_the_ended_one_with_a_record()
    {
        var folder = Path.Combine(Path.GetTempPath(), "opsconsole-gameday-tests", Guid.NewGuid().ToString("N"));
        long id;
        await using (var first = new GameDayHarness(folder, keepData: true))
        {
            await first.SeedAsync(Shop);
            var planned = await first.DeskAsync(d => d.PlanAsync(GameDayHarness.Fay,
                Plan([new FaultInput("ErrorRate", null, 0.5, 0, 120), new FaultInput("Latency", null, 50, 0, 2)], ["error_ratio > 0.95"])));
            id = planned.Id;
            await first.DeskAsync(d => d.StartAsync(GameDayHarness.Fay, id));
            Assert.Equal(2, ((IFaultInjector)first.Cluster.Adapter).ListFaults(Shop).Count);
        } // the console stops: processes and ingress gone, the faults with them

        // Down long enough for the latency fault's window (2 s) to end more than the late-lift margin ago.
        await Task.Delay(GameDayDesk.LateLift + TimeSpan.FromSeconds(3));

        await using var second = new GameDayHarness(folder);
        await second.SeedAsync(Shop);
        Assert.Empty(((IFaultInjector)second.Cluster.Adapter).ListFaults());
        var resumed = await second.TickUntilAsync(id, g => g.FaultRuns.All(r => r.Index != 1 || r.LiftedAt is not null)
            && ((IFaultInjector)second.Cluster.Adapter).ListFaults(Shop).Count == 1, "the restart recovery");
        Assert.Equal(GameDayStatus.Running, resumed.Status);
        Assert.Contains(resumed.Entries, e => e.Kind == GameDayEntryKind.Recovery && e.Text.Contains("re-applied", StringComparison.Ordinal));
        Assert.Contains(resumed.Entries, e => e.Kind == GameDayEntryKind.Recovery && e.Text.Contains("Fault 2", StringComparison.Ordinal)
                                              && e.Text.Contains("after its window ended", StringComparison.Ordinal));
        Assert.Equal("gameday-" + id + "-0", Assert.Single(((IFaultInjector)second.Cluster.Adapter).ListFaults(Shop)).Id);
        Assert.Contains(await second.Cluster.SendAsync(Shop, 40), a => a.Status == 500);

        var done = await second.DeskAsync(d => d.CompleteAsync(GameDayHarness.Fay, id));
        Assert.Equal(GameDayStatus.Completed, done.Status);
        Assert.Empty(((IFaultInjector)second.Cluster.Adapter).ListFaults());
        Assert.All(await second.Cluster.SendAsync(Shop, 24), a => Assert.Equal(200, a.Status));
    }
}
