using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Local;

// Usage: ClusterFootprint --data DIR [--rps 5] [--services checkout,catalog,payments] [--environments dev,staging,prod]
// Starts the demo, prints "READY" with the pids, then runs until SIGTERM/SIGINT and stops everything.
string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, "--" + name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

var data = Arg("data", Path.Combine(Path.GetTempPath(), "opsconsole-footprint"));
var rps = double.Parse(Arg("rps", "5"), CultureInfo.InvariantCulture);
var services = Arg("services", "checkout,catalog,payments").Split(',');
var environments = Arg("environments", "dev,staging,prod").Split(',');

var stop = new TaskCompletionSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });

await using var cluster = new LocalClusterAdapter(new LocalClusterOptions { DataDirectory = data });
await using var traffic = new TrafficGenerator(cluster);
var started = Stopwatch.StartNew();
var targets = services.SelectMany(s => environments.Select(e => new ServiceEnvironment(s, e))).ToList();
foreach (var target in targets)
    await cluster.DeployRevisionAsync(target, new RevisionSpec("1.0.0"));
foreach (var target in targets)
{
    while ((await cluster.GetRevisionAsync(target, "1.0.0"))?.IsReady != true)
        await Task.Delay(100);
    await cluster.SetWeightsAsync(target, TrafficSplit.AllTo("1.0.0"));
    traffic.SetLoad(target, new TrafficLoad(rps));
}
var pids = (await cluster.ListServicesAsync()).SelectMany(s => s.Revisions).SelectMany(r => r.Instances).Select(i => i.ProcessId).ToList();
Console.WriteLine($"READY {targets.Count} services in {started.Elapsed.TotalSeconds:0.0} s; driver {Environment.ProcessId}; instances {string.Join(' ', pids)}");

await stop.Task;
foreach (var status in traffic.Status())
    Console.WriteLine($"{status.Target}: sent {status.Sent}, failed {status.Failed}");
foreach (var target in targets)
{
    var m = await cluster.GetRevisionMetricsAsync(target, "1.0.0", TimeSpan.FromMinutes(1));
    Console.WriteLine($"{target}: last minute {m.Requests} requests, {m.Errors5xx} 5xx, p50 {m.LatencyP50Ms:0.0} ms, p99 {m.LatencyP99Ms:0.0} ms");
}
