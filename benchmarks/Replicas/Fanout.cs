using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

/// <summary>
/// Event fan-out: two console processes on one PostgreSQL store. N hub clients (WebSockets, bearer
/// admin token, subscribed to "user/*") either all on replica A (the baseline) or split half and half
/// over A and B. Events are caused on A through its API (an API token created for the admin, one
/// token.created event each, 200 ms apart); latency is from the API call's return to each client's
/// receipt, on one clock (this process). Clients on A get the event from A's outbox relay; clients on
/// B get it when B's outbox tail reads the store (every 200 ms), which is expected to dominate.
/// </summary>
static class FanoutBenchmark
{
    private sealed record Receipt(string Name, bool OnB, long At, DateTime EventTime, DateTime ReceivedAt);

    public static async Task RunAsync(int clients, int events, int rounds)
    {
        Console.WriteLine($"# fan-out: {clients} hub clients (WebSockets) subscribed to \"user/*\"; {events} token.created events caused on replica A through its API, 200 ms apart; {rounds} round(s), the configurations alternating");
        Console.WriteLine($"# configurations: all {clients} on A (baseline) vs {clients / 2} on A + {clients - clients / 2} on B; latency = API call returned -> client received (clamped at 0: the relay may push before the response is read)");
        Console.WriteLine("# clients on B receive A's events through B's outbox tail, which reads the shared store every 200 ms (OutboxTail.Pace): expected to dominate");
        Console.WriteLine($"# load average at start: {Figures.LoadAverage()}");
        var token = "opc_admin_" + Guid.NewGuid().ToString("N");
        await using var pg = await ThrowawayPostgres.StartAsync();
        var store = await pg.CreateStoreAsync("fanout");
        await using var a = await Replica.StartAsync(store, token, "replica-a");
        await using var b = await Replica.StartAsync(store, token, "replica-b");

        // Rounds alternate the configurations, so a slow spell of the shared machine does not fall on one of them only.
        var ones = new List<Run>();
        var twos = new List<Run>();
        for (var round = 0; round < rounds; round++)
        {
            if (round % 2 == 0)
            {
                ones.Add(await MeasureAsync(a, b, token, clients, 0, events, $"one{round}"));
                twos.Add(await MeasureAsync(a, b, token, clients / 2, clients - clients / 2, events, $"two{round}"));
            }
            else
            {
                twos.Add(await MeasureAsync(a, b, token, clients / 2, clients - clients / 2, events, $"two{round}"));
                ones.Add(await MeasureAsync(a, b, token, clients, 0, events, $"one{round}"));
            }
            var o = ones[^1].Latencies(_ => true);
            var t = twos[^1].Latencies(_ => true);
            Console.WriteLine($"round {round + 1} of {rounds}: one replica p50 {Figures.P(o, 0.5):0.0} / p99 {Figures.P(o, 0.99):0.0} ms, two replicas p50 {Figures.P(t, 0.5):0.0} / p99 {Figures.P(t, 0.99):0.0} ms; load average {Figures.LoadAverage()}");
        }
        var one = Run.Merge(ones);
        var two = Run.Merge(twos);
        Console.WriteLine($"# load average at end: {Figures.LoadAverage()}");

        string Row(string name, List<double> l) => $"{name}: p50 {Figures.P(l, 0.5):0.0} ms, p99 {Figures.P(l, 0.99):0.0} ms, max {Figures.P(l, 1):0.0} ms ({l.Count} receipts)";
        var oneAll = one.Latencies(_ => true);
        var twoAll = two.Latencies(_ => true);
        Console.WriteLine(Row($"one replica ({clients} clients on A)", oneAll));
        Console.WriteLine(Row($"two replicas ({clients / 2} + {clients - clients / 2}), all clients", twoAll));
        Console.WriteLine(Row("two replicas, the clients on A", two.Latencies(r => !r.OnB)));
        Console.WriteLine(Row("two replicas, the clients on B (through the store tail)", two.Latencies(r => r.OnB)));
        Console.WriteLine($"ratio two replicas/one replica: p50 {Figures.P(twoAll, 0.5) / Figures.P(oneAll, 0.5):0.00}x, p99 {Figures.P(twoAll, 0.99) / Figures.P(oneAll, 0.99):0.00}x");
        Console.WriteLine($"receipts before the API call returned (counted as 0 ms): one replica {one.BeforeReturn(_ => true)}, two replicas on A {two.BeforeReturn(r => !r.OnB)}, on B {two.BeforeReturn(r => r.OnB)}");
        var oneStamp = one.FromStamp(_ => true);
        var twoStamp = two.FromStamp(_ => true);
        Console.WriteLine(Row("from the event's stamp, one replica", oneStamp));
        Console.WriteLine(Row("from the event's stamp, two replicas, all clients", twoStamp));
        Console.WriteLine(Row("from the event's stamp, two replicas, the clients on B", two.FromStamp(r => r.OnB)));
        Console.WriteLine($"ratio from the stamp two replicas/one replica: p50 {Figures.P(twoStamp, 0.5) / Figures.P(oneStamp, 0.5):0.00}x, p99 {Figures.P(twoStamp, 0.99) / Figures.P(oneStamp, 0.99):0.00}x");
        Console.WriteLine($"missing receipts: one replica {one.Missing}, two replicas {two.Missing}");
    }

