using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace OpsConsole.Cluster.Tests.Prometheus;

/// <summary>
/// A real Prometheus (Debian's package, installed by test.sh) on loopback, scraping one target every
/// second with a config written here; stopped and its data folder removed on dispose.
/// </summary>
public sealed class PrometheusProcess : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";

    private readonly Process _process;
    private readonly string _directory;

    private PrometheusProcess(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address { get; }
    public HttpClient Client { get; }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (host:port, path /metrics) and waits until the target is up.</summary>
    public static async Task<PrometheusProcess> StartAsync(string target)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: test.sh installs Debian's prometheus package (apt-get install prometheus).");
        var dir = Path.Combine(Path.GetTempPath(), "opsconsole-prom-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: ingress
                metrics_path: /metrics
                static_configs:
                  - targets: ['{target}']
            """);
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}/");
        var psi = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { $"--config.file={dir}/prometheus.yml", $"--storage.tsdb.path={dir}/data", $"--web.listen-address=127.0.0.1:{port}" })
            psi.ArgumentList.Add(arg);
        var process = Process.Start(psi)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var prometheus = new PrometheusProcess(process, dir, address);
        await Eventually.TrueAsync(async () =>
        {
            if (process.HasExited) Assert.Fail($"Prometheus exited with {process.ExitCode}: {string.Join('\n', log.TakeLast(10))}");
            try
            {
                using var doc = JsonDocument.Parse(await prometheus.Client.GetStringAsync("api/v1/targets"));
                return doc.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray().Any(t => t.GetProperty("health").GetString() == "up");
            }
            catch (HttpRequestException) { return false; }
        }, TimeSpan.FromSeconds(60), () => "Prometheus up and its target scraped: " + string.Join('\n', log.TakeLast(5)));
        return prometheus;
    }

    /// <summary>The value of an instant query returning one sample, or null when it returns none.</summary>
    public async Task<double?> QueryAsync(string query)
    {
        using var doc = JsonDocument.Parse(await Client.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString(query)));
        var result = doc.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0 ? null : double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }
}
