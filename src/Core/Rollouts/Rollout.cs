using System.Text.Json;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Rollouts.Analysis;

namespace OpsConsole.Core.Rollouts;

/// <summary>Argo Rollouts' phases: Progressing, Paused, Healthy (done), Degraded (failed), Aborted (rolled back).</summary>
public enum RolloutPhase { Progressing, Paused, Healthy, Degraded, Aborted }

/// <summary>
/// One attempt to move a service in an environment to a new version: the desired state the
/// reconciler drives the cluster towards, and how far it got. Persisted; a restart resumes from it.
/// </summary>
public sealed class Rollout
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Service { get; set; }
    public required string Environment { get; set; }
    public required string Version { get; set; }
    /// <summary>The new revision's name (version plus config hash).</summary>
    public required string Revision { get; set; }
    public string ConfigJson { get; set; } = "{}";
    public int Instances { get; set; } = 1;
    /// <summary>The revision that served before this rollout; traffic returns to it on abort.</summary>
    public string? StableRevision { get; set; }
    public string? StableVersion { get; set; }
    /// <summary>A revision of the stable version started beside the canary while a judged analysis compares them; null otherwise.</summary>
    public string? BaselineRevision { get; set; }
    public string StableConfigJson { get; set; } = "{}";
    public required string StrategyJson { get; set; }

    public RolloutPhase Phase { get; set; } = RolloutPhase.Progressing;
    public int CurrentStepIndex { get; set; }
    public DateTime StepStartedAt { get; set; }
    /// <summary>When this attempt began: the start, or the last retry.</summary>
    public DateTime AttemptStartedAt { get; set; }
    /// <summary>Percent of traffic on the new revision as last set.</summary>
    public int CanaryWeight { get; set; }
    /// <summary>Why the rollout is paused: a timed pause, a pause until promoted, an inconclusive analysis, or a person.</summary>
    public string? PauseReason { get; set; }
    public bool PausedByUser { get; set; }
    public string? Message { get; set; }
    public string? AbortReason { get; set; }
    public bool PromoteFullRequested { get; set; }

    // Blue/green
    public bool Switched { get; set; }
    public DateTime? PreviewReadyAt { get; set; }

    /// <summary>An old revision to scale down once the delay has passed, after success or abort.</summary>
    public string? ScaleDownRevision { get; set; }
    public DateTime? ScaleDownAt { get; set; }

    public required string CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    /// <summary>Optimistic concurrency: two reconcilers never both write a tick.</summary>
    public long Generation { get; set; }

    public List<AnalysisRun> AnalysisRuns { get; set; } = [];

    /// <summary>
    /// Set when a rollback drill started this rollout (a deliberately faulty build): every event it
    /// emits carries <c>"drill": true</c>, so DORA never counts it and a prod rollback opens no incident.
    /// </summary>
    public Guid? DrillRunId { get; set; }

    public ServiceEnvironment Target => new(Service, Environment);
    public bool IsFinished => Phase is RolloutPhase.Healthy or RolloutPhase.Aborted or RolloutPhase.Degraded;

    public RolloutStrategy Strategy => RolloutStrategy.Parse(JsonDocument.Parse(StrategyJson).RootElement);

    public IReadOnlyDictionary<string, string> StableConfig =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(StableConfigJson) ?? [];

    public IReadOnlyDictionary<string, string> Config =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(ConfigJson) ?? [];

    /// <summary>Traffic per revision as the rollout last set it.</summary>
    public IReadOnlyDictionary<string, int> Weights =>
        StableRevision is null || StableRevision == Revision ? new Dictionary<string, int> { [Revision] = 100 }
        : CanaryWeight >= 100 ? new Dictionary<string, int> { [Revision] = 100 }
        : CanaryWeight <= 0 ? new Dictionary<string, int> { [StableRevision] = 100 }
        : BaselineRevision is { } baseline ? WithBaseline(baseline)
        : new Dictionary<string, int> { [StableRevision] = 100 - CanaryWeight, [Revision] = CanaryWeight };

    private Dictionary<string, int> WithBaseline(string baseline)
    {
        var share = Math.Min(CanaryWeight, 100 - CanaryWeight);
        return new Dictionary<string, int> { [StableRevision!] = 100 - CanaryWeight - share, [baseline] = share, [Revision] = CanaryWeight };
    }

    // State changes. The engine and people's actions change a rollout only through these, so the
    // fields that belong together (phase, pause, message, step) never drift apart.

    /// <summary>Waits: at a step, for an analysis, or because a person said so (only a person's pause is resumed).</summary>
    public void Pause(string reason, bool byUser)
    {
        Phase = RolloutPhase.Paused;
        PauseReason = reason;
        PausedByUser = byUser;
        Message = reason;
    }

    /// <summary>Goes on after a person's pause.</summary>
    public void Resume(string message)
    {
        Phase = RolloutPhase.Progressing;
        PausedByUser = false;
        PauseReason = null;
        Message = message;
    }

    /// <summary>Moves to the next canary step, which starts now; any pause ends.</summary>
    public void AdvanceStep(DateTime now)
    {
        CurrentStepIndex++;
        StepStartedAt = now;
        Phase = RolloutPhase.Progressing;
        PauseReason = null;
        PausedByUser = false;
    }

    /// <summary>Asks the next tick to take the new revision to all traffic at once (a person's pause ends; a step's reason stays until then).</summary>
    public void RequestFullPromotion()
    {
        PromoteFullRequested = true;
        Phase = RolloutPhase.Progressing;
        PausedByUser = false;
    }

    /// <summary>Blue/green: asks the next tick to switch the traffic to the preview (any pause lasts until then).</summary>
    public void RequestSwitch() => PromoteFullRequested = true;

    /// <summary>Blue/green: the new revision took the traffic.</summary>
    public void MarkSwitched(string message)
    {
        Switched = true;
        Phase = RolloutPhase.Progressing;
        PauseReason = null;
        PausedByUser = false;
        Message = message;
    }

    /// <summary>Done: the new version is stable.</summary>
    public void Finish(DateTime now, string message)
    {
        Phase = RolloutPhase.Healthy;
        CompletedAt = now;
        PromoteFullRequested = false;
        PauseReason = null;
        Message = message;
    }

    /// <summary>Rolled back (aborted, or degraded when the new revision never became healthy): no traffic on it any more.</summary>
    public void Abort(string reason, bool degraded, string message, DateTime now)
    {
        CanaryWeight = 0;
        Switched = false;
        Phase = degraded ? RolloutPhase.Degraded : RolloutPhase.Aborted;
        AbortReason = reason;
        CompletedAt = now;
        PauseReason = null;
        PausedByUser = false;
        PromoteFullRequested = false;
        Message = message;
    }

    /// <summary>Refused before anything was deployed: degraded, with nothing on the cluster to roll back.</summary>
    public void Refuse(string reason, DateTime now)
    {
        Phase = RolloutPhase.Degraded;
        AbortReason = reason;
        Message = reason;
        CompletedAt = now;
        UpdatedAt = now;
    }

    /// <summary>A new attempt from the first step, after an abort.</summary>
    public void Restart(DateTime now, string message)
    {
        Phase = RolloutPhase.Progressing;
        CurrentStepIndex = 0;
        CanaryWeight = 0;
        Switched = false;
        PreviewReadyAt = null;
        AbortReason = null;
        CompletedAt = null;
        PauseReason = null;
        PausedByUser = false;
        AttemptStartedAt = now;
        StepStartedAt = now;
        Message = message;
    }
}

