using System.Text.Json;

namespace OpsConsole.Core.Runbooks;

/// <summary>
/// A Markdown runbook with its front matter's fields kept as columns (for lists, matching and the
/// staleness report) and every version of its text. The current version's Markdown is also kept here.
/// </summary>
public sealed class Runbook
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Slug { get; set; }
    public required string Title { get; set; }
    public int Version { get; set; }
    public required string Markdown { get; set; }
    public string ServicesJson { get; set; } = "[]";
    /// <summary>Each entry is one alert matcher set (<c>alertname="HighErrorRate", service="checkout"</c>); entries are alternatives.</summary>
    public string AlertsJson { get; set; } = "[]";
    public string? Severity { get; set; }
    public string OwnersJson { get; set; } = "[]";
    public DateOnly? LastReviewed { get; set; }
    public string TagsJson { get; set; } = "[]";
    /// <summary>The file the runbook was imported from (relative to the runbooks folder), if any.</summary>
    public string? SourceFile { get; set; }
    /// <summary>SHA-256 of that file's content when it was last imported: a later import changes the runbook only when the file changed.</summary>
    public string? SourceHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public required string UpdatedBy { get; set; }

    public List<RunbookVersion> Versions { get; set; } = [];

    public IReadOnlyList<string> Services => Read(ServicesJson);
    public IReadOnlyList<string> Alerts => Read(AlertsJson);
    public IReadOnlyList<string> Owners => Read(OwnersJson);
    public IReadOnlyList<string> Tags => Read(TagsJson);

    /// <summary>Copies the parsed document's fields onto the runbook (the Markdown and the version are set by the caller).</summary>
    public void Apply(RunbookDocument doc)
    {
        Title = doc.Title;
        Markdown = doc.Markdown;
        ServicesJson = JsonSerializer.Serialize(doc.Services);
        AlertsJson = JsonSerializer.Serialize(doc.Alerts.Select(a => a.Text).ToList());
        Severity = doc.Severity;
        OwnersJson = JsonSerializer.Serialize(doc.Owners);
        LastReviewed = doc.LastReviewed;
        TagsJson = JsonSerializer.Serialize(doc.Tags);
    }

    private static List<string> Read(string json) => JsonSerializer.Deserialize<List<string>>(json) ?? [];
}

/// <summary>One saved text of a runbook: who wrote it, when, and how it came in (import, edit).</summary>
public sealed class RunbookVersion
{
    public long Id { get; set; }
    public Guid RunbookId { get; set; }
    public int Number { get; set; }
    public required string Markdown { get; set; }
    public required string Author { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>"import" (from the runbooks folder), "edit" (page or API).</summary>
    public required string Origin { get; set; }
    public string? Comment { get; set; }
}
