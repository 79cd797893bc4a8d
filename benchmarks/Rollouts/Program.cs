using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Cluster.Local;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Rollouts.Analysis;

// Usage: RolloutBenchmarks [detect|scale|ingress|all] or RolloutBenchmarks judge [healthy runs] [runs per bad canary]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var which = args.FirstOrDefault() ?? "all";
if (which is "detect" or "all") await Detection.RunAsync();
if (which is "scale" or "all") await ReconcilerScale.RunAsync();
if (which is "ingress" or "all") await IngressOverhead.RunAsync();
if (which is "judge") await JudgeBench.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3);

/// <summary>A store + reconciler over a cluster, as the console wires them.</summary>
sealed class Bench : IAsyncDisposable
{
    public static readonly Actor Person = new("bench", new HashSet<string>(Roles.All), "bench");
    private readonly ServiceProvider _sp;
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "opsconsole-bench", Guid.NewGuid().ToString("N"));

    public Bench(Func<string, IClusterAdapter> cluster)
    {
        Directory.CreateDirectory(Dir);
        Cluster = cluster(Dir);
        var s = new ServiceCollection();
        s.AddLogging(b => b.SetMinimumLevel(LogLevel.Error));
        s.AddSingleton(TimeProvider.System);
        s.AddDbContextFactory<OpsDbContext>(o => o.UseSqlite($"Data Source={Path.Combine(Dir, "store.db")}"));
        s.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext());
        s.AddSingleton(Cluster);
        s.AddHttpClient();
        s.AddSingleton<IMetricProvider, ClusterMetricProvider>();
        s.AddSingleton(EventSource.ForInstance("bench"));
        s.AddSingleton<EventOutbox>();
        s.AddRolloutEngine();
        _sp = s.BuildServiceProvider();
    }

    public IClusterAdapter Cluster { get; }
    public RolloutReconciler Reconciler => _sp.GetRequiredService<RolloutReconciler>();
    public RolloutUpdates Updates => _sp.GetRequiredService<RolloutUpdates>();
    public OpsConsole.Core.Rollouts.Judge.JudgeWatch Watch => _sp.GetRequiredService<OpsConsole.Core.Rollouts.Judge.JudgeWatch>();
    public OpsDbContext Db() => _sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext();

    public async Task SeedAsync(IEnumerable<ServiceEnvironment> targets, AnalysisTemplate? extraTemplate = null)
    {
        await using var db = Db();
        await db.Database.MigrateAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        await DemoSeed.EnsureAsync(db, demo: false, DateTime.UtcNow);
        if (extraTemplate is not null)
            db.AnalysisTemplates.Add(new StoredAnalysisTemplate { Name = extraTemplate.Name, Version = 1, Json = JsonSerializer.Serialize(extraTemplate), CreatedBy = "bench", CreatedAt = DateTime.UtcNow });
        foreach (var t in targets)
            db.DeployTargets.Add(new DeployTarget
            {
                Service = t.Service, Environment = t.Environment, StableVersion = "1.0.0", StableRevision = "1.0.0",
                DefaultStrategyJson = RolloutStrategy.DemoCanary(DemoTemplates.ErrorRate).ToJson(), CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow
            });
        await db.SaveChangesAsync();
    }

    public async Task<Guid> StartAsync(ServiceEnvironment t, string version, string strategy, Dictionary<string, string>? config = null)
    {
        await using var scope = _sp.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<RolloutCoordinator>()
            .StartAsync(Person, t.Service, t.Environment, version, JsonDocument.Parse(strategy).RootElement, config)).Id;
    }

    public async Task ActAsync(Guid id, RolloutAction action)
    {
        await using var scope = _sp.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<RolloutCoordinator>().ActAsync(Person, id, action);
    }

    public async ValueTask DisposeAsync()
    {
        await _sp.DisposeAsync();
        if (Cluster is IAsyncDisposable d) await d.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}

static class Stats
{
    public static double P(IReadOnlyList<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Round(q * (sorted.Count - 1)))];
    public static string Ms(double v) => v.ToString("0.00");
}

