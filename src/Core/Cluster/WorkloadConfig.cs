using System.Text.RegularExpressions;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Cluster;

/// <summary>
/// The rule for a revision's config: the environment variables a rollout may give its workload.
/// Keys are application settings written in upper case (<c>^[A-Z][A-Z0-9_]{0,63}$</c>, e.g.
/// <c>FAULT_ERROR_RATE</c>, <c>FEATURE_X</c>); a key that steers the loader, the runtime, the
/// host, TLS trust, proxies or another language's interpreter is refused, because whoever may
/// start a rollout could otherwise run code of their choosing in the workload's process (e.g.
/// <c>LD_PRELOAD</c>, <c>DOTNET_STARTUP_HOOKS</c>) or redirect its traffic. The same rule is
/// applied where a config is accepted (start rollout, deployment plan), when a revision is
/// described (<see cref="RevisionSpec"/>) and by the local cluster before it starts a process.
/// </summary>
public static partial class WorkloadConfig
{
    public const int MaxKeys = 50;
    public const int MaxValueLength = 4096;

    /// <summary>Variables the cluster sets itself (identity, port, supervision).</summary>
    public static readonly IReadOnlySet<string> ReservedKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "SERVICE_NAME", "SERVICE_VERSION", "SERVICE_ENVIRONMENT", "REVISION", "INSTANCE_ID", "PORT",
    };

    /// <summary>Whole names that change how a process is found, started or where it writes.</summary>
    public static readonly IReadOnlySet<string> DeniedKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "PATH", "HOME", "USER", "SHELL", "TMPDIR", "TMP", "TEMP", "IFS", "ENV", "BASH_ENV", "CDPATH", "TZDIR", "LOCPATH", "NLSPATH", "GCONV_PATH", "HOSTALIASES", "RESOLV_HOST_CONF", "RES_OPTIONS", "LOCALDOMAIN",
        "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "FTP_PROXY", "GRPC_PROXY",
        "NODE_OPTIONS", "NODE_PATH", "PERL5LIB", "PERL5OPT", "PERLLIB", "RUBYLIB", "RUBYOPT", "GEM_PATH", "GEM_HOME",
        "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "CLASSPATH", "GLIBC_TUNABLES",
        "SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT", "APPDATA", "LOCALAPPDATA", "PROGRAMDATA", "USERPROFILE",
    };

    /// <summary>
    /// Prefixes of families that load code or change trust: the dynamic loader (LD_, DYLD_), .NET's
    /// host and runtime (DOTNET_, COREHOST_, CORECLR_, COMPLUS_, ASPNETCORE_, NUGET_), TLS trust
    /// (SSL_, OPENSSL_, CURL_CA, REQUESTS_CA), interpreters (PYTHON, NODE_, JAVA_, RUBY, PERL),
    /// malloc tuning, OpenTelemetry export (where telemetry is sent), and the console's own OPS_ settings.
    /// </summary>
    public static readonly IReadOnlyList<string> DeniedPrefixes =
    [
        "LD_", "DYLD_", "DOTNET_", "COREHOST_", "CORECLR_", "COMPLUS_", "ASPNETCORE_", "NUGET_", "MSBUILD",
        "SSL_", "OPENSSL_", "CURL_CA", "REQUESTS_CA", "GIT_SSL", "PYTHON", "NODE_", "NPM_CONFIG_", "JAVA_", "RUBY", "PERL",
        "MALLOC_", "OTEL_", "OPS_", "XDG_", "KUBERNETES_",
    ];

    /// <summary>Checks every key and value; throws <see cref="InvalidInputException"/> naming the first key refused.</summary>
    public static void Validate(IReadOnlyDictionary<string, string>? config, string field = "config")
    {
        if (config is null) return;
        if (config.Count > MaxKeys) throw new InvalidInputException(field, $"A config has at most {MaxKeys} variables; {config.Count} were given.");
        foreach (var (key, value) in config)
        {
            if (Refusal(key) is { } why) throw new InvalidInputException(field, $"'{Shorten(key)}' cannot be part of a revision's config: {why}");
            if (value is null || value.Length > MaxValueLength || value.Any(c => char.IsControl(c) && c is not ('\t' or '\n' or '\r')))
                throw new InvalidInputException(field, $"The value of '{key}' is not valid: at most {MaxValueLength} characters, no control characters.");
        }
    }

    /// <summary>Why the key is refused, or null when it is an application key the workload may receive.</summary>
    public static string? Refusal(string? key)
    {
        if (string.IsNullOrEmpty(key) || !KeyPattern().IsMatch(key))
            return "keys are 1 to 64 upper-case letters, digits and '_', starting with a letter (e.g. FEATURE_FLAG).";
        if (ReservedKeys.Contains(key)) return "the cluster sets it itself.";
        if (DeniedKeys.Contains(key)) return "it changes how the workload's process runs, not the application's settings.";
        if (DeniedPrefixes.FirstOrDefault(p => key.StartsWith(p, StringComparison.Ordinal)) is { } prefix)
            return $"variables starting with {prefix} steer the runtime, the loader, TLS, telemetry or the console itself.";
        return null;
    }

    public static bool IsAllowed(string? key) => Refusal(key) is null;

    private static string Shorten(string key) => key.Length <= 70 ? key : key[..70] + "…";

    [GeneratedRegex("^[A-Z][A-Z0-9_]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
