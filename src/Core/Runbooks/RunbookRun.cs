namespace OpsConsole.Core.Runbooks;

public enum RunbookStepState { Pending, Done, Skipped, Failed }

public enum RunbookStepKind { Task, Action }

/// <summary>
/// Someone following a runbook, standalone or for an incident: the steps of the version they
/// started with, each with its state, who acted, when, their notes and the action's output.
/// </summary>
public sealed class RunbookRun
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid RunbookId { get; set; }
    public required string Slug { get; set; }
    public required string Title { get; set; }
    public int Version { get; set; }
    public long? IncidentId { get; set; }
    public required string StartedBy { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public List<RunbookRunStep> Steps { get; set; } = [];

    public bool IsComplete => Steps.All(s => s.State is RunbookStepState.Done or RunbookStepState.Skipped);
}

public sealed class RunbookRunStep
{
    public long Id { get; set; }
    public Guid RunId { get; set; }
    /// <summary>1-based, in the order the runbook lists its steps.</summary>
    public int Number { get; set; }
    public RunbookStepKind Kind { get; set; }
    public required string Title { get; set; }
    public string? Action { get; set; }
    public string ArgumentsJson { get; set; } = "{}";
    public string? Description { get; set; }
    public RunbookStepState State { get; set; }
    public string? By { get; set; }
    public DateTime? At { get; set; }
    public string? Notes { get; set; }
    public string? Output { get; set; }
}
