using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Local;
using OpsConsole.Core.Rollouts.Analysis;
using OpsConsole.Core.Rollouts.Judge;

/// <summary>
/// The canary judge against threshold analysis on the real local cluster, demo traffic 20 rps, the
/// canary at 50% (the judge's baseline takes the other 50%), a reconciler pass every 500 ms:
/// time to abort a canary failing half its requests, false aborts over healthy canaries, and time
/// to detect a canary 30% slower (stable 10 ms, canary 13 ms of injected latency). Times run from the canary's first request
/// through the ingress to the decision, with the reconciler running as in the console.
/// </summary>
static class JudgeBench
{
    private static readonly AnalysisTemplate Threshold = new()
    {
        Name = "bench-threshold",
        Metrics =
        [
            new AnalysisMetric { Name = "error-rate", Source = MetricSource.IngressErrorRate, Interval = TimeSpan.FromSeconds(1), Count = 10, SuccessCondition = "result <= 0.05" },
            new AnalysisMetric { Name = "latency-p99", Source = MetricSource.IngressLatencyP99Ms, Interval = TimeSpan.FromSeconds(1), Count = 10, SuccessCondition = "result < 500", FailureLimit = 1 },
        ],
    };

    private static readonly AnalysisTemplate Judge = new()
    {
        Name = "bench-judge",
        Metrics = [new AnalysisMetric { Name = "judge", Source = MetricSource.Judge, Interval = TimeSpan.FromMilliseconds(250), Count = 1, Judge = new JudgeSpec { Samples = 80, MaxDuration = TimeSpan.FromSeconds(30) } }],
    };

    private static readonly MixtureTest CrossingTest = MixtureTest.AgainstBaseline(0, 0.01, 0.05, 0.02, 0.05);

    public static async Task RunAsync(int healthyRuns, int abortRuns)
    {
        Console.WriteLine("# judge vs threshold: demo traffic 20 rps, canary at 50%, reconciler pass every 500 ms");
        foreach (var template in new[] { Threshold, Judge })
        {
            var abort = await RunManyAsync(template, abortRuns, new() { ["FAULT_ERROR_RATE"] = "0.5" }, stable: null);
            Console.WriteLine($"{template.Name}: 50%-error canary decided after median {Median(abort.Select(a => a.Seconds)):0.00} s ({string.Join(", ", abort.Select(a => a.Seconds.ToString("0.00")))}), outcomes {string.Join(",", abort.Select(a => a.Outcome))}");
            // Split into what the traffic allows and what the console adds: the request at which the
            // default mixture test crosses (counted from the canary's first request), and the rest.
            Console.WriteLine($"  the mixture test's crossing request came after median {Median(abort.Select(a => a.Crossing)):0.00} s of canary traffic; " +
                              $"decision after that request: median {Median(abort.Select(a => a.Seconds - a.Crossing)):0.00} s, max {abort.Max(a => a.Seconds - a.Crossing):0.00} s");
            var slow = await RunManyAsync(template, 3, new() { ["FAULT_LATENCY_MS"] = "13" }, stable: new() { ["FAULT_LATENCY_MS"] = "10" });
            Console.WriteLine($"{template.Name}: 30%-slower canary: outcomes {string.Join(",", slow.Select(a => a.Outcome))} after median {Median(slow.Select(a => a.Seconds)):0.00} s");
        }
        var healthy = await RunManyAsync(Judge, healthyRuns, null, stable: null);
        Console.WriteLine($"bench-judge: healthy canaries {healthy.Count}: aborted {healthy.Count(h => h.Outcome == "Aborted")}, paused {healthy.Count(h => h.Outcome == "Paused")}, promoted {healthy.Count(h => h.Outcome == "Healthy")}, median {Median(healthy.Select(a => a.Seconds)):0.00} s");
        // Which metric decided a false abort: the judge's sentence for it.
        foreach (var h in healthy.Where(h => h.Outcome != "Healthy")) Console.WriteLine($"  {h.Outcome} after {h.Seconds:0.00} s: {h.Reason}");
    }