/// <summary>
/// A bad canary (half its requests fail) with a 1 s analysis interval on the real local cluster:
/// time from the canary getting traffic to the rollback decision, and from the decision until every
/// request through the ingress is answered by the stable version.
/// </summary>
static class Detection
{
    public static async Task RunAsync(int runs = 5)
    {
        Console.WriteLine("# detect: bad canary (FAULT_ERROR_RATE=0.5), analysis interval 1 s, demo traffic 20 rps");
        var detect = new List<double>();
        var clean = new List<double>();
        var template = new AnalysisTemplate
        {
            Name = "bench-error-rate",
            Metrics = [new AnalysisMetric { Name = "error-rate", Source = MetricSource.IngressErrorRate, Interval = TimeSpan.FromSeconds(1), Count = 30, SuccessCondition = "result <= 0.05" }],
        };
        for (var run = 0; run < runs; run++)
        {
            var target = new ServiceEnvironment("checkout", "bench");
            await using var b = new Bench(dir => new LocalClusterAdapter(new LocalClusterOptions { DataDirectory = dir }));
            await b.SeedAsync([target], template);
            await using var traffic = new TrafficGenerator(b.Cluster);
            await b.Reconciler.ReconcileOnceAsync(CancellationToken.None);
            while ((await b.Cluster.GetServiceAsync(target))?.FindRevision("1.0.0")?.IsReady != true) await Task.Delay(50);
            traffic.SetLoad(target, new TrafficLoad(20));
            var id = await b.StartAsync(target, "1.2.0", """{"canary":{"steps":[{"setWeight":50},{"analysis":"bench-error-rate"}]}}""", new() { ["FAULT_ERROR_RATE"] = "0.5" });

            // The console's pace: a reconciler pass every 500 ms.
            DateTime? weighted = null, decided = null;
            var watch = Stopwatch.StartNew();
            while (decided is null && watch.Elapsed < TimeSpan.FromSeconds(120))
            {
                await b.Reconciler.ReconcileOnceAsync(CancellationToken.None);
                await using var db = b.Db();
                var r = await db.Rollouts.AsNoTracking().SingleAsync(x => x.Id == id);
                if (weighted is null && r.CanaryWeight > 0) weighted = DateTime.UtcNow;
                if (r.IsFinished) decided = DateTime.UtcNow;
                else await Task.Delay(500);
            }
            if (weighted is null || decided is null) { Console.WriteLine($"run {run}: not decided"); continue; }
            // From the decision, probe the ingress until 20 answers in a row come from the stable version.
            var endpoint = (await b.Cluster.GetServiceAsync(target))!.Endpoint!;
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            var streak = 0;
            DateTime? firstOfStreak = null;
            while (streak < 20)
            {
                var body = await http.GetStringAsync(endpoint);
                if (body.Contains("\"1.0.0\"")) { streak++; firstOfStreak ??= DateTime.UtcNow; }
                else { streak = 0; firstOfStreak = null; }
            }
            var d = (decided.Value - weighted.Value).TotalSeconds;
            var c = (firstOfStreak!.Value - decided.Value).TotalSeconds;
            detect.Add(d);
            clean.Add(Math.Max(0, c));
            Console.WriteLine($"run {run}: detected after {d:0.00} s ({d / 1.0:0.0} intervals), stable takes all traffic {Math.Max(0, c) * 1000:0} ms after the decision");
        }
        detect.Sort();
        clean.Sort();
        var flagger = 60.0 * 5; // Flagger: interval 1m x threshold 5 failed checks (its documented example)
        Console.WriteLine($"detect median {Stats.P(detect, 0.5):0.00} s = {Stats.P(detect, 0.5):0.0} intervals (goal <= 3); back on stable median {Stats.P(clean, 0.5) * 1000:0} ms (goal <= 1000)");
        Console.WriteLine($"ratio vs Flagger's interval x threshold (60 s x 5 = {flagger:0} s): {(Stats.P(detect, 0.5) + Stats.P(clean, 0.5)) / flagger:0.0000}");
    }
}

