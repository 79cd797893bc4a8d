using System.Net;
using System.Net.Sockets;
using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Egress;

namespace OpsConsole.Core.Tests.Egress;

/// <summary>Which addresses the console's outbound HTTP may reach, the allowlist, and URLs as logs show them.</summary>
public sealed class EgressPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.1.2.3", "loopback")]
    [InlineData("::1", "loopback")]
    [InlineData("0.0.0.0", "this network")]
    [InlineData("::", "unspecified")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("169.254.169.254", "metadata")]
    [InlineData("169.254.1.1", "link-local")]
    [InlineData("100.64.0.1", "shared")]
    [InlineData("100.127.255.255", "shared")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fc00::1", "private")]
    [InlineData("fd00:ec2::254", "private")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:169.254.169.254", "metadata")]
    [InlineData("::ffff:10.0.0.1", "private")]
    [InlineData("64:ff9b::a9fe:a9fe", "metadata")]
    [InlineData("2002:7f00:1::1", "loopback")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("255.255.255.255", "broadcast")]
    public void Internal_addresses_are_blocked_with_the_reason(string address, string reason)
    {
        var why = EgressPolicy.BlockedReason(IPAddress.Parse(address));
        Assert.NotNull(why);
        Assert.Contains(reason, why);
        Assert.False(new EgressPolicy().Permits(IPAddress.Parse(address), 80));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("192.169.0.1")]
    [InlineData("169.255.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void Public_addresses_pass(string address)
    {
        Assert.Null(EgressPolicy.BlockedReason(IPAddress.Parse(address)));
        Assert.True(new EgressPolicy().Permits(IPAddress.Parse(address), 443));
    }

    [Fact]
    public void The_allowlist_takes_hosts_with_or_without_a_port()
    {
        var allow = EgressAllowlist.Parse(" 127.0.0.1:9090, prometheus.internal ,[::1]:8080;10.0.0.7 ");
        Assert.True(allow.AllowsAddress(IPAddress.Parse("127.0.0.1"), 9090));
        Assert.True(allow.AllowsAddress(IPAddress.Parse("::ffff:127.0.0.1"), 9090));
        Assert.False(allow.AllowsAddress(IPAddress.Parse("127.0.0.1"), 9091));
        Assert.True(allow.AllowsHost("Prometheus.Internal", 1234));
        Assert.True(allow.AllowsAddress(IPAddress.Parse("::1"), 8080));
        Assert.True(allow.AllowsAddress(IPAddress.Parse("10.0.0.7"), 1));
        Assert.False(allow.AllowsHost("localhost", 9090));
        Assert.Equal(["127.0.0.1:9090", "prometheus.internal", "[::1]:8080", "10.0.0.7"], allow.Entries);

        var policy = new EgressPolicy(allow);
        Assert.True(policy.Permits(IPAddress.Loopback, 9090));
        Assert.False(policy.Permits(IPAddress.Loopback, 5080));
        Assert.Throws<FormatException>(() => EgressAllowlist.Parse("127.0.0.1:http"));
        Assert.Throws<FormatException>(() => EgressAllowlist.Parse("127.0.0.1:70000"));
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://127.0.0.1:5080/api/v1/me")]
    [InlineData("http://[::1]:8080/")]
    [InlineData("https://10.0.0.5/hook")]
    [InlineData("http://[::ffff:192.168.0.1]/")]
    [InlineData("http://2130706433/")] // 127.0.0.1 written as one number
    [InlineData("http://0x7f000001/")]
    [InlineData("http://127.1/")]
    public void A_url_with_a_literal_internal_address_is_refused_when_saved_with_what_to_do(string url)
    {
        var error = Assert.Throws<InvalidInputException>(() => new EgressPolicy().CheckUrl(new Uri(url), "url"));
        Assert.Contains("OPS_EGRESS_ALLOW", error.Message);
        Assert.True(error.Errors.ContainsKey("url"));
    }

    [Theory]
    [InlineData("https://hooks.example.com/services/T0/B0/x", null)]
    [InlineData("http://127.0.0.1:9090/api/v1/query", "127.0.0.1:9090")]
    [InlineData("http://prometheus.internal:9090/", "prometheus.internal")]
    [InlineData("http://localhost:9090/", null)] // a name: checked when connecting
    public void Public_names_and_allowlisted_hosts_pass_when_saved(string url, string? allow) =>
        new EgressPolicy(EgressAllowlist.Parse(allow)).CheckUrl(new Uri(url), "url");

    [Fact]
    public async Task A_connection_to_loopback_is_refused_before_any_byte_is_sent_and_an_allowlisted_one_is_made()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        foreach (var url in new[] { $"http://127.0.0.1:{port}/", $"http://localhost:{port}/", $"http://[::ffff:127.0.0.1]:{port}/" })
        {
            using var guarded = new HttpClient(new EgressPolicy().CreateHandler());
            var error = await Assert.ThrowsAnyAsync<HttpRequestException>(() => guarded.GetAsync(url));
            Assert.Contains("blocked", EgressPolicy.Describe(error));
        }
        Assert.False(listener.Pending(), "no connection reached the listener");

        using var allowed = new HttpClient(new EgressPolicy(EgressAllowlist.Parse($"127.0.0.1:{port}")).CreateHandler()) { Timeout = TimeSpan.FromSeconds(10) };
        var request = allowed.GetAsync($"http://127.0.0.1:{port}/");
        await AnswerOnceAsync(listener);
        Assert.Equal(HttpStatusCode.NoContent, (await request).StatusCode);
    }

    /// <summary>Accepts one connection and answers 204, as a minimal HTTP server.</summary>
    private static async Task AnswerOnceAsync(TcpListener listener)
    {
        using var accepted = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var stream = accepted.GetStream();
        var buffer = new byte[4096];
        var read = 0;
        while (!System.Text.Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n"))
            read += await stream.ReadAsync(buffer.AsMemory(read)).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await stream.WriteAsync("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"u8.ToArray());
        await stream.FlushAsync();
    }

    [Fact]
    public async Task The_clusters_own_endpoints_are_reachable_by_address_or_by_localhost()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var policy = new EgressPolicy(null, () => [new Uri($"http://127.0.0.1:{port}/")]);
        Assert.True(policy.Permits(IPAddress.Loopback, port));
        Assert.False(policy.Permits(IPAddress.Loopback, port + 1));

        using var client = new HttpClient(policy.CreateHandler()) { Timeout = TimeSpan.FromSeconds(10) };
        var request = client.GetAsync($"http://localhost:{port}/stats");
        await AnswerOnceAsync(listener);
        Assert.Equal(HttpStatusCode.NoContent, (await request).StatusCode);
    }

    [Fact]
    public void The_guarded_handler_follows_no_redirects_and_uses_no_proxy()
    {
        using var handler = new EgressPolicy().CreateHandler();
        Assert.False(handler.AllowAutoRedirect);
        Assert.False(handler.UseProxy);
        Assert.NotNull(handler.ConnectCallback);
        Assert.True(handler.ConnectTimeout <= TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("https://hooks.slack.com/services/T000/B000/XXXXSECRET", "https://hooks.slack.com")]
    [InlineData("http://10.0.0.1:8080/hook?token=abc", "http://10.0.0.1:8080")]
    [InlineData("https://Example.COM:443/a", "https://example.com")]
    [InlineData("http://[::1]:9000/x", "http://[::1]:9000")]
    [InlineData("not a url", "(not an http URL)")]
    public void Urls_are_shown_as_scheme_and_host(string url, string expected) =>
        Assert.Equal(expected, SafeUrl.SchemeAndHost(url));

    [Fact]
    public void A_message_that_quotes_the_url_loses_its_path_and_query()
    {
        const string url = "https://hooks.example.com/services/T0/B0/SECRETPATH?token=SECRETQUERY";
        var scrubbed = SafeUrl.Scrub($"Failed to POST {url} (hooks.example.com:443)", url);
        Assert.DoesNotContain("SECRET", scrubbed);
        Assert.Contains("https://hooks.example.com", scrubbed);
    }
}
