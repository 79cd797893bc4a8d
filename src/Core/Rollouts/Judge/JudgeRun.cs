using OpsConsole.Core.Cluster;
using OpsConsole.Core.Rollouts.Analysis;

namespace OpsConsole.Core.Rollouts.Judge;

/// <summary>
/// A judge metric inside an analysis run: each due tick reads a fresh verdict and keeps it with the
/// run (the verdict page shows it live); once the judge decides, one measurement with the score and
/// the decisive sentence ends the metric.
/// </summary>
public static class JudgeRun
{
    public static async Task<AnalysisPhase> TickAsync(CanaryJudge? judge, AnalysisRun run, AnalysisMetric metric, ServiceEnvironment target,
        string canary, string? baseline, DateTime now, Func<bool> due, CancellationToken ct)
    {
        var taken = run.Measurements.Where(x => x.Metric == metric.Name).OrderBy(x => x.At).ToList();
        if (taken.LastOrDefault(x => x.Phase != MeasurementPhase.Error) is { } decided) return PhaseOf(decided.Phase);
        var errors = taken.AsEnumerable().Reverse().TakeWhile(x => x.Phase == MeasurementPhase.Error).Count();
        if (errors > metric.ConsecutiveErrorLimit) return AnalysisPhase.Error;
        var spec = metric.Judge ?? new JudgeSpec();
        // A request that crosses an errors test's abort boundary asks for a look at once: the judge decides per request, not per interval.
        if (baseline is not null) judge?.Follow(run.Id, spec, target, canary, baseline, run.StartedAt);
        var crossed = judge?.TakeCrossed(run.Id) ?? false;
        if (!crossed && !due()) return AnalysisPhase.Running;

        AnalysisMeasurement? measurement = null;
        try
        {
            if (judge is null) throw new InvalidOperationException("No canary judge is configured in this console.");
            if (baseline is null) throw new InvalidOperationException("The judge compares the canary with a baseline revision, which only a canary analysis step starts.");
            await Task.Yield();
            ct.ThrowIfCancellationRequested();
            var verdict = judge.Judge(spec, target, canary, baseline, run.StartedAt);
            run.VerdictJson = verdict.ToJson();
            judge.Follow(run.Id, spec, target, canary, baseline, run.StartedAt, verdict);
            if (verdict.IsDecided)
                measurement = new AnalysisMeasurement
                {
                    Metric = metric.Name, At = now, Value = verdict.Score, Message = verdict.Summary,
                    Phase = verdict.Outcome switch
                    {
                        JudgeOutcome.Pass => MeasurementPhase.Successful,
                        JudgeOutcome.Fail => MeasurementPhase.Failed,
                        _ => MeasurementPhase.Inconclusive,
                    },
                };
        }
        catch (InvalidOperationException ex)
        {
            measurement = new AnalysisMeasurement { Metric = metric.Name, At = now, Phase = MeasurementPhase.Error, Message = ex.Message };
        }
        if (measurement is null) return AnalysisPhase.Running;
        measurement.AnalysisRunId = run.Id;
        run.Measurements.Add(measurement);
        if (measurement.Phase != MeasurementPhase.Error) return PhaseOf(measurement.Phase);
        return errors + 1 > metric.ConsecutiveErrorLimit ? AnalysisPhase.Error : AnalysisPhase.Running;
    }

    /// <summary>Whether the template compares with a baseline (then the canary step starts one).</summary>
    public static bool IsJudged(AnalysisTemplate? template) => template?.Metrics.Any(m => m.Source == MetricSource.Judge) == true;

    private static AnalysisPhase PhaseOf(MeasurementPhase p) => p switch
    {
        MeasurementPhase.Successful => AnalysisPhase.Successful,
        MeasurementPhase.Failed => AnalysisPhase.Failed,
        MeasurementPhase.Inconclusive => AnalysisPhase.Inconclusive,
        _ => AnalysisPhase.Error,
    };
}
