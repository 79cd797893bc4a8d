using OpsConsole.Core.Rollouts.Analysis;

namespace OpsConsole.Core.Demo;

/// <summary>The analysis templates every console starts with.</summary>
public static class DemoTemplates
{
    public const string ErrorRate = "error-rate";
    public const string Latency = "latency-p99";

    public static IReadOnlyList<AnalysisTemplate> All =>
    [
        new AnalysisTemplate
        {
            Name = ErrorRate,
            Metrics =
            [
                // A 1 s window, three measurements: a healthy canary passes in about 3 s per analysis step.
                new AnalysisMetric
                {
                    Name = "error-rate", Source = MetricSource.IngressErrorRate, Interval = TimeSpan.FromSeconds(1), Count = 3,
                    SuccessCondition = "result <= 0.05", FailureLimit = 0, InconclusiveLimit = 3, MinimumRequests = 1,
                },
            ],
        },
        new AnalysisTemplate
        {
            Name = Latency,
            Metrics =
            [
                new AnalysisMetric
                {
                    Name = "latency-p99", Source = MetricSource.IngressLatencyP99Ms, Interval = TimeSpan.FromSeconds(2), Count = 3,
                    SuccessCondition = "result < 500", FailureLimit = 1, InconclusiveLimit = 3,
                },
            ],
        },
    ];
}
