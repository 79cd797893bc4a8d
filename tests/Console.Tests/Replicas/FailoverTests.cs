using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Security;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Events;
using OpsConsole.Core.Events.Webhooks;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Replicas;
using OpsConsole.Core.Rollouts;
using OpsConsole.Migrations.Tests.Shared;
using Xunit.Abstractions;

namespace OpsConsole.Console.Tests.Replicas;

/// <summary>
/// Two console OS processes on one PostgreSQL database, as a team runs them in production: 20 rollouts
/// started through both, the replica driving them killed with SIGKILL in the middle, and the survivor
/// finishing every one. PostgreSQL by design, on a throwaway server of its own (started by the test run).
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class FailoverTests(PostgresServer server, ITestOutputHelper output)
{
    private const int RolloutCount = 20;
    private const int PauseSeconds = 8; // the pauses of the strategy below
    private const int StepCount = 6;

    // Weights and timed pauses only: no analysis, so the outcome depends on the replicas alone.
    private const string Strategy = """
        {"canary":{"steps":[{"setWeight":25},{"pause":{"duration":"8s"}},{"setWeight":50},{"pause":{"duration":"8s"}},{"setWeight":75},{"pause":{"duration":"8s"}}]}}
        """;

    private static string Service(int i) => $"svc{i:00}";

    [Fact]
    public async Task Twenty_rollouts_over_two_replicas_finish_on_the_survivor_after_the_driving_replica_is_killed()
    {
        var connection = server.ConnectionString(await server.CreateDatabaseAsync());
        await using (var db = NewContext(connection))
        {
            // No API creates deploy targets (the demo seed does); the store is prepared as an operator's would be.
            await StoreProvider.MigrateAsync(db);
            var now = DateTime.UtcNow;
            for (var i = 0; i < RolloutCount; i++)
                db.DeployTargets.Add(new DeployTarget
                {
                    Service = Service(i), Environment = "staging", StableVersion = "1.0.0", StableRevision = "1.0.0", Instances = 1,
                    DefaultStrategyJson = Strategy, CreatedAt = now, UpdatedAt = now,
                });
            await db.SaveChangesAsync();
        }

        var delivered = new ConcurrentQueue<(string EventId, DateTime At)>();
        await using var receiver = await EgressTestServer.StartAsync(ctx =>
        {
            delivered.Enqueue((ctx.Request.Headers[WebhookSignature.EventIdHeader].ToString(), DateTime.UtcNow));
            ctx.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        });
        var token = "opc_admin_" + Guid.NewGuid().ToString("N");
        var settings = new Dictionary<string, string>
        {
            ["OPS_STORE"] = "postgres", ["OPS_STORE_CONNECTION"] = connection,
            ["OPS_ADMIN_TOKEN"] = token, ["OPS_ADMIN_PASSWORD"] = "pw-" + Guid.NewGuid().ToString("N"),
            ["OPS_DEMO"] = "false", ["OPS_JOB_POLL_SECONDS"] = "0.5",
            ["OPS_EGRESS_ALLOW"] = $"127.0.0.1:{receiver.Port}",
        };
        await using var a = await ConsoleProcess.StartAsync("replica-a", settings);
        await using var b = await ConsoleProcess.StartAsync("replica-b", settings);
        using var clientA = a.Client(token);
        using var clientB = b.Client(token);

        using (var hook = await clientA.PostAsJsonAsync("/api/v1/webhooks", new
        {
            name = "failover-test", url = $"{receiver.BaseUrl}/hook", eventTypes = new[] { "rollout.*", "deploy.*" }, subjectPrefix = "svc",
        }))
            Assert.Equal(HttpStatusCode.Created, hook.StatusCode);

        // A hub client on each replica, taking every event with the replica that caused it (the CloudEvent's source).
        var seenOn = new Dictionary<string, ConcurrentQueue<(string Id, string Source)>> { [a.Name] = new(), [b.Name] = new() };
        await using var hubA = await ConnectAsync(a, token, seenOn[a.Name]);
        await using var hubB = await ConnectAsync(b, token, seenOn[b.Name]);

        // 20 rollouts, started half through each replica.
        var ids = new List<Guid>();
        for (var i = 0; i < RolloutCount; i++)
        {
            using var response = await (i % 2 == 0 ? clientA : clientB).PostAsJsonAsync("/api/v1/rollouts", new { service = Service(i), environment = "staging", version = "2.0.0" });
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }

        // With the local cluster, the replica holding the cluster lease drives every rollout.
        await using var store = NewContext(connection);
        var holder = await store.ReplicaLeases.AsNoTracking().Where(l => l.Name == StoreLeases.ClusterLease).Select(l => l.Holder).SingleAsync();
        var (driver, survivor) = holder.StartsWith(a.Name + "-", StringComparison.Ordinal) ? (a, b) : (b, a);
        output.WriteLine($"{driver.Name} drives, {survivor.Name} survives");

        await ExplainedAsync(Wait.UntilAsync(async () => await store.Rollouts.AsNoTracking().CountAsync(r => ids.Contains(r.Id) && r.CurrentStepIndex >= 1) == RolloutCount,
            "every rollout to have its first weight and be in its first pause", TimeSpan.FromSeconds(240)), store, ids, a, b);
        var before = await StepEventsAsync(connection, ids);
        Assert.All(before, e => Assert.Equal(SourceOf(driver), e.Source));
        // Events the driver caused reached the hub client on the other replica, each once.
        await Wait.UntilAsync(() => Task.FromResult(before.All(e => seenOn[survivor.Name].Any(s => s.Id == e.Id))),
            $"{survivor.Name}'s hub client to receive the step events caused on {driver.Name}", TimeSpan.FromSeconds(30));
        var beforeIds = before.Select(e => e.Id).ToHashSet();
        Assert.Equal(before.Count, seenOn[survivor.Name].Count(s => beforeIds.Contains(s.Id)));

        var killedAt = DateTime.UtcNow;
        driver.KillHard();

        // The survivor takes the next step within 30 s: the lease time (15 s) plus at most one idle pass.
        await ExplainedAsync(Wait.UntilAsync(async () => (await StepEventsAsync(connection, ids)).Any(e => e.Source == SourceOf(survivor)),
            $"{survivor.Name} to take a step", TimeSpan.FromSeconds(60)), store, ids, survivor);
        var firstStep = (await StepEventsAsync(connection, ids)).Where(e => e.Source == SourceOf(survivor)).Min(e => e.Time);
        var failover = firstStep - killedAt;
        output.WriteLine($"failover: {failover.TotalSeconds:0.0} s from the kill to the survivor's first step");
        Assert.True(failover < TimeSpan.FromSeconds(30), $"the survivor took its first step {failover.TotalSeconds:0.0} s after the kill");

        // Then every rollout finishes: within 30 s plus the steps left (at most three pauses), plus the
        // time the survivor needs to start the 40 workload processes it re-declares on a busy 2-core machine.
        await ExplainedAsync(Wait.UntilAsync(async () => await store.Rollouts.AsNoTracking().CountAsync(r => ids.Contains(r.Id) && r.Phase == RolloutPhase.Healthy) == RolloutCount,
            "every rollout to finish on the survivor", TimeSpan.FromSeconds(30 + 3 * PauseSeconds + 90)), store, ids, survivor);
        var finished = DateTime.UtcNow - killedAt;
        output.WriteLine($"all {RolloutCount} rollouts finished {finished.TotalSeconds:0.0} s after the kill");

        // Each rollout was driven by one replica at a time: every step once, in order, by the driver
        // before the kill and by the survivor after it.
        var steps = await StepEventsAsync(connection, ids);
        foreach (var id in ids)
        {
            var mine = steps.Where(e => e.RolloutId == id).OrderBy(e => e.Position).ToList();
            Assert.Equal(Enumerable.Range(1, StepCount), mine.Select(e => e.ToStep));
            Assert.Equal(Enumerable.Range(0, StepCount), mine.Select(e => e.FromStep));
            Assert.All(mine, e => Assert.Equal(e.Time < killedAt ? SourceOf(driver) : SourceOf(survivor), e.Source));
        }
        var outbox = await store.OutboxEvents.AsNoTracking().Where(e => e.Subject.StartsWith("svc")).ToListAsync();
        foreach (var type in new[] { EventTypes.DeployStarted, EventTypes.DeployCompleted })
            Assert.Equal(ids.Count, outbox.Count(e => e.Type == type));
        Assert.Equal(ids.Count, outbox.Where(e => e.Type == EventTypes.DeployCompleted).Select(e => e.Subject).Distinct().Count());

        // The webhook gets every rollout and deploy event once, whichever replica relayed it.
        var expected = outbox.Where(e => e.Type.StartsWith("rollout.", StringComparison.Ordinal) || e.Type.StartsWith("deploy.", StringComparison.Ordinal))
            .Select(e => e.Id).ToHashSet();
        // An event the killed replica owed but had not queued, or was sending, is queued again by the
        // overdue sweep (each minute, for deliveries overdue by a minute): about two minutes at most.
        try
        {
            await Wait.UntilAsync(() => Task.FromResult(expected.IsSubsetOf(delivered.Select(d => d.EventId))), "the webhook to receive every event", TimeSpan.FromSeconds(180));
        }
        catch (TimeoutException)
        {
            var missing = expected.Except(delivered.Select(d => d.EventId)).ToList();
            foreach (var d in await store.WebhookDeliveries.AsNoTracking().Where(d => missing.Contains(d.EventId)).ToListAsync())
                output.WriteLine($"missing {d.EventType} {d.EventId}: {d.Status}, {d.Attempts} attempts, created {d.CreatedAt:O}, next {d.NextAttemptAt:O}, last {d.LastStatusCode} {d.LastError}");
            output.WriteLine($"{missing.Count} missing, of which without a delivery row: {missing.Count(id => !store.WebhookDeliveries.Any(d => d.EventId == id))}; killed at {killedAt:O}");
            output.WriteLine($"--- {survivor.Name}\n{string.Join('\n', survivor.Output.Split('\n').TakeLast(40))}");
            throw;
        }
        // Webhooks are at least once: an event the killed replica sent but could not record as sent (the
        // receiver answered, the kill came before the commit) is sent again by the survivor once the dead
        // replica's hold on it ran out. Any other repeat is a bug.
        var twice = delivered.GroupBy(d => d.EventId).Where(g => g.Count() > 1)
            .Where(g => !(g.Count() == 2 && g.Min(d => d.At) < killedAt.AddSeconds(1) && g.Max(d => d.At) > killedAt + WebhookSender.AttemptHold))
            .Select(g => $"{g.Key} at {string.Join(", ", g.Select(d => d.At.ToString("HH:mm:ss.fff")))}").ToList();
        Assert.True(twice.Count == 0, $"delivered more than once (killed at {killedAt:HH:mm:ss.fff}): {string.Join("; ", twice)}");

        // The audit chain both replicas wrote verifies.
        var verdict = await AuditTrail.VerifyAsync(store);
        Assert.True(verdict.IsIntact, verdict.Reason);
        Assert.True(verdict.EntriesChecked >= RolloutCount, $"{verdict.EntriesChecked} audit entries");
    }

    /// <summary>When a wait times out, what each rollout was doing and the replicas' last log lines.</summary>
    private async Task ExplainedAsync(Task waiting, OpsDbContext store, List<Guid> ids, params ConsoleProcess[] replicas)
    {
        try { await waiting; }
        catch (TimeoutException)
        {
            foreach (var r in await store.Rollouts.AsNoTracking().Where(r => ids.Contains(r.Id)).OrderBy(r => r.Service).ToListAsync())
                output.WriteLine($"{r.Service}: {r.Phase} step {r.CurrentStepIndex} weight {r.CanaryWeight}: {r.Message}");
            foreach (var l in await store.ReplicaLeases.AsNoTracking().ToListAsync())
                output.WriteLine($"lease {l.Name}: {l.Holder} token {l.Token} until {l.ExpiresAt:O}");
            foreach (var replica in replicas)
                output.WriteLine($"--- {replica.Name}\n{string.Join('\n', replica.Output.Split('\n').TakeLast(40))}");
            throw;
        }
    }

    private static OpsDbContext NewContext(string connection)
    {
        var options = new DbContextOptionsBuilder<OpsDbContext>();
        options.UseStore(StoreKind.Postgres, connection);
        return new OpsDbContext(options.Options);
    }

    private static string SourceOf(ConsoleProcess replica) => EventSource.ForInstance(replica.Name).Uri.ToString();

    private sealed record StepEvent(string Id, long Position, Guid RolloutId, int FromStep, int ToStep, string Source, DateTime Time);

    private static async Task<List<StepEvent>> StepEventsAsync(string connection, List<Guid> ids)
    {
        await using var db = NewContext(connection);
        var rows = await db.OutboxEvents.AsNoTracking().Where(e => e.Type == EventTypes.RolloutStepChanged).ToListAsync();
        return rows.Select(e =>
        {
            var data = JsonDocument.Parse(e.CloudEventJson).RootElement.GetProperty("data");
            return new StepEvent(e.Id, e.Position, data.GetProperty("rolloutId").GetGuid(), data.GetProperty("fromStep").GetInt32(), data.GetProperty("toStep").GetInt32(), e.Source, e.Time);
        }).Where(e => ids.Contains(e.RolloutId)).ToList();
    }

    private static async Task<HubConnection> ConnectAsync(ConsoleProcess replica, string token, ConcurrentQueue<(string Id, string Source)> seen)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(replica.Address, "hubs/events"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        connection.On<JsonElement>("event", e => seen.Enqueue((e.GetProperty("id").GetString()!, e.GetProperty("source").GetString()!)));
        await connection.StartAsync();
        await connection.InvokeAsync<string>("Subscribe", "*");
        return connection;
    }
}
