namespace OpsConsole.Core.Promotions;

public enum PromotionStatus { WaitingForGates, AwaitingApproval, Deploying, Succeeded, Failed, Rejected, Cancelled }

public enum ApprovalDecision { Approved, Rejected }

/// <summary>
/// A request to deploy one release of a service to one environment of its pipeline. It waits at the
/// stage's gates (re-evaluated whenever checks, approvals or time change), then carries out a
/// deployment plan and ends Succeeded or Failed; a ReleaseManager's rejection or a cancellation ends
/// it earlier. At most one promotion per service and environment is in flight (<see cref="InFlightKey"/>
/// is unique while set).
/// </summary>
public sealed class Promotion
{
    public const int MaxCommentLength = 2000;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Service { get; set; }
    public required string Version { get; set; }
    public required string Environment { get; set; }
    public Guid ReleaseId { get; set; }
    public required string RequestedBy { get; set; }
    public DateTime RequestedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public PromotionStatus Status { get; set; }

    /// <summary>The hash of the environment's config snapshot when the promotion was asked for.</summary>
    public string ConfigHashAtRequest { get; set; } = "";

    /// <summary>The latest gate evaluations, as a JSON array of <see cref="GateResult"/>.</summary>
    public string GatesJson { get; set; } = "[]";
    public DateTime? EvaluatedAt { get; set; }

    public List<PromotionApproval> Approvals { get; set; } = [];

    public Guid? PlanId { get; set; }
    public Guid? RolloutId { get; set; }

    /// <summary>The config snapshot's hash recorded on the plan (what was deployed).</summary>
    public string? DeployedConfigHash { get; set; }
    public string Message { get; set; } = "";

    public string? FreezeOverrideBy { get; set; }
    public string? FreezeOverrideReason { get; set; }
    public DateTime? FreezeOverrideAt { get; set; }

    /// <summary>"service/environment" while the promotion is not finished, null after: a unique index keeps one in flight.</summary>
    public string? InFlightKey { get; set; }

    /// <summary>Bumped on every change; a concurrency token, so two replicas or two clicks cannot both move it on.</summary>
    public int Generation { get; set; }

    public string Subject => $"{Service}/{Environment}";

    public bool IsFinished => Status is PromotionStatus.Succeeded or PromotionStatus.Failed or PromotionStatus.Rejected or PromotionStatus.Cancelled;

    public bool IsWaiting => Status is PromotionStatus.WaitingForGates or PromotionStatus.AwaitingApproval;

    public IReadOnlyList<GateResult> Gates => GateResult.ParseList(GatesJson);
}

/// <summary>One ReleaseManager's decision on a promotion, tied to the release and config it was given for.</summary>
public sealed class PromotionApproval
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid PromotionId { get; set; }
    public required string By { get; set; }
    public DateTime At { get; set; }
    public string Comment { get; set; } = "";
    public ApprovalDecision Decision { get; set; }
    public required string ConfigHash { get; set; }
    public Guid ReleaseId { get; set; }
}

/// <summary>
/// Where a release stands in one environment: running since, healthy since, superseded by a later
/// release; and whether it was rejected for the pipeline after a failed promotion (and who lifted that).
/// </summary>
public sealed class ReleaseEnvironment
{
    public Guid ReleaseId { get; set; }
    public required string Service { get; set; }
    public required string Version { get; set; }
    public required string Environment { get; set; }
    public DateTime? RunningSince { get; set; }
    public DateTime? HealthySince { get; set; }
    public DateTime? SupersededAt { get; set; }
    public bool RejectedForPipeline { get; set; }
    public string? RejectedReason { get; set; }
    public DateTime? RejectedAt { get; set; }
    public string? LiftedBy { get; set; }
    public string? LiftedReason { get; set; }
    public DateTime? LiftedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public bool IsRunning => RunningSince is not null && SupersededAt is null;
}
