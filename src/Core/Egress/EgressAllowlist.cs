using System.Globalization;
using System.Net;

namespace OpsConsole.Core.Egress;

/// <summary>
/// Hosts an Admin allows the console to call although they are on a blocked range: a comma- or
/// space-separated list of <c>host</c> (any port) or <c>host:port</c> entries, e.g.
/// <c>127.0.0.1:9090,prometheus.internal,[::1]:8080</c> (OPS_EGRESS_ALLOW). A name entry lets that
/// name through as written in a URL; an address entry lets that address through whatever name led to it.
/// </summary>
public sealed class EgressAllowlist
{
    public static readonly EgressAllowlist Empty = new([]);

    private readonly IReadOnlyList<(string Host, int? Port)> _entries;

    private EgressAllowlist(IReadOnlyList<(string Host, int? Port)> entries) => _entries = entries;

    public IReadOnlyList<string> Entries => _entries.Select(e => e.Port is { } p ? $"{(e.Host.Contains(':') ? $"[{e.Host}]" : e.Host)}:{p}" : e.Host).ToList();

    public static EgressAllowlist Parse(string? text)
    {
        var entries = new List<(string, int?)>();
        foreach (var raw in (text ?? "").Split([',', ' ', ';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var entry = raw.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(raw, UriKind.Absolute, out var u) ? u.Authority : raw;
            if (entry.StartsWith('['))
            {
                var close = entry.IndexOf(']');
                if (close < 0) throw new FormatException($"'{raw}' is not host or host:port.");
                var host = entry[1..close];
                var rest = entry[(close + 1)..];
                entries.Add((host.ToLowerInvariant(), rest.StartsWith(':') ? ParsePort(rest[1..], raw) : null));
            }
            else if (entry.Count(c => c == ':') == 1)
            {
                var at = entry.IndexOf(':');
                entries.Add((entry[..at].ToLowerInvariant(), ParsePort(entry[(at + 1)..], raw)));
            }
            else entries.Add((entry.ToLowerInvariant(), null)); // a name, an IPv4 address, or a bare IPv6 address
        }
        return new EgressAllowlist(entries);
    }

    public bool AllowsHost(string host, int port)
    {
        host = host.Trim('[', ']').TrimEnd('.').ToLowerInvariant();
        return _entries.Any(e => e.Host == host && (e.Port is null || e.Port == port));
    }

    public bool AllowsAddress(IPAddress address, int port)
    {
        address = EgressPolicy.Normalise(address);
        return _entries.Any(e => (e.Port is null || e.Port == port) && IPAddress.TryParse(e.Host, out var a) && EgressPolicy.Normalise(a).Equals(address));
    }

    private static int ParsePort(string text, string raw) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port : throw new FormatException($"'{raw}' has no valid port.");
}
