using System.Net;
using System.Net.Sockets;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Egress;

/// <summary>
/// Where the console's outbound HTTP (analysis checks, webhooks) may go. URLs come from people
/// (templates, webhook settings), so without this anyone allowed to write one could make the
/// console call its own API, the cluster's instances, the cloud metadata service or the private
/// network behind it. Every address a host name resolves to is checked when the connection is
/// made (<see cref="ConnectAsync"/>, used as SocketsHttpHandler.ConnectCallback), so a name that
/// resolves to a public address when saved and to a private one later (DNS rebinding) is caught;
/// the connection goes to the checked address, never to a second lookup. Redirects are not
/// followed and no proxy is used (the proxy, not the console, would pick the address).
/// <para>
/// Exceptions: hosts an Admin allowlists (<see cref="EgressAllowlist"/>, OPS_EGRESS_ALLOW) and the
/// endpoints the embedded cluster exposes (its ingresses on loopback), given as <c>trustedEndpoints</c>.
/// </para>
/// </summary>
public sealed class EgressPolicy(EgressAllowlist? allowlist = null, Func<IEnumerable<Uri>>? trustedEndpoints = null)
{
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(3);

    public EgressAllowlist Allowlist { get; } = allowlist ?? EgressAllowlist.Empty;

    /// <summary>
    /// Why the console does not call this address, or null when it may. Covers IPv4 0/8, 10/8,
    /// 100.64/10, 127/8, 169.254/16 (cloud metadata), 172.16/12, 192.0.0/24, 192.168/16, 198.18/15,
    /// multicast and reserved; IPv6 ::, ::1, fc00::/7, fe80::/10, fec0::/10, multicast, and IPv4
    /// addresses carried inside IPv6 (mapped, compatible, NAT64, 6to4).
    /// </summary>
    public static string? BlockedReason(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.IsIPv4MappedToIPv6) return BlockedReason(address.MapToIPv4());
            var b = address.GetAddressBytes();
            if (IPAddress.IPv6Loopback.Equals(address)) return "a loopback address";
            if (IPAddress.IPv6Any.Equals(address)) return "the unspecified address";
            if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "a link-local address";
            if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return "a site-local address";
            if ((b[0] & 0xfe) == 0xfc) return "a private (unique local) address";
            if (b[0] == 0xff) return "a multicast address";
            // IPv4 inside IPv6: compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach the IPv4 address.
            if (b.Take(12).All(x => x == 0)) return BlockedReason(new IPAddress(b[12..16]));
            if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.Skip(4).Take(8).All(x => x == 0)) return BlockedReason(new IPAddress(b[12..16]));
            if (b[0] == 0x20 && b[1] == 0x02) return BlockedReason(new IPAddress(b[2..6]));
            return null;
        }
        if (address.AddressFamily != AddressFamily.InterNetwork) return "not an IP address";
        var v = address.GetAddressBytes();
        return v switch
        {
            [0, ..] => "the 'this network' range (0.0.0.0/8)",
            [10, ..] => "a private address (10.0.0.0/8)",
            [100, >= 64 and <= 127, ..] => "a shared address (100.64.0.0/10)",
            [127, ..] => "a loopback address",
            [169, 254, 169, 254] => "the cloud metadata address",
            [169, 254, ..] => "a link-local address",
            [172, >= 16 and <= 31, ..] => "a private address (172.16.0.0/12)",
            [192, 0, 0, _] => "an IETF protocol address (192.0.0.0/24)",
            [192, 168, ..] => "a private address (192.168.0.0/16)",
            [198, 18 or 19, ..] => "a benchmarking address (198.18.0.0/15)",
            [>= 224 and <= 239, ..] => "a multicast address",
            [>= 240, ..] => "a reserved or broadcast address",
            _ => null,
        };
    }

    public static bool IsBlocked(IPAddress address) => BlockedReason(address) is not null;

    /// <summary>Whether a connection to this address and port is allowed: a public address, an allowlisted one, or a cluster endpoint.</summary>
    public bool Permits(IPAddress address, int port) =>
        !IsBlocked(address) || Allowlist.AllowsAddress(address, port) || IsTrustedEndpoint(address, port);

    /// <summary>
    /// Checks a URL as it is saved: an http(s) URL whose host is a literal address the console does not
    /// call is refused with what to do. Host names pass here; they are checked when connecting.
    /// </summary>
    public void CheckUrl(Uri url, string field)
    {
        if (Allowlist.AllowsHost(url.IdnHost, url.Port)) return;
        if (!IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out var address)) return;
        if (BlockedReason(address) is { } why && !Permits(address, url.Port))
            throw new InvalidInputException(field,
                $"{url.Scheme}://{url.Authority} is {why}; the console does not call such addresses. Use the server's public name or address, " +
                $"or ask an Admin to allow it with OPS_EGRESS_ALLOW={url.Authority} if it is a server you run (e.g. a Prometheus on this host).");
    }

    /// <summary>
    /// Resolves the host, drops every address the policy does not permit, and connects to the first
    /// remaining one that answers. Throws <see cref="EgressBlockedException"/> when none is permitted.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var port = context.DnsEndPoint.Port;
        var byName = Allowlist.AllowsHost(host, port);
        IPAddress[] addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, ct);
        var permitted = byName ? addresses : addresses.Where(a => Permits(a, port)).ToArray();
        if (permitted.Length == 0)
        {
            var first = addresses.FirstOrDefault();
            throw new EgressBlockedException(first is null
                ? $"Egress to {host}:{port} is blocked: the name resolves to no address."
                : $"Egress to {host}:{port} is blocked: it resolves to {first}, {BlockedReason(first)}. An Admin can allow a server they run with OPS_EGRESS_ALLOW.");
        }

        Exception? last = null;
        foreach (var address in permitted)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw new HttpRequestException($"Could not connect to {host}:{port}: {last?.Message}", last);
    }

    /// <summary>
    /// A handler whose every connection goes through <see cref="ConnectAsync"/>: no proxy, no
    /// redirects (a redirect's target would be another URL nobody checked at save), no cookies,
    /// a connect timeout, and pooled connections recycled so a changed DNS answer is checked again.
    /// </summary>
    public SocketsHttpHandler CreateHandler(TimeSpan? connectTimeout = null) => new()
    {
        ConnectCallback = ConnectAsync,
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectTimeout = connectTimeout ?? DefaultConnectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        MaxResponseHeadersLength = 64,
        ActivityHeadersPropagator = null,
    };

    private bool IsTrustedEndpoint(IPAddress address, int port)
    {
        if (trustedEndpoints is null) return false;
        foreach (var endpoint in trustedEndpoints())
        {
            if (endpoint.Port != port || !IPAddress.TryParse(endpoint.IdnHost.Trim('[', ']'), out var trusted)) continue;
            if (Normalise(trusted).Equals(Normalise(address))) return true;
        }
        return false;
    }

    /// <summary>What went wrong with an outbound request, in words a person can act on: the policy's refusal when that was the cause.</summary>
    public static string Describe(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is EgressBlockedException blocked) return blocked.Message;
        return e is TaskCanceledException ? "No answer in time." : e.Message;
    }

    internal static IPAddress Normalise(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
}

