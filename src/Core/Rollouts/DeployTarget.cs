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

/// <summary>A stored, versioned analysis template: each save adds a version; rollouts use the latest.</summary>
public sealed class StoredAnalysisTemplate
{
    public required string Name { get; set; }
    public int Version { get; set; }
    public required string Json { get; set; }
    public required string CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }

    public Analysis.AnalysisTemplate Template => JsonSerializer.Deserialize<Analysis.AnalysisTemplate>(Json)! with { Version = Version };
}

/// <summary>
/// The latest version of every template, read once: for one reconciler pass, or for one request
/// (read on first use, so requests that never look a template up never query for them).
/// </summary>
public sealed class TemplateSnapshot : IAnalysisTemplates
{
    private readonly Lazy<Dictionary<string, Analysis.AnalysisTemplate>> _latest;

    public TemplateSnapshot(IEnumerable<StoredAnalysisTemplate> stored) : this(() => stored) { }

    public TemplateSnapshot(Func<IEnumerable<StoredAnalysisTemplate>> load) =>
        _latest = new(() => load().GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.OrderByDescending(s => s.Version).First().Template));

    public Analysis.AnalysisTemplate? Find(string name) => _latest.Value.GetValueOrDefault(name);
    public IEnumerable<Analysis.AnalysisTemplate> All => _latest.Value.Values;
}
