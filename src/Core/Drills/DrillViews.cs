namespace OpsConsole.Core.Drills;

/// <summary>A drill as the API and pages show it: its settings, last run, pass rate and next scheduled run.</summary>
public sealed record DrillView(
    Guid Id, string Service, string Environment, IReadOnlyDictionary<string, string> Fault, string Cron, int TargetSeconds, int TimeoutSeconds,
    string? ExpectedAlert, bool Enabled, bool AllowProd, string CreatedBy, DateTime CreatedAt, DateTime? NextRunAt,
    int Runs, int PassedRuns, double? PassRate, DrillRunView? LastRun)
{
    public static DrillView From(Drill d, IReadOnlyList<DrillRun> runs, DateTime now)
    {
        var finished = runs.Where(r => r.Status != DrillRunStatus.Running).ToList();
        var passed = finished.Count(r => r.Passed);
        return new DrillView(d.Id, d.Service, d.Environment, d.Fault, d.Cron, d.TargetSeconds, d.TimeoutSeconds, d.ExpectedAlert, d.Enabled, d.AllowProd,
            d.CreatedBy, d.CreatedAt, d.Enabled ? DrillRules.NextRun(d.Cron, now) : null, finished.Count, passed,
            finished.Count == 0 ? null : (double)passed / finished.Count,
            runs.OrderByDescending(r => r.StartedAt).FirstOrDefault() is { } last ? DrillRunView.From(last) : null);
    }
}

/// <summary>One run: status Running|Passed|Failed, the measured seconds and the verdict.</summary>
public sealed record DrillRunView(
    Guid Id, Guid DrillId, string Service, string Environment, string Status, string TriggeredBy, Guid? RolloutId, DateTime StartedAt,
    DateTime? FaultLiveAt, DateTime? DetectedAt, DateTime? StableAt, double? DetectionSeconds, double? RollbackSeconds, int TargetSeconds,
    string? ExpectedAlert, bool? AlertFired, bool RunbookLinked, string? Runbook, bool AbortedByDrill, bool Passed, string? Reason, long? IncidentId,
    DateTime? CompletedAt)
{
    public static DrillRunView From(DrillRun r) => new(
        r.Id, r.DrillId, r.Service, r.Environment, r.Status.ToString(), r.TriggeredBy, r.RolloutId, r.StartedAt, r.FaultLiveAt, r.DetectedAt, r.StableAt,
        r.DetectionSeconds, r.RollbackSeconds, r.TargetSeconds, r.ExpectedAlert, r.AlertFired, r.RunbookLinked, r.Runbook, r.AbortedByDrill, r.Passed,
        r.Reason, r.IncidentId, r.CompletedAt);
}

/// <summary>A drill as it is submitted.</summary>
public sealed record DrillRequest(
    string? Service, string? Environment, Dictionary<string, string?>? Fault, string? Cron, int? TargetSeconds,
    string? ExpectedAlert = null, bool? Enabled = null, bool? AllowProd = null, int? TimeoutSeconds = null);
