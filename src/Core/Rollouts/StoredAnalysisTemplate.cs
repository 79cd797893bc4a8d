using System.Text.Json;

namespace OpsConsole.Core.Rollouts;

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
