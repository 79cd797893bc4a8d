using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.GameDays;
using OpsConsole.Core.Migrations.Evidence;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Slo;
using OpsConsole.Core.Tests.Shared;

namespace OpsConsole.Core.Tests.GameDays;

/// <summary>The run over a fake clock and the in-memory cluster whose traffic the test sets: faults on time, abort, restart recovery.</summary>
public sealed class GameDayRunTests : IAsyncLifetime
{
    public static readonly Actor Fay = new("fay", new HashSet<string> { Roles.Facilitator }, "corr-f");
    public static readonly Actor Ada = new("ada", new HashSet<string> { Roles.Admin }, "corr-a");
    private static readonly ServiceEnvironment Target = new("checkout", "staging");

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private InMemoryClusterAdapter _cluster = default!;
    private TestStore _store = default!;
    private double _errorRatio;
    private readonly FakeBurn _burn = new();

    public async Task InitializeAsync()
    {
        _cluster = new InMemoryClusterAdapter(_clock);
        await _cluster.DeployRevisionAsync(Target, new RevisionSpec("1.0.0"));
        _cluster.Metrics = (t, r, w) => new RevisionMetrics(t, r, _clock.GetUtcNow() - w, _clock.GetUtcNow(), 100, (long)(100 * _errorRatio), 20, 40, 80);
        _store = await TestStore.CreateAsync(s =>
        {
            s.AddSingleton<TimeProvider>(_clock);
            s.AddSingleton<IClusterAdapter>(_cluster);
            s.AddSingleton<ISloBurn>(_burn);
            s.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext());
            s.AddGameDays();
        });
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private async Task<T> DeskAsync<T>(Func<GameDayDesk, Task<T>> work)
    {
        await using var scope = _store.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<GameDayDesk>());
    }

    private static GameDayInput Plan(string abort = "error_ratio > 0.3", string scope = "checkout/staging") =>
        new("Checkout errors", "Does the alert page?", [scope], ["paul"], [], "Steady", ["error_ratio < 0.01"],
            [new FaultInput("ErrorRate", null, 0.5, 10, 60), new FaultInput("Latency", null, 200, 0, 30)], null, [abort]);

    [Fact]
    public async Task Faults_go_in_and_out_on_time_and_an_abort_condition_stops_everything_at_once()
    {
        var planned = await DeskAsync(d => d.PlanAsync(Fay, Plan()));
        var started = await DeskAsync(d => d.StartAsync(Fay, planned.Id));
        Assert.Equal(GameDayStatus.Running, started.Status);
        // The latency fault starts at once; the error fault 10 s later.
        Assert.Equal(["gameday-1-1"], _cluster.ListFaults(Target).Select(f => f.Id));

        _clock.Advance(TimeSpan.FromSeconds(10));
        await DeskAsync(d => d.TickAsync());
        Assert.Equal(2, _cluster.ListFaults(Target).Count);

        await Assert.ThrowsAsync<ConflictException>(() => DeskAsync(d => d.StartAsync(Fay, planned.Id)));

        _errorRatio = 0.5;
        _clock.Advance(TimeSpan.FromSeconds(1));
        await DeskAsync(d => d.TickAsync());

        var ended = (await DeskAsync(d => d.LoadAsync(planned.Id)))!;
        Assert.Equal(GameDayStatus.Aborted, ended.Status);
        Assert.Empty(_cluster.ListFaults());
        Assert.Contains("error_ratio > 0.3", ended.AbortReason, StringComparison.Ordinal);
        Assert.Contains(ended.Entries, e => e.Kind == GameDayEntryKind.Abort && e.Text.Contains("error_ratio=0.5", StringComparison.Ordinal));
        Assert.All(ended.FaultRuns, r => Assert.NotNull(r.LiftedAt));

        // The sealed report's hash is in the audit chain and the document verifies.
        Assert.NotNull(ended.ReportJson);
        Assert.True(EvidenceSeal.Verify(ended.ReportJson!, ended.ReportSha256).Intact);
        await using var db = _store.NewContext();
        var sealedEntry = await db.AuditEntries.Where(a => a.Action == "gameday.report.sealed").SingleAsync();
        Assert.Contains(ended.ReportSha256!, sealedEntry.After, StringComparison.Ordinal);
        Assert.True(await db.OutboxEvents.AnyAsync(e => e.Type == EventTypes.GameDayCompleted));
        var markdown = GameDayReport.ToMarkdown(ended.ReportJson!);
        Assert.Contains(ended.ReportSha256!, markdown, StringComparison.Ordinal);
        Assert.False(GameDayResult.From(ended, []).HypothesisHeld);
    }

    [Fact]
    public async Task A_burn_rate_abort_condition_reads_the_slo_burn()
    {
        var planned = await DeskAsync(d => d.PlanAsync(Fay, Plan("burn_rate > 10")));
        await DeskAsync(d => d.StartAsync(Fay, planned.Id));
        _clock.Advance(TimeSpan.FromSeconds(1));
        await DeskAsync(d => d.TickAsync());
        Assert.Equal(GameDayStatus.Running, (await DeskAsync(d => d.LoadAsync(planned.Id)))!.Status);
        _burn.Rate = 14.4;
        _clock.Advance(TimeSpan.FromSeconds(1));
        await DeskAsync(d => d.TickAsync());
        Assert.Equal(GameDayStatus.Aborted, (await DeskAsync(d => d.LoadAsync(planned.Id)))!.Status);
    }

    [Fact]
    public async Task A_restart_re_applies_faults_whose_window_is_open_and_lifts_late_ones_with_a_record()
    {
        var planned = await DeskAsync(d => d.PlanAsync(Fay, Plan()));
        await DeskAsync(d => d.StartAsync(Fay, planned.Id));
        _clock.Advance(TimeSpan.FromSeconds(12));
        await DeskAsync(d => d.TickAsync());
        Assert.Equal(2, _cluster.ListFaults(Target).Count);

        // The console stops: the cluster forgets its ingress faults. It comes back 20 s later.
        await _cluster.LiftAsync(Target, "gameday-1-0");
        await _cluster.LiftAsync(Target, "gameday-1-1");
        _clock.Advance(TimeSpan.FromSeconds(20));
        await DeskAsync(d => d.TickAsync());

        var gameDay = (await DeskAsync(d => d.LoadAsync(planned.Id)))!;
        // The error fault (10 s .. 70 s) is re-applied; the latency fault (0 .. 30 s) ended 2 s ago: lifted and said so.
        Assert.Equal(["gameday-1-0"], _cluster.ListFaults(Target).Select(f => f.Id));
        Assert.Contains(gameDay.Entries, e => e.Kind == GameDayEntryKind.Recovery && e.Text.Contains("re-applied", StringComparison.Ordinal));
        Assert.NotNull(gameDay.FaultRuns[1].LiftedAt);

        _clock.Advance(TimeSpan.FromSeconds(60));
        await DeskAsync(d => d.TickAsync());
        gameDay = (await DeskAsync(d => d.LoadAsync(planned.Id)))!;
        Assert.Contains(gameDay.Entries, e => e.Kind == GameDayEntryKind.Recovery && e.Text.Contains("after its window ended", StringComparison.Ordinal));
        Assert.Empty(_cluster.ListFaults());
    }

    [Fact]
    public async Task Production_needs_an_admins_opt_in_and_a_facilitator_alone_stores_nothing()
    {
        await Assert.ThrowsAsync<AccessDeniedException>(() => DeskAsync(d => d.PlanAsync(Fay, Plan(scope: "checkout/prod"))));
        await Assert.ThrowsAsync<InvalidInputException>(() => DeskAsync(d => d.PlanAsync(Ada, Plan(scope: "checkout/prod"))));
        await using (var db = _store.NewContext())
            Assert.Equal(0, await db.GameDays.CountAsync());
        var allowed = await DeskAsync(d => d.PlanAsync(Ada, Plan(scope: "checkout/prod") with { AllowProd = true }));
        Assert.Equal("ada", allowed.ProdOptInBy);
    }

    [Fact]
    public async Task A_viewer_cannot_plan_and_a_stranger_cannot_write_notes()
    {
        var viewer = new Actor("vic", new HashSet<string> { Roles.Viewer }, "c");
        await Assert.ThrowsAsync<AccessDeniedException>(() => DeskAsync(d => d.PlanAsync(viewer, Plan())));
        var planned = await DeskAsync(d => d.PlanAsync(Fay, Plan()));
        await Assert.ThrowsAsync<AccessDeniedException>(() => DeskAsync(d => d.AddNoteAsync(viewer, planned.Id, "hi")));
        var paul = new Actor("paul", new HashSet<string> { Roles.OnCall }, "c");
        var noted = await DeskAsync(d => d.AddNoteAsync(paul, planned.Id, "I see the alert"));
        Assert.Contains(noted.Entries, e => e.Kind == GameDayEntryKind.Note && e.Actor == "paul");
    }

    private sealed class FakeBurn : ISloBurn
    {
        public double? Rate { get; set; } = 1;

        public Task<IReadOnlyList<SloBurnNow>> CurrentAsync(ServiceEnvironment target, TimeSpan window, CancellationToken ct = default) =>
            Task.FromResult<IReadOnlyList<SloBurnNow>>([new SloBurnNow(1, "availability", 0.999, window, Rate)]);
    }
}