    private static double Median(IEnumerable<double> values)
    {
        var s = values.Order().ToList();
        return s.Count == 0 ? double.NaN : s[s.Count / 2];
    }

    /// <summary>Runs rollouts one after another on one cluster; each from the first traffic on the canary to the decision.</summary>
    private static async Task<List<(double Seconds, string Outcome, string Reason, double Crossing)>> RunManyAsync(AnalysisTemplate template, int runs, Dictionary<string, string>? config, Dictionary<string, string>? stable)
    {
        var results = new List<(double, string, string, double)>();
        var target = new ServiceEnvironment("checkout", "bench");
        await using var b = new Bench(dir => new LocalClusterAdapter(new LocalClusterOptions { DataDirectory = dir }));
        await b.SeedAsync([target], template);
        await using (var db = b.Db())
        {
            var t = await db.DeployTargets.SingleAsync();
            if (stable is not null)
            {
                var spec = new RevisionSpec("1.0.0", 1, stable);
                t.StableRevision = spec.Name;
                t.StableConfigJson = System.Text.Json.JsonSerializer.Serialize(stable);
            }
            await db.SaveChangesAsync();
        }
        await using var traffic = new TrafficGenerator(b.Cluster);
        await b.Reconciler.ReconcileOnceAsync(CancellationToken.None);
        var stableName = stable is null ? "1.0.0" : new RevisionSpec("1.0.0", 1, stable).Name;
        while ((await b.Cluster.GetServiceAsync(target))?.FindRevision(stableName)?.IsReady != true)
        {
            await b.Reconciler.ReconcileOnceAsync(CancellationToken.None);
            await Task.Delay(50);
        }
        traffic.SetLoad(target, new TrafficLoad(20));
        // The console's own reconciler loop: a pass every 500 ms while analysis runs, and at once when
        // woken (the judge's per-request watch wakes it as soon as an errors test crosses its boundary).
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(() => b.Reconciler.RunAsync(stop.Token));
        for (var run = 0; run < runs; run++)
        {
            var id = await b.StartAsync(target, $"1.{run + 1}.0", $$$"""{"canary":{"steps":[{"setWeight":50},{"analysis":"{{{template.Name}}}"}]}}""", config);
            b.Updates.Wake();
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(90))
            {
                await Task.Delay(100);
                await using var db = b.Db();
                var r = await db.Rollouts.AsNoTracking().Include(x => x.AnalysisRuns).SingleAsync(x => x.Id == id);
                if (!r.IsFinished && r.Phase != OpsConsole.Core.Rollouts.RolloutPhase.Paused) continue;
                // From the canary's first request through the ingress to the decision the rollout acted on.
                var served = ((IRevisionSamples)b.Cluster).SamplesSince(target, r.Revision, new DateTimeOffset(r.CreatedAt, TimeSpan.Zero));
                var decided = r.CompletedAt ?? r.AnalysisRuns.Max(a => a.CompletedAt) ?? r.UpdatedAt;
                var seconds = served.Count == 0 ? double.NaN : (decided - served[0].At.UtcDateTime).TotalSeconds;
                var (crossed, after) = CrossingTest.Run(served.Select(s => s.Error));
                var crossing = crossed == SequentialDecision.Worse ? (served[after - 1].At - served[0].At).TotalSeconds : double.NaN;
                results.Add((seconds, r.Phase.ToString(), r.Message ?? "", crossing));
                if (!r.IsFinished) await b.ActAsync(id, OpsConsole.Core.Rollouts.RolloutAction.Abort);
                break;
            }
            // The next canary starts once one revision takes all the traffic again (an old one may still be scaling down).
            var settle = Stopwatch.StartNew();
            while (settle.Elapsed < TimeSpan.FromSeconds(60) && (await b.Cluster.GetServiceAsync(target))?.Routing.Weights?.Weights.Count(w => w.Value > 0) != 1) await Task.Delay(100);
        }
        await stop.CancelAsync();
        await loop;
        Console.WriteLine($"  ({template.Name}: the per-request watch woke the reconciler {b.Watch.Wakes} times)");
        return results;
    }
}
