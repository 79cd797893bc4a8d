using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts.Analysis;

namespace OpsConsole.Core.Rollouts;

/// <summary>Analysis runs of a rollout and what their outcome does to it.</summary>
public sealed partial class RolloutEngine
{
    /// <summary>Successful continues (false); Failed and Error abort (or pause, if the template says); Inconclusive pauses. True when the tick must stop.</summary>
    private async Task<bool> OnAnalysisOutcomeAsync(Rollout r, AnalysisRun run, AnalysisPhase phase, List<RolloutEvent> events, DateTime now, CancellationToken ct)
    {
        switch (phase)
        {
            case AnalysisPhase.Running:
            case AnalysisPhase.Successful:
                return false;
            case AnalysisPhase.Inconclusive:
                r.Pause($"Analysis {run.TemplateName} was inconclusive: {run.Message} Promote to go on, or abort.", byUser: false);
                return true;
            default:
                events.Add(new RolloutEvent(EventTypes.AnalysisFailed, new
                {
                    rolloutId = r.Id, service = r.Service, environment = r.Environment, version = r.Version,
                    analysisRunId = run.Id, template = run.TemplateName, phase = phase.ToString(), reason = run.Message,
                    judgeVerdict = Judge.JudgeVerdict.FromJson(run.VerdictJson)?.Brief(),
                    measurements = run.Measurements.OrderBy(m => m.At).Select(m => new { m.Metric, m.At, m.Value, phase = m.Phase.ToString() }),
                }));
                if (AnalysisRunner.TemplateOf(run).OnFailure == FailurePolicy.Pause)
                {
                    r.Pause($"Analysis {run.TemplateName} {phase.ToString().ToLowerInvariant()}: {run.Message} The template pauses instead of aborting.", byUser: false);
                    return true;
                }
                await AbortAsync(r, $"Analysis {run.TemplateName} {phase.ToString().ToLowerInvariant()}: {run.Message}", run, events, now, ct);
                return true;
        }
    }

    private AnalysisRun EnsureRun(Rollout r, string templateName, AnalysisRunKind kind, int? step, DateTime now)
    {
        // A step's run belongs to this visit of the step; the others to this attempt (a retry starts afresh).
        var since = kind == AnalysisRunKind.Step ? r.StepStartedAt : r.AttemptStartedAt;
        var run = r.AnalysisRuns.LastOrDefault(a => a.Kind == kind && a.StepIndex == step && a.TemplateName == templateName && a.StartedAt >= since);
        if (run is not null) return run;
        var template = _templates.Find(templateName)
                       ?? throw new Domain.InvalidInputException("strategy", $"The analysis template '{templateName}' does not exist.");
        run = AnalysisRunner.Start(r, template, kind, step, now);
        r.AnalysisRuns.Add(run);
        return run;
    }

    private static void StopRuns(Rollout r, DateTime now, string why)
    {
        foreach (var run in r.AnalysisRuns) AnalysisRunner.Stop(run, now, why);
    }
}
