namespace OpsConsole.Core.Migrations.Orchestration;

public enum DeploymentPlanStatus
{
    /// <summary>The expand batch is waiting for approval or running; the rollout has not started.</summary>
    Expanding,
    RollingOut,
    /// <summary>The rollout succeeded; the contract batch is waiting for approval or running.</summary>
    Contracting,
    Succeeded,
    Failed,
}

/// <summary>
/// A rollout tied to its service's migrations: the pending expand changes are applied before the
/// rollout's first step (a failed expand means the rollout never starts), and the contract changes
/// after the rollout succeeded (Healthy). Each migration step is an ordinary batch (approval rules
/// of the target apply to each).
/// </summary>
public sealed class DeploymentPlan
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Service { get; set; }
    public required string Environment { get; set; }
    public required string Version { get; set; }
    public string? StrategyJson { get; set; }
    public string ConfigJson { get; set; } = "{}";
    public required string RequestedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DeploymentPlanStatus Status { get; set; }
    public Guid? ExpandBatchId { get; set; }
    public Guid? RolloutId { get; set; }
    public Guid? ContractBatchId { get; set; }
    public string Message { get; set; } = "";
}