/// <summary>URLs as logs, events and the audit trail show them: scheme, host and port only.</summary>
public static class SafeUrl
{
    /// <summary>
    /// <c>https://hooks.example.com/services/T0/B0/secret?token=x</c> becomes <c>https://hooks.example.com</c>:
    /// webhook and check URLs often carry a credential in their path or query.
    /// </summary>
    public static string SchemeAndHost(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"
            ? $"{u.Scheme}://{(u.HostNameType == UriHostNameType.IPv6 ? $"[{u.IdnHost.Trim('[', ']')}]" : u.IdnHost)}{(u.IsDefaultPort ? "" : $":{u.Port}")}"
            : "(not an http URL)";

    /// <summary>Replaces the full URL (and its path and query) wherever it occurs in a message.</summary>
    public static string Scrub(string message, string? url)
    {
        if (string.IsNullOrEmpty(url) || !Uri.TryCreate(url, UriKind.Absolute, out var u)) return message;
        var safe = SchemeAndHost(url);
        message = message.Replace(url, safe, StringComparison.Ordinal).Replace(u.ToString(), safe, StringComparison.Ordinal)
            .Replace(u.AbsoluteUri, safe, StringComparison.Ordinal);
        if (u.PathAndQuery.Length > 1) message = message.Replace(u.PathAndQuery, "/…", StringComparison.Ordinal);
        return message;
    }
}
