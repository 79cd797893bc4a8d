using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Persistence;

// Posts the same alerts, in the same batches and with the same concurrency, to the console's
// ingestion (POST /api/v1/alerts: dedup by fingerprint, routing into aggregation groups, storage with
// history and events) and to Alertmanager's own POST /api/v2/alerts, both on loopback in one run.
// Two rounds each: new alerts, then the same alerts again (the dedup path). Prints alerts/s and ratios.
static class AlertingBenchmark
{
    private const string AlertmanagerBinary = "/usr/bin/prometheus-alertmanager";

    public static async Task<int> Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        var alerts = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20000;
        var batch = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4;
        if (!File.Exists(AlertmanagerBinary))
        {
            Console.Error.WriteLine("prometheus-alertmanager is missing (apt-get install -y prometheus-alertmanager).");
            return 2;
        }
        var dataDir = Path.Combine(Path.GetTempPath(), "opsconsole-bench", Guid.NewGuid().ToString("N"));
        var token = "opc_admin_" + Guid.NewGuid().ToString("N");
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "MvcTestingAppManifest.json"))).RootElement;
        var consoleDir = manifest.EnumerateObject().First(p => p.Name.StartsWith("OpsConsole.Console,", StringComparison.Ordinal)).Value.GetString()!;
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_OPSCONSOLE_CONSOLE", consoleDir);

        await using var factory = new BenchFactory(dataDir, token);
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var consoleAddress = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var console = new HttpClient { BaseAddress = new Uri(consoleAddress) };
        console.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var routes = """
            route:
              receiver: default
              group_by: [alertname, service]
              routes:
                - matchers: ['service=~"checkout|payments"']
                  receiver: shop
                  continue: true
                - matchers: ['severity="page"']
                  receiver: pager
                - matchers: ['team=~"db|storage"']
                  receiver: storage
            receivers: [{ name: default }, { name: shop }, { name: pager }, { name: storage }]
            inhibit_rules:
              - source_matchers: [alertname="ServiceDown"]
                target_matchers: [severity="warning"]
                equal: [service]
            """;
        (await console.PutAsync("/api/v1/alert-routes", Json(new { alertmanagerYaml = routes }))).EnsureSuccessStatusCode();

        var amDir = Path.Combine(dataDir, "am");
        Directory.CreateDirectory(amDir);
        // The same tree; Alertmanager's receivers have no integrations, so it only ingests, routes and groups.
        File.WriteAllText(Path.Combine(amDir, "am.yml"), routes);
        var port = FreePort();
        var psi = new ProcessStartInfo(AlertmanagerBinary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { $"--config.file={amDir}/am.yml", $"--storage.path={amDir}/data", $"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", $"--web.external-url=http://127.0.0.1:{port}" })
            psi.ArgumentList.Add(a);
        using var am = Process.Start(psi)!;
        am.OutputDataReceived += (_, _) => { };
        am.ErrorDataReceived += (_, _) => { };
        am.BeginOutputReadLine();
        am.BeginErrorReadLine();
        try
        {
            using var amClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            for (var i = 0; ; i++)
            {
                try { if ((await amClient.GetAsync("/-/ready")).IsSuccessStatusCode) break; } catch (HttpRequestException) { }
                if (i > 200) throw new InvalidOperationException("Alertmanager did not become ready.");
                await Task.Delay(50);
            }

            var bodies = Bodies(alerts, batch);
            Console.WriteLine($"# alert ingestion: {alerts} alerts in batches of {batch}, {concurrency} concurrent clients, loopback; console store SQLite (WAL)");
            // warm-up: JIT, connection pools (different alerts, not counted)
            var warm = Bodies(Math.Min(1000, alerts), batch, "warmup");
            await Drive(console, "/api/v1/alerts", warm, concurrency);
            await Drive(amClient, "/api/v2/alerts", warm, concurrency);

            var consoleNew = await Drive(console, "/api/v1/alerts", bodies, concurrency);
            var amNew = await Drive(amClient, "/api/v2/alerts", bodies, concurrency);
            var consoleRepeat = await Drive(console, "/api/v1/alerts", bodies, concurrency);
            var amRepeat = await Drive(amClient, "/api/v2/alerts", bodies, concurrency);

            var stored = await factory.Services.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext().Alerts.CountAsync();
            Console.WriteLine($"console stored {stored} alerts (expected {alerts + Math.Min(1000, alerts)})");
            Console.WriteLine("| round | console alerts/s | Alertmanager alerts/s | console / Alertmanager |");
            Console.WriteLine("|---|---|---|---|");
            Console.WriteLine($"| new alerts | {alerts / consoleNew:F0} | {alerts / amNew:F0} | {amNew / consoleNew:F2}x |");
            Console.WriteLine($"| same alerts again (dedup) | {alerts / consoleRepeat:F0} | {alerts / amRepeat:F0} | {amRepeat / consoleRepeat:F2}x |");
            return 0;
        }
        finally
        {
            if (!am.HasExited) { am.Kill(entireProcessTree: true); am.WaitForExit(); }
            try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
        }
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>The alerts as JSON arrays, one per batch; the same bytes go to both.</summary>
    private static List<byte[]> Bodies(int count, int batch, string prefix = "Bench")
    {
        string[] services = ["checkout", "payments", "catalog", "search", "auth"];
        string[] severities = ["page", "warning", "info"];
        string[] teams = ["web", "db", "storage", "platform"];
        var startsAt = DateTime.UtcNow;
        var result = new List<byte[]>();
        for (var i = 0; i < count; i += batch)
        {
            var items = Enumerable.Range(i, Math.Min(batch, count - i)).Select(n => new
            {
                labels = new Dictionary<string, string>
                {
                    ["alertname"] = $"{prefix}{n % 50}",
                    ["service"] = services[n % services.Length],
                    ["severity"] = severities[n % severities.Length],
                    ["team"] = teams[n % teams.Length],
                    ["instance"] = $"10.0.{n / 250}.{n % 250}:9100",
                },
                annotations = new Dictionary<string, string> { ["summary"] = $"alert {n} fired", ["runbook_url"] = "https://runbooks.example/x" },
                startsAt,
                generatorURL = "http://prometheus.example/graph",
            });
            result.Add(JsonSerializer.SerializeToUtf8Bytes(items));
        }
        return result;
    }

    /// <summary>Seconds to post every body, <paramref name="concurrency"/> requests in flight.</summary>
    private static async Task<double> Drive(HttpClient client, string path, List<byte[]> bodies, int concurrency)
    {
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Count)
            {
                var content = new ByteArrayContent(bodies[i]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await client.PostAsync(path, content);
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }));
        return watch.Elapsed.TotalSeconds;
    }
}

sealed class BenchFactory(string dataDir, string token) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("OPS_DATA_DIR", dataDir);
        builder.UseSetting("OPS_ADMIN_PASSWORD", "bench-" + Guid.NewGuid().ToString("N"));
        builder.UseSetting("OPS_ADMIN_TOKEN", token);
        builder.UseSetting("OPS_INSTANCE", "bench-" + Guid.NewGuid().ToString("N")[..8]);
        builder.UseSetting("OPS_DEMO", "false");
        builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
    }
}
