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
/// The whole on-call chain with real parts: Alertmanager on loopback posts to a console on a real
/// socket, whose route tree sends the alert to a receiver with an escalation policy (paging a user by
/// email through a real SMTP sink), a Slack-compatible webhook (a loopback listener) and an incident.
/// </summary>
public sealed class FullChainTests
{
    [Fact]
    public async Task An_alert_through_alertmanager_is_stored_routed_pages_by_webhook_and_email_opens_an_incident_and_resolves()
    {
        Assert.True(File.Exists(RealAlertmanagerTests.AlertmanagerBinary), "prometheus-alertmanager is missing: test.sh installs Debian's package.");
        var smtpPort = AlertmanagerProcess.FreePort();
        var maildir = Path.Combine(Path.GetTempPath(), "opsconsole-smtp-" + Guid.NewGuid().ToString("N"));
        using var sink = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{smtpPort}", "-c", "aiosmtpd.handlers.Mailbox", maildir])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        using var hook = new HttpListener();
        var hookPort = AlertmanagerProcess.FreePort();
        hook.Prefixes.Add($"http://127.0.0.1:{hookPort}/");
        hook.Start();
        var hookBodies = new List<string>();
        var listening = Task.Run(async () =>
        {
            while (hook.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await hook.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                using (var reader = new StreamReader(ctx.Request.InputStream))
                {
                    var body = await reader.ReadToEndAsync();
                    lock (hookBodies) hookBodies.Add(body);
                }
                ctx.Response.StatusCode = 200;
                ctx.Response.Close();
            }
        });
        try
        {
            await Wait.UntilAsync(() =>
            {
                try
                {
                    using var c = new TcpClient();
                    c.Connect(IPAddress.Loopback, smtpPort);
                    return Task.FromResult(true);
                }
                catch (SocketException)
                {
                    return sink.HasExited ? throw new InvalidOperationException("The SMTP sink exited: " + sink.StandardError.ReadToEnd()) : Task.FromResult(false);
                }
            }, "the SMTP sink to listen");

            await using var factory = ConsoleFactory.With(new Dictionary<string, string?>
            {
                ["OPS_SMTP_HOST"] = "127.0.0.1",
                ["OPS_SMTP_PORT"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["OPS_SMTP_FROM"] = "pager@console.test",
                ["OPS_EGRESS_ALLOW"] = $"127.0.0.1:9,127.0.0.1:{hookPort}",
            });
            factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
            factory.StartServer();
            var console = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var admin = new HttpClient { BaseAddress = new Uri(console) };
            admin.DefaultRequestHeaders.Authorization = new("Bearer", factory.AdminToken);

            // ana is on call in a schedule the policy pages; the receiver also posts to the webhook and opens a SEV2 incident.
            var ana = Names.Unique("ana");
            await admin.PostAsJsonAsync("/api/v1/users", new { userName = ana, password = "a-long-password-1", roles = new[] { "OnCall" }, email = "ana@example.test" }, TestApi.Json)
                .EnsureStatusAsync(HttpStatusCode.Created);
            var receiver = Names.Unique("pager");
            await admin.PostAsJsonAsync("/api/v1/oncall/schedules", new
            {
                name = receiver + "-sched",
                layers = new[] { new { users = new[] { ana }, rotationLength = 1, unit = "Days", handoffTime = "09:00", timeZone = "Europe/Berlin", startDate = "2026-01-01" } },
            }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
            await admin.PostAsJsonAsync("/api/v1/oncall/policies", new
            {
                name = receiver + "-policy",
                levels = new[] { new { targets = new[] { new { kind = "Schedule", name = receiver + "-sched" } }, delayMinutes = 5 } },
                repeatCount = 0,
            }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
            await admin.PostAsJsonAsync("/api/v1/oncall/receivers", new
            {
                name = receiver, escalationPolicy = receiver + "-policy", webhookUrl = $"http://127.0.0.1:{hookPort}/slack", opensIncident = "SEV2",
            }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
            await admin.PutAsJsonAsync("/api/v1/alert-routes", new
            {
                alertmanagerYaml = $"""
                    route:
                      receiver: default
                      group_by: [alertname, service]
                      group_wait: 1s
                      group_interval: 2s
                      routes:
                        - matchers: [service="checkout"]
                          receiver: {receiver}
                    receivers: [{"{"} name: default {"}"}, {"{"} name: {receiver} {"}"}]
                    """,
            }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
            var (_, token) = await admin.CreateTokenAsync("AlertIngest");

            await using var am = await AlertmanagerProcess.StartAsync($"{console}/api/v1/alerts/alertmanager", token);
            var labels = new Dictionary<string, string> { ["alertname"] = Names.Unique("CheckoutErrors"), ["service"] = "checkout", ["environment"] = "prod", ["severity"] = "page" };
            var fingerprint = AlertFingerprint.Compute(labels);
            var startsAt = DateTime.UtcNow;
            await am.Client.PostAsJsonAsync("/api/v2/alerts", new[] { new { labels, annotations = new { summary = "5xx above 5%" }, startsAt } }).EnsureStatusAsync(HttpStatusCode.OK);

            // Stored and routed to the receiver.
            await Wait.UntilAsync(async () => (await admin.GetAsync($"/api/v1/alerts/{fingerprint}")).StatusCode == HttpStatusCode.OK, "the alert in the console", TimeSpan.FromSeconds(60));
            var detail = await (await admin.GetAsync($"/api/v1/alerts/{fingerprint}")).ReadJsonAsync();
            Assert.Contains(receiver, detail.ToString(), StringComparison.Ordinal);

            // Paged: a page for the alert, the webhook got Slack-compatible JSON, ana got an email.
            await Wait.UntilAsync(async () => (await (await admin.GetAsync("/api/v1/pages?open=true")).ReadJsonAsync()).EnumerateArray()
                .Any(p => p.GetProperty("fingerprints").EnumerateArray().Any(f => f.GetString() == fingerprint)), "a page for the alert", TimeSpan.FromSeconds(60));
            await Wait.UntilAsync(() => { lock (hookBodies) return Task.FromResult(hookBodies.Any(b => b.Contains("\"text\"", StringComparison.Ordinal) && b.Contains(labels["alertname"], StringComparison.Ordinal))); },
                "the webhook's Slack-compatible message", TimeSpan.FromSeconds(60));
            var newDir = Path.Combine(maildir, "new");
            await Wait.UntilAsync(() => Task.FromResult(Directory.Exists(newDir) && Directory.GetFiles(newDir).Select(File.ReadAllText).Any(m => m.Contains("To: ana@example.test", StringComparison.Ordinal))),
                "the page's email in the SMTP sink", TimeSpan.FromSeconds(60));

            // An open SEV2 incident holds the alert.
            await Wait.UntilAsync(async () => (await (await admin.GetAsync("/api/v1/incidents?status=active")).ReadJsonAsync()).EnumerateArray()
                .Any(i => i.GetProperty("severity").GetString() == "SEV2" && i.GetProperty("alerts").EnumerateArray().Any(a => a.GetProperty("fingerprint").GetString() == fingerprint)),
                "an incident holding the alert", TimeSpan.FromSeconds(60));

            // Resolved through Alertmanager.
            await am.Client.PostAsJsonAsync("/api/v2/alerts", new[] { new { labels, startsAt, endsAt = DateTime.UtcNow } }).EnsureStatusAsync(HttpStatusCode.OK);
            await Wait.UntilAsync(async () =>
                (await (await admin.GetAsync($"/api/v1/alerts/{fingerprint}")).ReadJsonAsync()).GetProperty("alert").GetProperty("status").GetString() == "resolved",
                "the alert resolved in the console", TimeSpan.FromSeconds(60));
        }
        finally
        {
            hook.Stop();
            hook.Close();
            await listening;
            if (!sink.HasExited) sink.Kill(entireProcessTree: true);
            await sink.WaitForExitAsync();
            try { Directory.Delete(maildir, recursive: true); } catch (IOException) { }
        }
    }
}
