using OpsConsole.Core.Domain;
using OpsConsole.Core.Rollouts.Judge;

namespace OpsConsole.Core.Rollouts.Analysis;

/// <summary>What a failed analysis does to the rollout.</summary>
public enum FailurePolicy { Abort, Pause }

/// <summary>Where a metric's value comes from.</summary>
public enum MetricSource
{
    /// <summary>Share of the canary's requests answered without a 5xx, over the interval (0..1).</summary>
    IngressSuccessRate,
    /// <summary>Share of the canary's requests answered 5xx, over the interval (0..1).</summary>
    IngressErrorRate,
    IngressLatencyP50Ms,
    IngressLatencyP90Ms,
    IngressLatencyP99Ms,
    /// <summary>GET a URL; the number at <see cref="AnalysisMetric.JsonPath"/> in its JSON answer is the result.</summary>
    HttpJson,
    // Stored templates keep the source as its number: new sources go at the end, numbered explicitly.
    /// <summary>An instant PromQL query (<see cref="AnalysisMetric.Query"/>) to the Prometheus the console is configured with.</summary>
    Prometheus = 6,
    /// <summary>The canary judge: compares the canary with a baseline revision statistically (<see cref="AnalysisMetric.Judge"/>); canary steps only.</summary>
    Judge = 7,
}

/// <summary>
/// One metric of an analysis, with Argo Rollouts' semantics and defaults: measured every
/// <see cref="Interval"/>, <see cref="Count"/> times (0: until the analysis is stopped), after
/// <see cref="InitialDelay"/>; the metric fails when failed measurements exceed
/// <see cref="FailureLimit"/>, is inconclusive when inconclusive ones exceed
/// <see cref="InconclusiveLimit"/>, errs when consecutive errors exceed <see cref="ConsecutiveErrorLimit"/>.
/// </summary>
public sealed record AnalysisMetric
{
    public required string Name { get; init; }
    public MetricSource Source { get; init; } = MetricSource.IngressErrorRate;
    public string? Url { get; init; }
    public string? JsonPath { get; init; }
    /// <summary>The PromQL of a <see cref="MetricSource.Prometheus"/> metric; may use {{service}}, {{environment}} and {{revision}}.</summary>
    public string? Query { get; init; }
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);
    public int Count { get; init; } = 3;
    public TimeSpan InitialDelay { get; init; } = TimeSpan.Zero;
    public string? SuccessCondition { get; init; }
    public string? FailureCondition { get; init; }
    public int FailureLimit { get; init; }
    public int InconclusiveLimit { get; init; }
    public int ConsecutiveErrorLimit { get; init; } = 4;
    /// <summary>Measured and shown, but never decides the outcome.</summary>
    public bool DryRun { get; init; }
    /// <summary>A measurement over fewer requests than this is inconclusive (ingress sources).</summary>
    public int MinimumRequests { get; init; } = 1;
    /// <summary>The judge's settings when <see cref="Source"/> is <see cref="MetricSource.Judge"/> (null: the defaults).</summary>
    public JudgeSpec? Judge { get; init; }
}

/// <summary>A reusable, versioned set of metrics a rollout step or a background analysis runs.</summary>
public sealed record AnalysisTemplate
{
    public required string Name { get; init; }
    public int Version { get; init; } = 1;
    public required IReadOnlyList<AnalysisMetric> Metrics { get; init; }
    public FailurePolicy OnFailure { get; init; } = FailurePolicy.Abort;

    public const int MaxMetrics = 10;
    public const int MaxCount = 1000;
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxInitialDelay = TimeSpan.FromHours(1);

    /// <summary>
    /// The bounds a saved template keeps, so one template cannot turn the console into a load
    /// generator against the cluster or an HTTP endpoint: at most <see cref="MaxMetrics"/> metrics,
    /// each measured at most once a second (<see cref="MinInterval"/>; the demo's windows are 1 s),
    /// at most <see cref="MaxCount"/> times. Throws saying what to fix.
    /// </summary>
    public void CheckLimits()
    {
        if (Metrics.Count > MaxMetrics)
            throw new InvalidInputException("metrics", $"A template has at most {MaxMetrics} metrics; {Metrics.Count} were given. Split it into several templates.");
        foreach (var (m, i) in Metrics.Select((m, i) => (m, i)))
        {
            var at = $"metrics[{i}]";
            // The judge reads the ingress's in-memory samples, not the cluster or a URL: it may look more often.
            if ((m.Interval < MinInterval && m.Source != MetricSource.Judge) || m.Interval > MaxInterval)
                throw new InvalidInputException(at + ".interval", $"Metric '{m.Name}': the interval is 1s to 1h; {Durations.Format(m.Interval)} was given.");
            if (m.Count > MaxCount)
                throw new InvalidInputException(at + ".count", $"Metric '{m.Name}': the count is at most {MaxCount} (0: until the analysis stops); {m.Count} was given.");
            if (m.InitialDelay < TimeSpan.Zero || m.InitialDelay > MaxInitialDelay)
                throw new InvalidInputException(at + ".initialDelay", $"Metric '{m.Name}': the initial delay is 0 to 1h.");
            if (m.Url is { Length: > 2048 })
                throw new InvalidInputException(at + ".url", $"Metric '{m.Name}': a URL is at most 2048 characters.");
        }
    }

