using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OpsConsole.Console.Hubs;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Events;
using OpsConsole.Core.Cluster.InMemory;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;

// Usage: LiveBenchmarks [clients] [changes]
// The console in-process on a loopback Kestrel socket over the in-memory cluster. 100 hub clients
// (WebSockets) subscribed to "*". Rollouts are started through the coordinator, one every 100 ms:
// each commit writes a deploy.started event that the outbox relay pushes to the hub; the reconciler
// then ticks the rollout (it pauses) and tells the pages through RolloutUpdates, the notice a
// connected rollout page re-renders on. Latency = receive time minus the time stamped on the change
// in its committing unit of work. Baseline in the same process: the same clients receiving a bare
// broadcast of an event-shaped message through the same hub.
static class LiveBenchmark
{
    public static async Task Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        var clients = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
        var changes = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 60;
        var dataDir = Path.Combine(Path.GetTempPath(), "opsconsole-bench", Guid.NewGuid().ToString("N"));
        var token = "opc_admin_" + Guid.NewGuid().ToString("N");
        // The console's folder, as the build recorded it beside this program (its static assets and settings).
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "MvcTestingAppManifest.json"))).RootElement;
        var consoleDir = manifest.EnumerateObject().First(p => p.Name.StartsWith("OpsConsole.Console,", StringComparison.Ordinal)).Value.GetString()!;
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_OPSCONSOLE_CONSOLE", consoleDir);
        await using var factory = new LiveFactory(dataDir, token);
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine($"# live: {clients} hub clients subscribed to \"*\", {changes} rollout starts 100 ms apart, then {changes} bare broadcasts");

        var hubLatencies = new List<double>();
        var receipts = new List<(Guid Rollout, DateTime At)>();
        var received_ = new object();
        var committed = new Dictionary<Guid, DateTime>();
        var bareLatencies = new List<double>();
        var measuring = 0; // 1: rollout events, 2: bare broadcasts
        var connections = new List<HubConnection>();
        for (var i = 0; i < clients; i++)
        {
            var c = new HubConnectionBuilder()
                .WithUrl(new Uri(new Uri(address), EventsHub.Path), o =>
                {
                    o.Transports = HttpTransportType.WebSockets;
                    o.SkipNegotiation = true;
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                })
                .Build();
            c.On<JsonElement>(EventsHub.EventMethod, e =>
            {
                var received = DateTime.UtcNow;
                var mode = Volatile.Read(ref measuring);
                var type = e.GetProperty("type").GetString();
                var ms = (received - e.GetProperty("time").GetDateTime().ToUniversalTime()).TotalMilliseconds;
                if (mode == 1 && type == "deploy.started")
                {
                    lock (hubLatencies) hubLatencies.Add(ms);
                    lock (received_) receipts.Add((e.GetProperty("data").GetProperty("rolloutId").GetGuid(), received));
                }
                else if (mode == 2 && type == "bench.broadcast") lock (bareLatencies) bareLatencies.Add(ms);
            });
            await c.StartAsync();
            await c.InvokeAsync<string>("Subscribe", "*");
            connections.Add(c);
        }

        var targets = Enumerable.Range(0, changes + 10).Select(i => new ServiceEnvironment($"live{i}", "bench")).ToList();
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
            foreach (var t in targets)
                db.DeployTargets.Add(new DeployTarget
                {
                    Service = t.Service, Environment = t.Environment, DefaultStrategyJson = """{"canary":{"steps":[{"pause":{}}]}}""",
                    CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow
                });
            await db.SaveChangesAsync();
        }

        var pageNotices = new Dictionary<Guid, DateTime>();
        var updates = factory.Services.GetRequiredService<RolloutUpdates>();
        using var pageSubscription = updates.Subscribe(c => { var now = DateTime.UtcNow; lock (pageNotices) pageNotices.TryAdd(c.RolloutId, now); });
        var actor = new Actor("bench", new HashSet<string>(Roles.All), "bench");

        async Task StartAsync(ServiceEnvironment t)
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var r = await scope.ServiceProvider.GetRequiredService<RolloutCoordinator>().StartAsync(actor, t.Service, t.Environment, "1.1.0", null, null);
            var now = DateTime.UtcNow;
            lock (committed) committed[r.Id] = now;
        }

        // Warm-up: the first relays, hub sends and reconciler passes pay for JIT.
        for (var i = 0; i < 10; i++) { await StartAsync(targets[changes + i]); await Task.Delay(100); }
        await Task.Delay(2000);
        lock (pageNotices) pageNotices.Clear();

        var started = new List<Guid>();
        Volatile.Write(ref measuring, 1);
        var pace = Stopwatch.StartNew();
        for (var i = 0; i < changes; i++)
        {
            var due = TimeSpan.FromMilliseconds(100 * i);
            if (pace.Elapsed < due) await Task.Delay(due - pace.Elapsed);
            await StartAsync(targets[i]);
        }
        await WaitForAsync(() => { lock (hubLatencies) return hubLatencies.Count >= changes * clients; }, TimeSpan.FromSeconds(30));
        await WaitForAsync(() => { lock (pageNotices) return pageNotices.Count >= changes; }, TimeSpan.FromSeconds(30));

        // The page path: the reconciler's commit (the rollout's UpdatedAt, stamped in that unit of work) to the notice.
        var pageLatencies = new List<double>();
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
            var stamped = await db.Rollouts.AsNoTracking().Select(r => new { r.Id, r.UpdatedAt }).ToListAsync();
            lock (pageNotices)
                foreach (var r in stamped)
                    if (pageNotices.TryGetValue(r.Id, out var at)) pageLatencies.Add((at - r.UpdatedAt).TotalMilliseconds);
        }

        Volatile.Write(ref measuring, 2);
        var hub = factory.Services.GetRequiredService<IHubContext<EventsHub>>();
        pace.Restart();
        for (var i = 0; i < changes; i++)
        {
            var due = TimeSpan.FromMilliseconds(100 * i);
            if (pace.Elapsed < due) await Task.Delay(due - pace.Elapsed);
            using var doc = JsonDocument.Parse(JsonSerializer.Serialize(new
            {
                specversion = "1.0", id = Guid.NewGuid().ToString("N"), source = "bench", type = "bench.broadcast", subject = $"live{i}/bench",
                time = DateTime.UtcNow, datacontenttype = "application/json", data = new { rolloutId = Guid.NewGuid(), service = $"live{i}", environment = "bench", version = "1.1.0" },
            }));
            await hub.Clients.Groups([$"s:live{i}/bench", "s:*", $"s:live{i}/*"]).SendAsync(EventsHub.EventMethod, doc.RootElement.Clone());
        }
        await WaitForAsync(() => { lock (bareLatencies) return bareLatencies.Count >= changes * clients; }, TimeSpan.FromSeconds(30));

        foreach (var c in connections) await c.DisposeAsync();
        // From the commit returning to the caller (the relay may already be under way by then, so this is the lower bound).
        var fromCommit = new List<double>();
        lock (received_) lock (committed)
            foreach (var (rollout, at) in receipts)
                if (committed.TryGetValue(rollout, out var c)) fromCommit.Add(Math.Max(0, (at - c).TotalMilliseconds));
        fromCommit.Sort();
        hubLatencies.Sort(); bareLatencies.Sort(); pageLatencies.Sort();
        string Row(string name, List<double> l) => $"{name}: p50 {P(l, 0.5):0.0} ms, p99 {P(l, 0.99):0.0} ms, max {P(l, 1):0.0} ms ({l.Count} receipts)";
        Console.WriteLine(Row("rollout change (stamped before its write) -> hub clients", hubLatencies));
        Console.WriteLine(Row("rollout change (commit returned) -> hub clients", fromCommit));
        Console.WriteLine(Row("rollout change -> page notice", pageLatencies));
        Console.WriteLine(Row("bare hub broadcast -> hub clients", bareLatencies));
        Console.WriteLine($"ratio rollout (stamped)/bare: p50 {P(hubLatencies, 0.5) / P(bareLatencies, 0.5):0.00}x, p99 {P(hubLatencies, 0.99) / P(bareLatencies, 0.99):0.00}x (goal p99 < 250 ms, ratio <= 1.5)");
        Console.WriteLine($"ratio rollout (commit returned)/bare: p50 {P(fromCommit, 0.5) / P(bareLatencies, 0.5):0.00}x, p99 {P(fromCommit, 0.99) / P(bareLatencies, 0.99):0.00}x");
        try { Directory.Delete(dataDir, true); } catch (IOException) { }

    }

    static double P(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Round(q * (sorted.Count - 1)))];

    static async Task WaitForAsync(Func<bool> done, TimeSpan limit)
    {
        var w = Stopwatch.StartNew();
        while (!done() && w.Elapsed < limit) await Task.Delay(50);
    }

}

sealed class LiveFactory(string dataDir, string token) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("OPS_DATA_DIR", dataDir);
        builder.UseSetting("OPS_ADMIN_PASSWORD", "bench-" + Guid.NewGuid().ToString("N"));
        builder.UseSetting("OPS_ADMIN_TOKEN", token);
        builder.UseSetting("OPS_INSTANCE", "bench-" + Guid.NewGuid().ToString("N")[..8]);
        builder.UseSetting("OPS_DEMO", "false");
        builder.UseSetting("OPS_JOB_POLL_SECONDS", "0.5");
        builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureTestServices(s =>
        {
            s.RemoveAll<IClusterAdapter>();
            s.AddSingleton<IClusterAdapter>(sp => new InMemoryClusterAdapter(sp.GetRequiredService<TimeProvider>()) { RecordCalls = false });
        });
    }
}
