using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using OpsConsole.Core.Egress;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Core.Tests.OnCall;

/// <summary>Real deliveries: a webhook over HTTP on loopback through the egress policy, email to a real SMTP server (Debian's aiosmtpd).</summary>
public sealed class DeliveryTests
{
    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static async Task WaitForAsync(Func<bool> condition, string what, int seconds = 20)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"Timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_page_posts_Slack_json_to_an_allowed_webhook_and_a_blocked_one_fails_without_leaking_its_path()
    {
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var received = new List<(string ContentType, string Path, string Body)>();
        var serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                lock (received) received.Add((ctx.Request.ContentType ?? "", ctx.Request.Url!.AbsolutePath, body));
                ctx.Response.StatusCode = 200;
                ctx.Response.Close();
            }
        });

        var egress = new EgressPolicy(EgressAllowlist.Parse($"127.0.0.1:{port}"));
        await using var f = await OnCallFixture.CreateAsync(egress: egress, options: new OnCallOptions { PublicUrl = "https://console.test" });
        await f.SetUpPolicyAsync(webhook: $"http://127.0.0.1:{port}/services/T0/B0/SECRETTOKEN");
        await f.NotifyAsync(OnCallFixture.Notification());

        var (contentType, path, raw) = Assert.Single(received);
        Assert.StartsWith("application/json", contentType, StringComparison.Ordinal);
        Assert.Equal("/services/T0/B0/SECRETTOKEN", path);
        var json = JsonDocument.Parse(raw).RootElement;
        Assert.Contains("Paging ana", json.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(["section", "context", "actions"], json.GetProperty("blocks").EnumerateArray().Select(b => b.GetProperty("type").GetString()));
        var sent = Assert.Single(await f.RecordsAsync(), r => r.Channel == "webhook");
        Assert.Equal((NotificationOutcome.Sent, $"http://127.0.0.1:{port}"), (sent.Outcome, sent.Recipient));

        // A receiver URL the policy does not allow: refused at connection time, recorded without its secret path.
        var blocked = new OnCallMessenger(new SingleClientFactory(new EgressPolicy()), new OnCallOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<OnCallMessenger>.Instance);
        var result = await blocked.PostWebhookAsync($"http://127.0.0.1:{port}/services/T0/B0/SECRETTOKEN", new SlackMessage("x"), CancellationToken.None);
        Assert.False(result.Ok);
        Assert.Contains("blocked", result.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETTOKEN", result.Detail, StringComparison.Ordinal);
        Assert.Single(received);
        listener.Stop();
        await serving;
    }

    [Fact]
    public async Task A_page_emails_the_paged_person_through_a_real_SMTP_server_with_a_working_ack_link()
    {
        var port = FreePort();
        var maildir = Path.Combine(Path.GetTempPath(), "opsconsole-smtp-" + Guid.NewGuid().ToString("N"));
        using var sink = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", maildir])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        try
        {
            await WaitForAsync(() =>
            {
                try
                {
                    using var c = new TcpClient();
                    c.Connect(IPAddress.Loopback, port);
                    return true;
                }
                catch (SocketException)
                {
                    return sink.HasExited ? throw new InvalidOperationException("The SMTP sink exited: " + sink.StandardError.ReadToEnd()) : false;
                }
            }, "the SMTP sink to listen");

            var options = new OnCallOptions { PublicUrl = "https://console.test", Smtp = new SmtpSettings("127.0.0.1", port, "pager@console.test") };
            await using var f = await OnCallFixture.CreateAsync(options: options, egress: new EgressPolicy());
            await f.SetUpPolicyAsync(webhook: null, emails: ["team@example.test"]);
            await f.NotifyAsync(OnCallFixture.Notification());

            var newDir = Path.Combine(maildir, "new");
            await WaitForAsync(() => Directory.Exists(newDir) && Directory.GetFiles(newDir).Length >= 2, "two messages in the sink");
            var messages = Directory.GetFiles(newDir).Select(File.ReadAllText).ToList();
            var page = messages.Single(m => m.Contains("To: ana@example.test", StringComparison.Ordinal));
            Assert.Contains("Subject: [PAGE] HighErrorRate (checkout)", page, StringComparison.Ordinal);
            Assert.Contains("From: pager@console.test", page, StringComparison.Ordinal);
            Assert.Contains(messages, m => m.Contains("To: team@example.test", StringComparison.Ordinal) && m.Contains("[FIRING:1]", StringComparison.Ordinal));

            // The link in the mail acknowledges the page as ana.
            var unfolded = page.Replace("=\r\n", "", StringComparison.Ordinal).Replace("=\n", "", StringComparison.Ordinal).Replace("=3D", "=", StringComparison.Ordinal);
            var start = unfolded.IndexOf("token=", StringComparison.Ordinal) + "token=".Length;
            var end = unfolded.IndexOfAny(['\r', '\n'], start);
            var token = Uri.UnescapeDataString(unfolded[start..end].Trim());
            var acked = await f.InScopeAsync(sp => Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Paging>(sp).AcknowledgeByLinkAsync(token, "corr-mail"));
            Assert.Equal(("Acknowledged", "ana"), (acked.Status, acked.AcknowledgedBy));
            Assert.Contains(await f.RecordsAsync(), r => r.Channel == "email" && r.Recipient == "ana@example.test" && r.Outcome == NotificationOutcome.Sent);
        }
        finally
        {
            if (!sink.HasExited) sink.Kill(entireProcessTree: true);
            await sink.WaitForExitAsync();
            try { Directory.Delete(maildir, recursive: true); } catch (IOException) { }
        }
    }

    private sealed class SingleClientFactory(EgressPolicy policy) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(policy.CreateHandler()) { Timeout = TimeSpan.FromSeconds(5) };
    }
}
