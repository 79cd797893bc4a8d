using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Replicas;
using OpsConsole.Core.Rollouts;

/// <summary>
/// Failover: two console processes on one PostgreSQL store, the local cluster (so the replica holding
/// the store's "cluster" lease drives every rollout). Per trial a rollout of setWeight and 2 s pause
/// steps is started through the API; once its driver has taken its first weight step, that replica's
/// process is killed with SIGKILL, and the store is polled every 50 ms until the survivor takes the
/// next step (the rollout's stored step index moves; its StepStartedAt is when) and the next weight.
/// The pauses are short, so the next step is already due when the lease lapses: the figure is the
/// takeover, not the pause. A fresh replica replaces the killed one before the next trial.
/// Baseline in the same run: the same trials with a graceful stop (SIGTERM), where the leaving
/// replica hands its leases over, so the survivor takes them on its next pass.
/// </summary>
static class FailoverBenchmark
{
    private const string Strategy = """{"canary":{"steps":[{"setWeight":10},{"pause":{"duration":"2s"}},{"setWeight":20},{"pause":{"duration":"2s"}},{"setWeight":30},{"pause":{"duration":"2s"}},{"setWeight":40},{"pause":{"duration":"2s"}},{"setWeight":50},{"pause":{"duration":"2s"}},{"setWeight":60},{"pause":{"duration":"2s"}},{"setWeight":70},{"pause":{"duration":"2s"}},{"setWeight":80},{"pause":{"duration":"2s"}},{"setWeight":90},{"pause":{"duration":"2s"}}]}}""";

    private sealed record Trial(bool Graceful, double LeaseTaken, double Step, double StepPolled, double Weight, int StepsWhenStopped);

    public static async Task RunAsync(int trials, int gracefulTrials)
    {
        var lease = new ReplicaLeaseOptions().LeaseTime;
        var idle = RolloutReconciler.IdlePeriod;
        Console.WriteLine($"# failover: 2 console processes on one PostgreSQL store, local cluster; {trials} trials with SIGKILL of the replica driving the rollout, {gracefulTrials} with a graceful stop (SIGTERM) as the baseline");
        Console.WriteLine($"# lease time {lease.TotalSeconds:0} s, reconciler idle pass {idle.TotalSeconds:0} s (a replica driving nothing looks every {idle.TotalSeconds:0} s), store polled every 50 ms");
        Console.WriteLine($"# load average at start: {Figures.LoadAverage()}");
        var token = "opc_admin_" + Guid.NewGuid().ToString("N");
        await using var pg = await ThrowawayPostgres.StartAsync();
        var store = await pg.CreateStoreAsync("failover");
        var total = trials + gracefulTrials;
        await using (var db = ThrowawayPostgres.Store(store))
        {
            var now = DateTime.UtcNow;
            for (var i = 0; i < total; i++)
                db.DeployTargets.Add(new DeployTarget { Service = $"failover{i}", Environment = "bench", DefaultStrategyJson = Strategy, CreatedAt = now, UpdatedAt = now });
            await db.SaveChangesAsync();
        }

        var started = 0;
        Task<Replica> StartReplicaAsync() => Replica.StartAsync(store, token, $"replica-{++started}");
        var replicas = new List<Replica> { await StartReplicaAsync(), await StartReplicaAsync() };
        var results = new List<Trial>();
        try
        {
            for (var i = 0; i < total; i++)
            {
                var graceful = i >= trials;
                var trial = await TrialAsync(store, token, replicas, $"failover{i}", graceful);
                results.Add(trial);
                Console.WriteLine($"trial {i + 1}{(graceful ? " (graceful)" : "")}: lease taken {trial.LeaseTaken:0.00} s, next step: tick began {trial.Step:0.00} s, committed {trial.StepPolled:0.00} s, next weight {trial.Weight:0.00} s after the stop (driver had taken {trial.StepsWhenStopped} steps)");
                var stopped = replicas.Single(r => r.Process.HasExited);
                replicas.Remove(stopped);
                await stopped.DisposeAsync();
                replicas.Add(await StartReplicaAsync());
            }
        }
        finally
        {
            foreach (var r in replicas) await r.DisposeAsync();
        }

        Console.WriteLine($"# load average at end: {Figures.LoadAverage()}");
        void Row(string name, IEnumerable<double> values, bool kill)
        {
            var l = values.Order().ToList();
            var n = l.Count;
            Console.WriteLine($"{name}: p50 {Figures.P(l, 0.5):0.00} s, p99 {Figures.P(l, 0.99):0.00} s{(n <= 100 ? $" (= the max of {n})" : "")}, min {Figures.P(l, 0):0.00} s"
                + (kill ? $"; ratio to the lease time ({lease.TotalSeconds:0} s): p50 {Figures.P(l, 0.5) / lease.TotalSeconds:0.00}x, p99 {Figures.P(l, 0.99) / lease.TotalSeconds:0.00}x;"
                    + $" to lease + idle pass ({(lease + idle).TotalSeconds:0} s): p50 {Figures.P(l, 0.5) / (lease + idle).TotalSeconds:0.00}x, p99 {Figures.P(l, 0.99) / (lease + idle).TotalSeconds:0.00}x" : ""));
        }
        var killed = results.Where(t => !t.Graceful).ToList();
        var handed = results.Where(t => t.Graceful).ToList();
        Row("SIGKILL -> cluster lease taken by the survivor", killed.Select(t => t.LeaseTaken), true);
        Row("SIGKILL -> survivor's tick that takes the next step began (stored StepStartedAt)", killed.Select(t => t.Step), true);
        Row("SIGKILL -> next step committed by the survivor (seen by the 50 ms poll)", killed.Select(t => t.StepPolled), true);
        Row("SIGKILL -> next weight set by the survivor (its canary instance started first)", killed.Select(t => t.Weight), true);
        if (handed.Count > 0)
        {
            Row("baseline: graceful stop -> next step committed by the survivor", handed.Select(t => t.StepPolled), false);
            var k = killed.Select(t => t.StepPolled).Order().ToList();
            var g = handed.Select(t => t.StepPolled).Order().ToList();
            Console.WriteLine($"ratio SIGKILL/graceful (next step committed): p50 {Figures.P(k, 0.5) / Figures.P(g, 0.5):0.0}x");
        }
        Console.WriteLine($"goal: the survivor takes the next step within 30 s of the kill: {(killed.Count > 0 && killed.Max(t => t.StepPolled) <= 30 ? "met" : "NOT met")} (max {(killed.Count > 0 ? killed.Max(t => t.StepPolled) : double.NaN):0.00} s, committed)");
    }

