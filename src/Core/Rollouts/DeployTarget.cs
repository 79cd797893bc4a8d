using System.Text.Json;
using OpsConsole.Core.Cluster;

namespace OpsConsole.Core.Rollouts;

/// <summary>
/// A service in an environment the console deploys to, with the revision that is stable there now
/// and the strategy a rollout uses when its request names none.
/// </summary>
public sealed class DeployTarget
{
    public required string Service { get; set; }
    public required string Environment { get; set; }
    public string? StableVersion { get; set; }
    public string? StableRevision { get; set; }
    public string StableConfigJson { get; set; } = "{}";
    public int Instances { get; set; } = 1;
    public required string DefaultStrategyJson { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public ServiceEnvironment Target => new(Service, Environment);

    /// <summary>After a rollout succeeds its revision is what the target runs from now on.</summary>
    public void MarkStable(Rollout rollout, DateTime now)
    {
        StableRevision = rollout.Revision;
        StableVersion = rollout.Version;
        StableConfigJson = rollout.ConfigJson;
        UpdatedAt = now;
    }

    public IReadOnlyDictionary<string, string> StableConfig =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(StableConfigJson) ?? [];
}
