using System.Text.Json.Serialization;

namespace OpsConsole.Core.Rollouts;

/// <summary>What the API and the UI show of a rollout.</summary>
public sealed record RolloutView(
    Guid Id, string Service, string Environment, string Version, string Revision, string? StableVersion, string? StableRevision,
    string Strategy, [property: JsonConverter(typeof(JsonStringEnumConverter<RolloutPhase>))] RolloutPhase Phase, int CurrentStepIndex, IReadOnlyList<string> Steps, IReadOnlyDictionary<string, int> Weights,
    string? Message, string? PauseReason, string? AbortReason, string CreatedBy, DateTime CreatedAt, DateTime UpdatedAt, DateTime? CompletedAt,
    IReadOnlyList<AnalysisRunView> AnalysisRuns)
{
    public static RolloutView From(Rollout r)
    {
        var strategy = r.Strategy;
        var steps = strategy.Canary?.Steps.Select(s => s.Describe()).ToList()
                    ?? ["preview by header", .. strategy.BlueGreen!.PrePromotionAnalysis is { } pre ? new[] { $"pre-promotion analysis {pre}" } : [],
                        "switch", .. strategy.BlueGreen.PostPromotionAnalysis is { } post ? new[] { $"post-promotion analysis {post}" } : []];
        return new RolloutView(r.Id, r.Service, r.Environment, r.Version, r.Revision, r.StableVersion, r.StableRevision, strategy.Kind,
            r.Phase, r.CurrentStepIndex, steps, r.Weights, r.Message, r.PauseReason, r.AbortReason, r.CreatedBy, r.CreatedAt, r.UpdatedAt, r.CompletedAt,
            r.AnalysisRuns.OrderBy(a => a.StartedAt).Select(AnalysisRunView.From).ToList());
    }
}

public sealed record AnalysisRunView(Guid Id, [property: JsonConverter(typeof(JsonStringEnumConverter<AnalysisRunKind>))] AnalysisRunKind Kind, int? StepIndex, string Template, int TemplateVersion, string Phase, string? Message,
    DateTime StartedAt, DateTime? CompletedAt, IReadOnlyList<MetricView> Metrics, bool HasVerdict = false)
{
    public static AnalysisRunView From(AnalysisRun run)
    {
        var template = AnalysisRunner.TemplateOf(run);
        return new AnalysisRunView(run.Id, run.Kind, run.StepIndex, run.TemplateName, run.TemplateVersion, run.Phase.ToString(), run.Message,
            run.StartedAt, run.CompletedAt,
            template.Metrics.Select(m => new MetricView(m.Name, m.Source.ToString(), m.SuccessCondition, m.FailureCondition, m.DryRun,
                run.Measurements.Where(x => x.Metric == m.Name).OrderBy(x => x.At)
                    .Select(x => new MeasurementView(x.At, x.Value, x.Phase.ToString(), x.Message)).ToList())).ToList(),
            run.VerdictJson is not null);
    }
}

public sealed record MetricView(string Name, string Source, string? SuccessCondition, string? FailureCondition, bool DryRun, IReadOnlyList<MeasurementView> Measurements);

public sealed record MeasurementView(DateTime At, double? Value, string Phase, string? Message);