/// <summary>
/// 500 rollouts in flight on the in-memory cluster, reconciled the way the console does (store +
/// engine + the reconciler loop that wakes when the earliest rollout is due): how long after a step is
/// due it is taken (p50/p99), and CPU per rollout, against the same measured with 1 rollout and with
/// the former fixed pace (a pass every 500 ms) in the same process.
/// </summary>
static class ReconcilerScale
{
    public static async Task RunAsync()
    {
        Console.WriteLine("# scale: rollouts reconciled together on the in-memory cluster (canary of three 2 s pauses)");
        await MeasureAsync(20, scheduled: true, print: false); // warm-up: JIT and the store's first queries are not the engine's cost
        await MeasureAsync(20, scheduled: false, print: false);
        var baselineFixed = await MeasureAsync(1, scheduled: false);
        var baseline = await MeasureAsync(1, scheduled: true);
        var fixedPace = await MeasureAsync(500, scheduled: false);
        var eachCommit = await MeasureAsync(500, scheduled: true, commitPerBatch: false);
        var at500 = await MeasureAsync(500, scheduled: true);
        Console.WriteLine($"ratio due-time loop 500/1: step latency p50 {at500.P50 / baseline.P50:0.00}x, p99 {at500.P99 / baseline.P99:0.00}x, CPU per rollout {at500.Cpu / baseline.Cpu:0.00}x");
        Console.WriteLine($"ratio due-time loop / fixed 500 ms passes, 1 rollout: step latency p50 {baseline.P50 / baselineFixed.P50:0.00}x, p99 {baseline.P99 / baselineFixed.P99:0.00}x, CPU per rollout {baseline.Cpu / baselineFixed.Cpu:0.00}x");
        Console.WriteLine($"ratio due-time loop / fixed 500 ms passes, 500 rollouts: step latency p50 {at500.P50 / fixedPace.P50:0.00}x, p99 {at500.P99 / fixedPace.P99:0.00}x, CPU per rollout {at500.Cpu / fixedPace.Cpu:0.00}x");
        Console.WriteLine($"ratio one commit per loaded batch / one commit per rollout, 500 rollouts: step latency p50 {at500.P50 / eachCommit.P50:0.00}x, p99 {at500.P99 / eachCommit.P99:0.00}x, CPU per rollout {at500.Cpu / eachCommit.Cpu:0.00}x");
        Console.WriteLine($"goal: 500 rollouts p99 < 200 ms: {(at500.P99 < 200 ? "met" : "not met")} ({Stats.Ms(at500.P99)} ms)");
    }