public enum AnalysisRunKind { Step, Background, PrePromotion, PostPromotion }

/// <summary>One run of an analysis template against a rollout's new revision, with every measurement.</summary>
public sealed class AnalysisRun
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid RolloutId { get; set; }
    public AnalysisRunKind Kind { get; set; }
    public int? StepIndex { get; set; }
    public required string TemplateName { get; set; }
    public int TemplateVersion { get; set; }
    public required string TemplateJson { get; set; }
    public AnalysisPhase Phase { get; set; } = AnalysisPhase.Running;
    public DateTime StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    /// <summary>Which metric decided the outcome and why, when it did not succeed.</summary>
    public string? Message { get; set; }
    public List<AnalysisMeasurement> Measurements { get; set; } = [];
    /// <summary>The canary judge's latest verdict (JSON of <see cref="Judge.JudgeVerdict"/>), when the run has a judge metric.</summary>
    public string? VerdictJson { get; set; }
}

/// <summary>A stored measurement (the chart's points), with the thresholds in force.</summary>
public sealed class AnalysisMeasurement
{
    public long Id { get; set; }
    public Guid AnalysisRunId { get; set; }
    public required string Metric { get; set; }
    public DateTime At { get; set; }
    public double? Value { get; set; }
    public MeasurementPhase Phase { get; set; }
    public string? Message { get; set; }
}
