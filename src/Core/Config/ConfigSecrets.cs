using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;

namespace OpsConsole.Core.Config;

/// <summary>Encrypts config secrets at rest with the console's data-protection keys, and names the references snapshots carry.</summary>
public sealed partial class ConfigSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("OpsConsole.Config.Secret.v1");

    public string Protect(string value) => _protector.Protect(value);

    public string Unprotect(string protectedValue) => _protector.Unprotect(protectedValue);

    /// <summary><c>${secret:NAME@VERSION}</c>: what a snapshot holds in place of a secret's value.</summary>
    public static string Reference(string key, int version) => $"${{secret:{key}@{version}}}";

    /// <summary>Reads a whole-value reference; false for anything else (a plain value).</summary>
    public static bool TryParseReference(string value, out string key, out int version)
    {
        var m = ReferencePattern().Match(value);
        key = m.Success ? m.Groups[1].Value : "";
        version = m.Success && int.TryParse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0;
        return m.Success && version > 0;
    }

    [GeneratedRegex(@"^\$\{secret:([A-Z][A-Z0-9_]{0,63})@([0-9]{1,9})\}$")]
    private static partial Regex ReferencePattern();
}
