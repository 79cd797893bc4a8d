using System.Globalization;
using System.Text.Json;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Rollouts.Analysis;
using OpsConsole.Core.Rollouts.Judge;

namespace OpsConsole.Core.Rollouts;

/// <summary>
/// Advances an <see cref="AnalysisRun"/>: takes each metric's due measurements, stores them, and
/// decides the run's phase. Idempotent per tick: a measurement is due only once per interval.
/// </summary>
public sealed class AnalysisRunner(IMetricProvider metrics, TimeProvider clock, CanaryJudge? judge = null)
{
    public static AnalysisRun Start(Rollout rollout, AnalysisTemplate template, AnalysisRunKind kind, int? stepIndex, DateTime now) => new()
    {
        RolloutId = rollout.Id,
        Kind = kind,
        StepIndex = stepIndex,
        TemplateName = template.Name,
        TemplateVersion = template.Version,
        TemplateJson = JsonSerializer.Serialize(template),
        StartedAt = now,
    };

    public static AnalysisTemplate TemplateOf(AnalysisRun run) => JsonSerializer.Deserialize<AnalysisTemplate>(run.TemplateJson)!;

    /// <summary>Takes the measurements that are due and returns the run's phase after them (<paramref name="baseline"/>: the revision a judge compares with).</summary>
    public async Task<AnalysisPhase> TickAsync(AnalysisRun run, ServiceEnvironment target, string revision, CancellationToken ct, string? baseline = null)
    {
        if (run.Phase != AnalysisPhase.Running) return run.Phase;
        var compiled = TemplateOf(run).Compile();
        var now = clock.GetUtcNow().UtcDateTime;
        var phases = new List<(AnalysisMetric, AnalysisPhase)>();
        foreach (var metric in compiled.Metrics)
        {
            var m = metric.Metric;
            if (m.Source == MetricSource.Judge)
            {
                var judged = run.Measurements.Where(x => x.Metric == m.Name).OrderBy(x => x.At).ToList();
                phases.Add((m, await JudgeRun.TickAsync(judge, run, m, target, revision, baseline, now, () => IsDue(run, m, judged, now), ct)));
                continue;
            }
            var taken = run.Measurements.Where(x => x.Metric == m.Name).OrderBy(x => x.At).ToList();
            var phase = AnalysisVerdict.ForMetric(m, taken.Select(ToMeasurement).ToList());
            if (phase == AnalysisPhase.Running && IsDue(run, m, taken, now))
            {
                var value = await metrics.MeasureAsync(m, target, revision, ct);
                var measurement = Judge(metric, value, now);
                measurement.AnalysisRunId = run.Id;
                run.Measurements.Add(measurement);
                taken.Add(measurement);
                phase = AnalysisVerdict.ForMetric(m, taken.Select(ToMeasurement).ToList());
            }
            phases.Add((m, phase));
        }
        var runPhase = AnalysisVerdict.ForRun(phases);
        if (runPhase != AnalysisPhase.Running)
        {
            run.Phase = runPhase;
            run.CompletedAt = now;
            run.Message = Explain(run, compiled, phases);
        }
        return runPhase;
    }

    /// <summary>Ends a run that is no longer needed (the rollout moved on or was aborted).</summary>
    public static void Stop(AnalysisRun run, DateTime now, string why)
    {
        if (run.Phase != AnalysisPhase.Running) return;
        run.Phase = AnalysisPhase.Successful;
        run.CompletedAt = now;
        run.Message = why;
    }

    private static bool IsDue(AnalysisRun run, AnalysisMetric m, List<AnalysisMeasurement> taken, DateTime now)
    {
        if (now < run.StartedAt + m.InitialDelay) return false;
        // The first measurement waits one interval so it covers a full window of traffic.
        var last = taken.Count == 0 ? run.StartedAt + m.InitialDelay : taken[^1].At;
        // A template stored before the limits existed still measures at most once a second (the judge reads memory: as often as it says).
        return now >= last + (m.Interval < AnalysisTemplate.MinInterval && m.Source != MetricSource.Judge ? AnalysisTemplate.MinInterval : m.Interval);
    }

    private static AnalysisMeasurement Judge(CompiledMetric metric, MetricValue value, DateTime now)
    {
        if (value.TooFewRequests)
            return new AnalysisMeasurement { Metric = metric.Metric.Name, At = now, Phase = MeasurementPhase.Inconclusive, Message = value.Error };
        if (value.Value is not { } v)
            return new AnalysisMeasurement { Metric = metric.Metric.Name, At = now, Phase = MeasurementPhase.Error, Message = value.Error };
        try
        {
            return new AnalysisMeasurement { Metric = metric.Metric.Name, At = now, Value = v, Phase = metric.Judge(v) };
        }
        catch (Exception ex)
        {
            return new AnalysisMeasurement { Metric = metric.Metric.Name, At = now, Value = v, Phase = MeasurementPhase.Error, Message = ex.Message };
        }
    }

    private static Measurement ToMeasurement(AnalysisMeasurement m) => new(m.Metric, m.At, m.Value, m.Phase, m.Message);

    private static string? Explain(AnalysisRun run, CompiledTemplate template, List<(AnalysisMetric Metric, AnalysisPhase Phase)> phases)
    {
        var decisive = phases.FirstOrDefault(p => !p.Metric.DryRun && p.Phase is AnalysisPhase.Failed or AnalysisPhase.Error or AnalysisPhase.Inconclusive);
        if (decisive.Metric is null) return null;
        if (decisive.Metric.Source == MetricSource.Judge)
            return $"Judge '{decisive.Metric.Name}' {decisive.Phase.ToString().ToLowerInvariant()}: " +
                   (run.Measurements.Where(x => x.Metric == decisive.Metric.Name).OrderBy(x => x.At).LastOrDefault()?.Message ?? "no verdict.");
        var compiled = template.Metrics.First(c => c.Metric.Name == decisive.Metric.Name);
        var values = run.Measurements.Where(x => x.Metric == decisive.Metric.Name).OrderBy(x => x.At)
            .Select(x => x.Value is { } v ? v.ToString("0.####", CultureInfo.InvariantCulture) : x.Phase.ToString().ToLowerInvariant()).ToList();
        var rule = compiled.Failure is not null ? $"failure when {compiled.Failure}" : $"success when {compiled.Success}";
        return $"Metric '{decisive.Metric.Name}' {decisive.Phase.ToString().ToLowerInvariant()} ({rule}); measured: {string.Join(", ", values)}.";
    }
}
