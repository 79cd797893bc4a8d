namespace OpsConsole.Core.Rollouts.Analysis;

public enum MeasurementPhase { Successful, Failed, Inconclusive, Error }

public enum AnalysisPhase { Running, Successful, Failed, Inconclusive, Error }

/// <summary>One stored measurement: when, the value (if any), its phase, and why.</summary>
public sealed record Measurement(string Metric, DateTime At, double? Value, MeasurementPhase Phase, string? Message = null);

/// <summary>Decides a metric's and a run's phase from its measurements (Argo Rollouts' rules).</summary>
public static class AnalysisVerdict
{
    public static AnalysisPhase ForMetric(AnalysisMetric metric, IReadOnlyList<Measurement> measurements)
    {
        var failed = measurements.Count(m => m.Phase == MeasurementPhase.Failed);
        var inconclusive = measurements.Count(m => m.Phase == MeasurementPhase.Inconclusive);
        var consecutiveErrors = measurements.AsEnumerable().Reverse().TakeWhile(m => m.Phase == MeasurementPhase.Error).Count();
        if (failed > metric.FailureLimit) return AnalysisPhase.Failed;
        if (consecutiveErrors > metric.ConsecutiveErrorLimit) return AnalysisPhase.Error;
        if (inconclusive > metric.InconclusiveLimit) return AnalysisPhase.Inconclusive;
        var done = metric.Count > 0 && measurements.Count(m => m.Phase != MeasurementPhase.Error) >= metric.Count;
        return done ? AnalysisPhase.Successful : AnalysisPhase.Running;
    }

    /// <summary>
    /// The run's phase: the worst decisive metric phase (Failed, then Error, then Inconclusive);
    /// Successful once every non-dry-run metric is; Running otherwise. Dry-run metrics never decide.
    /// </summary>
    public static AnalysisPhase ForRun(IReadOnlyList<(AnalysisMetric Metric, AnalysisPhase Phase)> metrics)
    {
        var deciding = metrics.Where(m => !m.Metric.DryRun).Select(m => m.Phase).ToList();
        if (deciding.Count == 0) // only dry-run metrics: the run just ends when they do
            return metrics.All(m => m.Phase != AnalysisPhase.Running) ? AnalysisPhase.Successful : AnalysisPhase.Running;
        if (deciding.Contains(AnalysisPhase.Failed)) return AnalysisPhase.Failed;
        if (deciding.Contains(AnalysisPhase.Error)) return AnalysisPhase.Error;
        if (deciding.Contains(AnalysisPhase.Inconclusive)) return AnalysisPhase.Inconclusive;
        return deciding.All(p => p == AnalysisPhase.Successful) ? AnalysisPhase.Successful : AnalysisPhase.Running;
    }
}