    private static async Task<(double P50, double P99, double Cpu)> MeasureAsync(int count, bool scheduled, bool print = true, bool commitPerBatch = true)
    {
        var targets = Enumerable.Range(0, count).Select(i => new ServiceEnvironment($"svc{i}", "bench")).ToList();
        await using var b = new Bench(_ => new InMemoryClusterAdapter(TimeProvider.System) { RecordCalls = false });
        b.Reconciler.CommitPerBatch = commitPerBatch;
        await b.SeedAsync(targets);
        await b.Reconciler.ReconcileOnceAsync(CancellationToken.None);
        // Timed pauses make "due" exact: each pause of 2 s ends at a known time; the latency is how late the step after it is taken.
        var strategy = """{"canary":{"steps":[{"setWeight":10},{"pause":{"duration":"2s"}},{"setWeight":30},{"pause":{"duration":"2s"}},{"setWeight":60},{"pause":{"duration":"2s"}},{"setWeight":100}]}}""";
        foreach (var t in targets) await b.StartAsync(t, "1.1.0", strategy);

        var latencies = new List<double>();
        var wall = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var ticksBefore = b.Reconciler.Ticks;
        using var stop = new CancellationTokenSource();
        var loop = scheduled
            ? b.Reconciler.RunAsync(stop.Token)
            : Task.Run(async () =>
            {
                // The former loop: one pass every 500 ms whatever is due.
                while (!stop.IsCancellationRequested)
                {
                    var passStart = Stopwatch.StartNew();
                    await b.Reconciler.ReconcileOnceAsync(CancellationToken.None);
                    var rest = TimeSpan.FromMilliseconds(500) - passStart.Elapsed;
                    if (rest > TimeSpan.Zero) try { await Task.Delay(rest, stop.Token); } catch (OperationCanceledException) { }
                }
            });
        while (wall.Elapsed < TimeSpan.FromSeconds(40))
        {
            await Task.Delay(250);
            await using var db = b.Db();
            if (!await db.Rollouts.AnyAsync(r => r.Phase == RolloutPhase.Progressing || r.Phase == RolloutPhase.Paused)) break;
        }
        stop.Cancel();
        await loop;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds;
        var ticks = b.Reconciler.Ticks - ticksBefore;
        await using (var db = b.Db())
        {
            // rollout.step.changed after a pause: its time minus the pause's end (step start + 2 s).
            var events = await db.OutboxEvents.AsNoTracking().Where(e => e.Type == EventTypes.RolloutStepChanged).ToListAsync();
            var byRollout = events.GroupBy(e => JsonDocument.Parse(e.CloudEventJson).RootElement.GetProperty("data").GetProperty("rolloutId").GetString());
            foreach (var g in byRollout)
            {
                var ordered = g.OrderBy(e => e.Position).ToList();
                for (var i = 1; i < ordered.Count; i++)
                {
                    var data = JsonDocument.Parse(ordered[i].CloudEventJson).RootElement.GetProperty("data");
                    if (data.GetProperty("fromStep").GetInt32() % 2 == 1) // leaving a pause step
                        latencies.Add((ordered[i].Time - ordered[i - 1].Time - TimeSpan.FromSeconds(2)).TotalMilliseconds);
                }
            }
        }
        latencies.Sort();
        var p50 = Stats.P(latencies, 0.5);
        var p99 = Stats.P(latencies, 0.99);
        var perRollout = cpu / count;
        if (print) Console.WriteLine($"{count} rollouts, {(scheduled ? "due-time loop" : "fixed 500 ms passes")}{(commitPerBatch ? "" : ", one commit per rollout")}: step latency after due p50 {Stats.Ms(p50)} ms, p99 {Stats.Ms(p99)} ms ({latencies.Count} steps); " +
                                     $"process CPU per rollout {perRollout:0.0} ms ({ticks} rollout loads, {wall.Elapsed.TotalSeconds:0.0} s)");
        return (p50, p99, perRollout);
    }
}

/// <summary>
/// Latency through the local ingress vs straight to the instance, at a fixed request rate, in one run.
/// For the backend that answers at once, two more paths in the same run show where the ingress's time
/// goes: an in-process Kestrel server that answers by itself (the cost of one more loopback hop and
/// HTTP parse, the floor of any in-process ingress) and one that forwards with YARP's forwarder and
/// nothing else (no routing, no metrics: the floor of a YARP ingress).
/// </summary>
static class IngressOverhead
{
    public static async Task RunAsync(int requests = 3000, int ratePerSecond = 200)
    {
        Console.WriteLine($"# ingress: {requests} requests each way, alternating, paced at {ratePerSecond} rps");
        var dir = Path.Combine(Path.GetTempPath(), "opsconsole-bench", Guid.NewGuid().ToString("N"));
        await using var cluster = new LocalClusterAdapter(new LocalClusterOptions { DataDirectory = dir });
        // An instance that answers at once (the proxy's whole cost shows) and one that works 2 ms per request.
        foreach (var (name, config) in new[] { ("instant", new Dictionary<string, string>()), ("2ms-backend", new Dictionary<string, string> { ["FAULT_LATENCY_MS"] = "2" }) })
        {
            var target = new ServiceEnvironment(name == "instant" ? "checkout" : "catalog", "bench");
            var spec = new RevisionSpec("1.0.0", 1, config);
            await cluster.DeployRevisionAsync(target, spec);
            await cluster.SetWeightsAsync(target, TrafficSplit.AllTo(spec.Name));
            Revision? rev;
            while ((rev = (await cluster.GetServiceAsync(target))?.FindRevision(spec.Name)) is not { IsReady: true }) await Task.Delay(50);
            var direct = rev.Instances[0].Address!;
            var paths = new List<(string, Uri)> { ("direct", direct), ("ingress", (await cluster.GetServiceAsync(target))!.Endpoint!) };
            await using var hop = name == "instant" ? await Floor.StartAsync(null) : null;
            await using var bareYarp = name == "instant" ? await Floor.StartAsync(direct) : null;
            if (hop is not null) paths.Add(("kestrel hop only", hop.Endpoint));
            if (bareYarp is not null) paths.Add(("kestrel + bare YARP forward", bareYarp.Endpoint));
            await MeasureAsync(name, paths, requests, ratePerSecond);
        }
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }

    private static async Task MeasureAsync(string name, List<(string Name, Uri Address)> paths, int requests, int ratePerSecond)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        for (var i = 0; i < 300; i++) foreach (var p in paths) await http.GetStringAsync(p.Address); // warm every path

        var samples = paths.Select(_ => new List<double>()).ToList();
        var interval = TimeSpan.FromSeconds(1.0 / ratePerSecond);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < requests * paths.Count; i++)
        {
            var due = interval * i;
            if (clock.Elapsed < due) await Task.Delay(due - clock.Elapsed);
            var which = i % paths.Count;
            var t = Stopwatch.GetTimestamp();
            await http.GetStringAsync(paths[which].Address);
            samples[which].Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }
        foreach (var s in samples) s.Sort();
        double P50(int i) => Stats.P(samples[i], 0.5);
        double P99(int i) => Stats.P(samples[i], 0.99);
        Console.WriteLine($"{name}: direct p50 {Stats.Ms(P50(0))} ms, p99 {Stats.Ms(P99(0))} ms; " +
                          $"ingress p50 {Stats.Ms(P50(1))} ms, p99 {Stats.Ms(P99(1))} ms; " +
                          $"ratio p50 {P50(1) / P50(0):0.00}x (goal <= 1.2), p99 {P99(1) / P99(0):0.00}x");
        for (var i = 2; i < paths.Count; i++)
            Console.WriteLine($"  {paths[i].Name}: p50 {Stats.Ms(P50(i))} ms, p99 {Stats.Ms(P99(i))} ms; ratio to direct p50 {P50(i) / P50(0):0.00}x; ingress minus this p50 {Stats.Ms(P50(1) - P50(i))} ms");
    }
}

/// <summary>A bare in-process Kestrel server on loopback: answers by itself, or forwards every request to one address with YARP's forwarder.</summary>
sealed class Floor : IAsyncDisposable
{
    private readonly Microsoft.AspNetCore.Builder.WebApplication _app;
    private Floor(Microsoft.AspNetCore.Builder.WebApplication app, Uri endpoint) { _app = app; Endpoint = endpoint; }
    public Uri Endpoint { get; }

    public static async Task<Floor> StartAsync(Uri? forwardTo)
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateEmptyBuilder(new Microsoft.AspNetCore.Builder.WebApplicationOptions());
        Microsoft.AspNetCore.Hosting.WebHostBuilderKestrelExtensions.UseKestrelCore(builder.WebHost);
        Microsoft.AspNetCore.Hosting.WebHostBuilderKestrelExtensions.ConfigureKestrel(builder.WebHost, k => { k.AddServerHeader = false; k.Listen(System.Net.IPAddress.Loopback, 0); });
        builder.Services.AddHttpForwarder();
        var app = builder.Build();
        if (forwardTo is null)
        {
            var body = System.Text.Encoding.UTF8.GetBytes("""{"service":"checkout","version":"1.0.0","instance":"floor"}""");
            Microsoft.AspNetCore.Builder.RunExtensions.Run(app, async ctx =>
            {
                ctx.Response.ContentType = "application/json";
                await ctx.Response.Body.WriteAsync(body);
            });
        }
        else
        {
            var forwarder = app.Services.GetRequiredService<Yarp.ReverseProxy.Forwarder.IHttpForwarder>();
            var invoker = new HttpMessageInvoker(new SocketsHttpHandler
            {
                UseProxy = false, AllowAutoRedirect = false, AutomaticDecompression = System.Net.DecompressionMethods.None, UseCookies = false, ActivityHeadersPropagator = null,
            });
            var destination = forwardTo.OriginalString;
            Microsoft.AspNetCore.Builder.RunExtensions.Run(app, async ctx =>
                await forwarder.SendAsync(ctx, destination, invoker, Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig.Empty, Yarp.ReverseProxy.Forwarder.HttpTransformer.Default));
        }
        await app.StartAsync();
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        return new Floor(app, new Uri(address + "/"));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
