using System.Globalization;

namespace OpsConsole.Console.Hosting;

/// <summary>The console's edge-security settings (OPS_* environment variables; the README's Security section lists them).</summary>
public sealed class SecuritySettings
{
    /// <summary>Password sign-in posts per client address per minute (OPS_SIGNIN_ATTEMPTS_PER_MINUTE, default 20; 0 = no limit).</summary>
    public int SignInAttemptsPerMinute { get; init; } = 20;

    /// <summary>Audit export/verify and migration status reads per user per minute (OPS_EXPENSIVE_READS_PER_MINUTE, default 10; 0 = no limit).</summary>
    public int ExpensiveReadsPerMinute { get; init; } = 10;

    /// <summary>Live-event subscriptions one hub connection may hold (OPS_HUB_MAX_SUBSCRIPTIONS, default 50).</summary>
    public int MaxHubSubscriptions { get; init; } = 50;

    /// <summary>Trust X-Forwarded-For and X-Forwarded-Proto from <see cref="TrustedProxies"/> (OPS_FORWARDED_HEADERS, default false).</summary>
    public bool ForwardedHeaders { get; init; }

    /// <summary>Proxy addresses or CIDR networks whose forwarded headers count (OPS_TRUSTED_PROXIES, comma-separated; default loopback only).</summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];

    /// <summary>Where the data-protection key ring lives (OPS_KEYS_DIR, default DATA/keys).</summary>
    public required string KeysDirectory { get; init; }

    /// <summary>A PFX whose certificate encrypts the key ring at rest (OPS_KEYS_CERT, with OPS_KEYS_CERT_PASSWORD).</summary>
    public string? KeysCertificatePath { get; init; }
    public string? KeysCertificatePassword { get; init; }

    public static SecuritySettings From(IConfiguration config, ConsoleSettings console) => new()
    {
        SignInAttemptsPerMinute = Int(config, "OPS_SIGNIN_ATTEMPTS_PER_MINUTE", 20),
        ExpensiveReadsPerMinute = Int(config, "OPS_EXPENSIVE_READS_PER_MINUTE", 10),
        MaxHubSubscriptions = Math.Max(1, Int(config, "OPS_HUB_MAX_SUBSCRIPTIONS", 50)),
        ForwardedHeaders = config["OPS_FORWARDED_HEADERS"] is { } f && (f == "1" || f.Equals("true", StringComparison.OrdinalIgnoreCase)),
        TrustedProxies = (config["OPS_TRUSTED_PROXIES"] ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        KeysDirectory = config["OPS_KEYS_DIR"] is { Length: > 0 } k ? Path.GetFullPath(k) : console.KeysDirectory,
        KeysCertificatePath = config["OPS_KEYS_CERT"] is { Length: > 0 } c ? Path.GetFullPath(c) : null,
        KeysCertificatePassword = config["OPS_KEYS_CERT_PASSWORD"],
    };

    private static int Int(IConfiguration config, string key, int fallback) =>
        int.TryParse(config[key], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : fallback;
}
