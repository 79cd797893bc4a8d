using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Cluster;

/// <summary>
/// What to run: a version of the service, how many instances, and its configuration as environment
/// variables (only application keys: see <see cref="WorkloadConfig"/>). The revision's <see cref="Name"/> is derived from the version and the configuration
/// (like a pod-template hash), so the same spec always names the same revision and deploying it
/// again is a no-op, while the same version with a different configuration is a different revision.
/// The instance count is not part of the identity: changing it is a scale.
/// </summary>
public sealed partial record RevisionSpec
{
    public const int MaxInstances = 20;

    public RevisionSpec(string version, int instances = 1, IReadOnlyDictionary<string, string>? config = null)
    {
        if (string.IsNullOrEmpty(version) || !VersionPattern().IsMatch(version))
            throw new InvalidInputException("version",
                $"The version '{version}' is not valid: use 1 to 40 letters, digits, '.', '-' or '_', starting with a letter or digit (e.g. 1.2.0).");
        if (instances is < 0 or > MaxInstances)
            throw new InvalidInputException("instances", $"The instance count must be between 0 and {MaxInstances}; {instances} was given.");
        WorkloadConfig.Validate(config);
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in config ?? new Dictionary<string, string>()) sorted[key] = value;
        Version = version;
        Instances = instances;
        Config = sorted;
        Name = sorted.Count == 0 ? version : $"{version}-{ConfigHash(sorted)}";
    }

    public string Version { get; }
    public int Instances { get; }

    /// <summary>Environment variables for every instance, sorted by name.</summary>
    public IReadOnlyDictionary<string, string> Config { get; }

    /// <summary>The revision's name: the version alone when there is no config, else <c>version-hash8</c>.</summary>
    public string Name { get; }

    /// <summary>The same revision with another instance count.</summary>
    public RevisionSpec WithInstances(int instances) => new(Version, instances, Config);

    public bool Equals(RevisionSpec? other) => other is not null && Name == other.Name && Instances == other.Instances;
    public override int GetHashCode() => HashCode.Combine(Name, Instances);

    private static string ConfigHash(SortedDictionary<string, string> config)
    {
        var text = new StringBuilder();
        foreach (var (k, v) in config) text.Append(k).Append('=').Append(v).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..8];
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
    private static partial Regex VersionPattern();
}