    /// <summary>Checks the whole template and returns its parsed conditions; throws saying what to fix.</summary>
    public CompiledTemplate Compile()
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new InvalidInputException("name", "An analysis template needs a name.");
        if (Metrics.Count == 0) throw new InvalidInputException("metrics", $"Template '{Name}' has no metrics.");
        var compiled = new List<CompiledMetric>();
        foreach (var (m, i) in Metrics.Select((m, i) => (m, i)))
        {
            var at = $"metrics[{i}]";
            if (string.IsNullOrWhiteSpace(m.Name)) throw new InvalidInputException(at + ".name", "Every metric needs a name.");
            if (Metrics.Count(x => x.Name == m.Name) > 1) throw new InvalidInputException(at + ".name", $"Metric name '{m.Name}' is used twice.");
            if (m.Interval < TimeSpan.FromMilliseconds(200)) throw new InvalidInputException(at + ".interval", "The interval is at least 200 ms.");
            if (m.Count < 0) throw new InvalidInputException(at + ".count", "The count is 0 (unbounded) or more.");
            if (m.FailureLimit < 0 || m.InconclusiveLimit < 0 || m.ConsecutiveErrorLimit < 0)
                throw new InvalidInputException(at, "Limits cannot be negative.");
            if (m.Source == MetricSource.HttpJson)
            {
                if (!Uri.TryCreate(m.Url, UriKind.Absolute, out var u) || (u.Scheme != "http" && u.Scheme != "https"))
                    throw new InvalidInputException(at + ".url", "An HTTP metric needs an absolute http(s) URL.");
                if (string.IsNullOrWhiteSpace(m.JsonPath)) throw new InvalidInputException(at + ".jsonPath", "An HTTP metric needs the JSON path of the number, e.g. $.errorRate.");
            }
            if (m.Source == MetricSource.Judge)
            {
                (m.Judge ?? new JudgeSpec()).Validate(at);
                compiled.Add(new CompiledMetric(m, null, null));
                continue;
            }
            if (m.Source == MetricSource.Prometheus) Prometheus.PromQlTemplate.Check(m.Query, at + ".query");
            if (m.SuccessCondition is null && m.FailureCondition is null)
                throw new InvalidInputException(at, $"Metric '{m.Name}' needs a success condition, a failure condition, or both.");
            compiled.Add(new CompiledMetric(m,
                m.SuccessCondition is null ? null : AnalysisCondition.Parse(m.SuccessCondition, at + ".successCondition"),
                m.FailureCondition is null ? null : AnalysisCondition.Parse(m.FailureCondition, at + ".failureCondition")));
        }
        return new CompiledTemplate(this, compiled);
    }
}

public sealed record CompiledTemplate(AnalysisTemplate Template, IReadOnlyList<CompiledMetric> Metrics);

public sealed record CompiledMetric(AnalysisMetric Metric, AnalysisCondition? Success, AnalysisCondition? Failure)
{
    /// <summary>
    /// Judges one value like Argo Rollouts: a met failure condition fails; otherwise a met success
    /// condition (or no success condition) succeeds; otherwise it failed when there was no failure
    /// condition to fall back on, or is inconclusive when both exist and neither holds.
    /// </summary>
    public MeasurementPhase Judge(double value)
    {
        if (Failure is not null && Failure.IsMet(value)) return MeasurementPhase.Failed;
        if (Success is null) return MeasurementPhase.Successful;
        if (Success.IsMet(value)) return MeasurementPhase.Successful;
        return Failure is null ? MeasurementPhase.Failed : MeasurementPhase.Inconclusive;
    }
}
