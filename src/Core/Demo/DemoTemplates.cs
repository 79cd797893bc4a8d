using OpsConsole.Core.Rollouts.Analysis;
using OpsConsole.Core.Rollouts.Judge;

namespace OpsConsole.Core.Demo;

/// <summary>The analysis templates every console starts with.</summary>
public static class DemoTemplates
{
    public const string ErrorRate = "error-rate";
    public const string Latency = "latency-p99";
    public const string Judge = "canary-judge";

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
        // The canary against a baseline of stable with the same share: latency by Mann-Whitney (a 10% shift
        // tolerated), errors by the sequential test, looked at every half second; at most 30 s.
        new AnalysisTemplate
        {
            Name = Judge,
            Metrics =
            [
                new AnalysisMetric
                {
                    Name = "judge", Source = MetricSource.Judge, Interval = TimeSpan.FromMilliseconds(500), Count = 1,
                    Judge = new JudgeSpec { Samples = 80, MinSamples = 30, MaxDuration = TimeSpan.FromSeconds(30) },
                },
            ],
        },
    ];
}
