using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Alerting;

namespace OpsConsole.Console.Tests.Alerting;

/// <summary>
/// A real Alertmanager (Debian's prometheus-alertmanager, installed by test.sh) on loopback whose
/// webhook receiver points at a console on a real socket, authenticated with an ingestion-only token.
/// </summary>
public sealed class RealAlertmanagerTests
{
    public const string AlertmanagerBinary = "/usr/bin/prometheus-alertmanager";

    [Fact]
    public async Task An_alert_posted_to_alertmanager_reaches_the_console_is_routed_and_resolves()
    {
        Assert.True(File.Exists(AlertmanagerBinary), "prometheus-alertmanager is missing: test.sh installs Debian's package.");
        await using var factory = new AlertingConsoleFactory();
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var console = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var admin = new HttpClient { BaseAddress = new Uri(console) };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", factory.AdminToken);
        await admin.PutAsJsonAsync("/api/v1/alert-routes", new
        {
            alertmanagerYaml = """
                route:
                  receiver: default
                  group_by: [alertname]
                  group_wait: 1s
                  group_interval: 1s
                  routes:
                    - matchers: [service="checkout"]
                      receiver: checkout-oncall
                receivers: [{ name: default }, { name: checkout-oncall }]
                """,
        }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        var (_, token) = await admin.CreateTokenAsync("AlertIngest");

        await using var am = await AlertmanagerProcess.StartAsync($"{console}/api/v1/alerts/alertmanager", token);
        var labels = new Dictionary<string, string> { ["alertname"] = Names.Unique("CheckoutErrors"), ["service"] = "checkout", ["environment"] = "prod", ["severity"] = "page" };
        var fingerprint = AlertFingerprint.Compute(labels);
        var startsAt = DateTime.UtcNow;
        await am.Client.PostAsJsonAsync("/api/v2/alerts", new[] { new { labels, annotations = new { summary = "5xx above 5%" }, startsAt } }).EnsureStatusAsync(HttpStatusCode.OK);

        // stored under Alertmanager's own fingerprint, which is the one the console computes from the labels
        await Wait.UntilAsync(async () => (await admin.GetAsync($"/api/v1/alerts/{fingerprint}")).StatusCode == HttpStatusCode.OK, "the alert in the console", TimeSpan.FromSeconds(60));
        var stored = await factory.WithStoreAsync(db => Task.FromResult(db.Alerts.Single(a => a.Fingerprint == fingerprint)));
        Assert.Equal("alertmanager", stored.Source);
        Assert.Contains("\"groupKey\"", stored.EnvelopeJson, StringComparison.Ordinal);
        await Wait.UntilAsync(() => Task.FromResult(factory.Receivers.Sent.Any(n => n.Receiver == "checkout-oncall" && n.Alerts.Any(a => a.Fingerprint == fingerprint))),
            "the routed notification", TimeSpan.FromSeconds(60));

        await am.Client.PostAsJsonAsync("/api/v2/alerts", new[] { new { labels, startsAt, endsAt = DateTime.UtcNow } }).EnsureStatusAsync(HttpStatusCode.OK);
        await Wait.UntilAsync(async () =>
            (await (await admin.GetAsync($"/api/v1/alerts/{fingerprint}")).ReadJsonAsync()).GetProperty("alert").GetProperty("status").GetString() == "resolved",
            "the alert resolved in the console", TimeSpan.FromSeconds(60));
        await Wait.UntilAsync(() => Task.FromResult(factory.Receivers.Sent.Any(n => n.Receiver == "checkout-oncall" && n.Status == AlertStatus.Resolved && n.Alerts.Any(a => a.Fingerprint == fingerprint))),
            "the resolved notification", TimeSpan.FromSeconds(30));
    }
}

/// <summary>A throwaway Alertmanager on a free loopback port, with one webhook receiver.</summary>
public sealed class AlertmanagerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly string directory;

    private AlertmanagerProcess(Process process, string directory, string address)
    {
        this.process = process;
        this.directory = directory;
        Address = address;
        Client = new HttpClient { BaseAddress = new Uri(address) };
    }

    public string Address { get; }
    public HttpClient Client { get; }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<AlertmanagerProcess> StartAsync(string webhookUrl, string bearer, string groupWait = "0s", string groupInterval = "1s")
    {
        var dir = Path.Combine(Path.GetTempPath(), "opsconsole-am-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "am.yml"), $"""
            route:
              receiver: console
              group_by: [alertname]
              group_wait: {groupWait}
              group_interval: {groupInterval}
              repeat_interval: 1h
            receivers:
              - name: console
                webhook_configs:
                  - url: {webhookUrl}
                    send_resolved: true
                    max_alerts: 0
                    http_config:
                      authorization:
                        type: Bearer
                        credentials: {bearer}
            """);
        var port = FreePort();
        var address = $"http://127.0.0.1:{port}";
        var psi = new ProcessStartInfo(RealAlertmanagerTests.AlertmanagerBinary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { $"--config.file={dir}/am.yml", $"--storage.path={dir}/data", $"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", $"--web.external-url={address}" })
            psi.ArgumentList.Add(arg);
        var process = Process.Start(psi)!;
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var am = new AlertmanagerProcess(process, dir, address);
        await Wait.UntilAsync(async () =>
        {
            if (process.HasExited) throw new InvalidOperationException($"Alertmanager exited with {process.ExitCode}.");
            try { return (await am.Client.GetAsync("/-/ready")).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
        }, "Alertmanager to be ready");
        return am;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
