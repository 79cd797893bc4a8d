namespace OpsConsole.Core.Alerting;

/// <summary>
/// Alertmanager's alert fingerprint (Prometheus' label-set fingerprint): FNV-1a 64 over the label
/// names in sorted order, each name and value followed by the separator byte 255, printed as 16 hex digits.
/// </summary>
public static class AlertFingerprint
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;
    private const byte Separator = 255;

    public static string Compute(IReadOnlyDictionary<string, string> labels)
    {
        var hash = Offset;
        foreach (var name in labels.Keys.Order(StringComparer.Ordinal))
        {
            hash = Add(hash, name);
            hash = AddByte(hash, Separator);
            hash = Add(hash, labels[name]);
            hash = AddByte(hash, Separator);
        }
        return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static ulong Add(ulong hash, string s)
    {
        Span<byte> buffer = s.Length <= 256 ? stackalloc byte[System.Text.Encoding.UTF8.GetMaxByteCount(s.Length)] : new byte[System.Text.Encoding.UTF8.GetMaxByteCount(s.Length)];
        var n = System.Text.Encoding.UTF8.GetBytes(s, buffer);
        foreach (var b in buffer[..n]) hash = AddByte(hash, b);
        return hash;
    }

    private static ulong AddByte(ulong hash, byte b) => (hash ^ b) * Prime;
}