    private sealed record Run(List<Receipt> Receipts, Dictionary<string, long> Returned, int Missing)
    {
        public static Run Merge(List<Run> runs) => new(runs.SelectMany(r => r.Receipts).ToList(),
            runs.SelectMany(r => r.Returned).ToDictionary(kv => kv.Key, kv => kv.Value), runs.Sum(r => r.Missing));

        public List<double> Latencies(Func<Receipt, bool> which) => Receipts.Where(which).Where(r => Returned.ContainsKey(r.Name))
            .Select(r => Math.Max(0, Stopwatch.GetElapsedTime(Returned[r.Name], r.At).TotalMilliseconds)).Order().ToList();

        /// <summary>From the event's time (stamped in the committing unit of work, before the commit) to the receipt.</summary>
        public List<double> FromStamp(Func<Receipt, bool> which) => Receipts.Where(which).Select(r => (r.ReceivedAt - r.EventTime).TotalMilliseconds).Order().ToList();

        public int BeforeReturn(Func<Receipt, bool> which) => Receipts.Where(which).Count(r => Returned.TryGetValue(r.Name, out var at) && r.At < at);
    }

    private static async Task<Run> MeasureAsync(Replica a, Replica b, string token, int onA, int onB, int events, string label)
    {
        var receipts = new ConcurrentBag<Receipt>();
        var measuring = 0;
        var connections = new List<HubConnection>();
        async Task ConnectAsync(Replica replica, bool isB)
        {
            var c = new HubConnectionBuilder()
                .WithUrl(new Uri(replica.Address, "/hubs/events"), o =>
                {
                    o.Transports = HttpTransportType.WebSockets;
                    o.SkipNegotiation = true;
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                })
                .Build();
            c.ServerTimeout = TimeSpan.FromMinutes(2);
            c.On<JsonElement>("event", e =>
            {
                var at = Stopwatch.GetTimestamp();
                var received = DateTime.UtcNow;
                if (Volatile.Read(ref measuring) == 0 || e.GetProperty("type").GetString() != "token.created") return;
                var name = e.GetProperty("data").GetProperty("name").GetString()!;
                receipts.Add(new Receipt(name, isB, at, e.GetProperty("time").GetDateTime().ToUniversalTime(), received));
            });
            await c.StartAsync();
            await c.InvokeAsync<string>("Subscribe", "user/*");
            connections.Add(c);
        }
        for (var i = 0; i < onA; i++) await ConnectAsync(a, false);
        for (var i = 0; i < onB; i++) await ConnectAsync(b, true);

        using var http = a.Client(token);
        var returned = new Dictionary<string, long>();
        async Task CauseAsync(string name)
        {
            using var response = await http.PostAsJsonAsync("/api/v1/tokens", new { name, roles = new[] { "Viewer" } });
            var at = Stopwatch.GetTimestamp();
            if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"Creating a token failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            lock (returned) returned[name] = at;
        }

        // Warm-up: the first sends on each connection and the first tail reads pay for JIT.
        for (var i = 0; i < 5; i++) { await CauseAsync($"warm-{label}-{i}"); await Task.Delay(200); }
        await Task.Delay(2000);
        Volatile.Write(ref measuring, 1);
        var pace = Stopwatch.StartNew();
        for (var i = 0; i < events; i++)
        {
            var due = TimeSpan.FromMilliseconds(200 * i);
            if (pace.Elapsed < due) await Task.Delay(due - pace.Elapsed);
            await CauseAsync($"fan-{label}-{i}");
        }
        var expected = events * (onA + onB);
        var wait = Stopwatch.StartNew();
        while (receipts.Count(r => r.Name.StartsWith("fan-", StringComparison.Ordinal)) < expected && wait.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(100);
        Volatile.Write(ref measuring, 0);
        foreach (var c in connections) await c.DisposeAsync();
        var measured = receipts.Where(r => r.Name.StartsWith("fan-", StringComparison.Ordinal)).ToList();
        return new Run(measured, returned, expected - measured.Count);
    }
}