    private static async Task<Trial> TrialAsync(string store, string token, List<Replica> replicas, string service, bool graceful)
    {
        // Started through the API of either replica; the cluster lease holder drives it wherever it was started.
        using (var http = replicas[0].Client(token))
        {
            var response = await http.PostAsJsonAsync("/api/v1/rollouts", new { service, environment = "bench", version = "2.0.0" });
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Starting the rollout failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        Guid id;
        await using (var db = ThrowawayPostgres.Store(store))
            id = await db.Rollouts.Where(r => r.Service == service).Select(r => r.Id).SingleAsync();

        // Wait until the driver has set the first weight (its canary instance runs) and moved into a pause.
        var state = await WaitForAsync(store, id, s => s.Weight > 0 && s.Step >= 1, TimeSpan.FromMinutes(3), "the first weight step");
        string holder;
        await using (var db = ThrowawayPostgres.Store(store))
            holder = await db.ReplicaLeases.AsNoTracking().Where(l => l.Name == StoreLeases.ClusterLease).Select(l => l.Holder).SingleAsync();
        var driver = replicas.Single(r => r.Holds(holder));
        var survivor = replicas.Single(r => r != driver);

        var clock = Stopwatch.StartNew();
        var stoppedAt = DateTime.UtcNow;
        if (graceful)
        {
            using var term = Process.Start("kill", ["-TERM", driver.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await term!.WaitForExitAsync();
        }
        else driver.Kill();

        // Until the survivor holds the lease, whatever the store shows is the stopped driver's last word
        // (a commit already sent when it died may still land): it is the state to move from.
        var before = state;
        double leaseTaken = double.NaN, step = double.NaN, stepPolled = double.NaN, weight = double.NaN;
        while (clock.Elapsed < TimeSpan.FromMinutes(3) && (double.IsNaN(step) || double.IsNaN(weight)))
        {
            await using (var db = ThrowawayPostgres.Store(store))
            {
                var now = await ReadAsync(db, id);
                var l = await db.ReplicaLeases.AsNoTracking().Where(x => x.Name == StoreLeases.ClusterLease).Select(x => new { x.Holder, x.AcquiredAt }).SingleAsync();
                if (!survivor.Holds(l.Holder)) before = now;
                else
                {
                    if (double.IsNaN(leaseTaken)) leaseTaken = (l.AcquiredAt - stoppedAt).TotalSeconds;
                    if (double.IsNaN(step) && now.Step != before.Step)
                    {
                        step = (now.StepStartedAt - stoppedAt).TotalSeconds;
                        stepPolled = clock.Elapsed.TotalSeconds;
                    }
                    if (double.IsNaN(weight) && now.Weight != before.Weight) weight = clock.Elapsed.TotalSeconds;
                    if (now.Finished) break;
                }
            }
            await Task.Delay(50);
        }
        if (double.IsNaN(step)) throw new TimeoutException($"The survivor took no step within 3 minutes of the stop. Survivor output:\n{survivor.Output}");
        await driver.Process.WaitForExitAsync();

        // Done with this rollout: stop it so the next trial's replicas carry nothing else.
        using (var http = survivor.Client(token))
            await http.PostAsync($"/api/v1/rollouts/{id}/abort", null);
        return new Trial(graceful, leaseTaken, step, stepPolled, weight, before.Step);
    }

    private sealed record RolloutState(int Step, int Weight, DateTime StepStartedAt, bool Finished);

    private static async Task<RolloutState> ReadAsync(OpsConsole.Core.Persistence.OpsDbContext db, Guid id)
    {
        var r = await db.Rollouts.AsNoTracking().Where(x => x.Id == id).Select(x => new { x.CurrentStepIndex, x.CanaryWeight, x.StepStartedAt, x.Phase }).SingleAsync();
        return new RolloutState(r.CurrentStepIndex, r.CanaryWeight, r.StepStartedAt,
            r.Phase is RolloutPhase.Healthy or RolloutPhase.Aborted or RolloutPhase.Degraded);
    }

    private static async Task<RolloutState> WaitForAsync(string store, Guid id, Func<RolloutState, bool> done, TimeSpan limit, string what)
    {
        var w = Stopwatch.StartNew();
        while (true)
        {
            await using (var db = ThrowawayPostgres.Store(store))
            {
                var s = await ReadAsync(db, id);
                if (done(s)) return s;
                if (s.Finished) throw new InvalidOperationException($"The rollout finished before {what}.");
            }
            if (w.Elapsed > limit) throw new TimeoutException($"No {what} within {limit.TotalMinutes:0} minutes.");
            await Task.Delay(50);
        }
    }
}
