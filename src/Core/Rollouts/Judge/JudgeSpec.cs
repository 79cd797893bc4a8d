using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Rollouts.Judge;

/// <summary>What the ingress measures per request and the judge compares.</summary>
public enum JudgedQuantity
{
    /// <summary>Per-request latency in ms, compared with Mann-Whitney U and the Hodges-Lehmann shift.</summary>
    Latency,
    /// <summary>Per-request 5xx outcome, compared with the sequential probability ratio test.</summary>
    Errors,
}

/// <summary>The sequential test on per-request errors.</summary>
public enum SequentialMethod
{
    /// <summary>An always-valid mixture test (<see cref="MixtureTest"/>): its error rates are bounds, and a large regression is caught after fewer requests.</summary>
    Mixture,
    /// <summary>Wald's sequential probability ratio test (<see cref="SequentialTest"/>) between exactly p0 and p1.</summary>
    Wald,
}

/// <summary>Which change of the canary against the baseline is bad.</summary>
public enum BadDirection { Increase, Decrease, Either }

/// <summary>One metric the judge compares between canary and baseline.</summary>
public sealed record JudgedMetric
{
    public required string Name { get; init; }
    public JudgedQuantity Quantity { get; init; } = JudgedQuantity.Latency;
    public BadDirection Direction { get; init; } = BadDirection.Increase;
    /// <summary>Relative shift tolerated even when significant (0.1: 10% of the baseline's median).</summary>
    public double Tolerance { get; init; } = 0.1;
    /// <summary>
    /// Latency: a shift smaller than this many ms passes even when significant and beyond the relative
    /// tolerance (10% of a 2 ms median is scheduler noise between two fresh processes, not a regression).
    /// </summary>
    public double MinimumShiftMs { get; init; } = 1;
    /// <summary>Metrics of a group share its weight; the group defaults to the metric's name.</summary>
    public string? Group { get; init; }
    public double Weight { get; init; } = 1;
    /// <summary>A failure of a critical metric fails the judge at once, whatever the score (errors: by default).</summary>
    public bool? Critical { get; init; }
    /// <summary>Errors: the extra error ratio over the baseline that is still acceptable (the test's p0 - baseline).</summary>
    public double AcceptableExtraErrors { get; init; } = 0.01;
    /// <summary>Errors: the extra error ratio over the baseline that is a regression (p1 - baseline).</summary>
    public double UnacceptableExtraErrors { get; init; } = 0.05;
    /// <summary>Errors: which sequential test decides (default: the always-valid mixture test).</summary>
    public SequentialMethod Test { get; init; } = SequentialMethod.Mixture;
    /// <summary>Errors: the sequential test's β, the chance of missing a regression of that size.</summary>
    public double MissedRegression { get; init; } = 0.05;

    public string GroupName => string.IsNullOrWhiteSpace(Group) ? Name : Group;
    public bool IsCritical => Critical ?? Quantity == JudgedQuantity.Errors;
}

/// <summary>
/// The canary judge's settings (Kayenta's canary config, plus the sequential test): the metrics
/// with their groups and weights, the confidence of every test (α = 1 - confidence is also the
/// sequential test's false-abort rate), the score thresholds, and how many samples decide.
/// </summary>
public sealed record JudgeSpec
{
    public IReadOnlyList<JudgedMetric> Metrics { get; init; } =
    [
        new JudgedMetric { Name = "latency", Quantity = JudgedQuantity.Latency },
        new JudgedMetric { Name = "errors", Quantity = JudgedQuantity.Errors },
    ];
    public double Confidence { get; init; } = 0.98;
    public double PassScore { get; init; } = 95;
    /// <summary>A score from here up to <see cref="PassScore"/> is marginal: the rollout pauses for a person.</summary>
    public double MarginalScore { get; init; } = 75;
    /// <summary>A latency comparison runs once both sides have this many requests.</summary>
    public int Samples { get; init; } = 100;
    /// <summary>Fewer requests a side than this when <see cref="MaxDuration"/> ends is inconclusive, never a pass.</summary>
    public int MinSamples { get; init; } = 30;
    /// <summary>How long the judge waits for samples and for the sequential test before deciding with what it has.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Tukey's fence factor for outliers (values beyond Q1 - k·IQR or Q3 + k·IQR are dropped); 0 keeps all.</summary>
    public double OutlierFactor { get; init; } = 3;

    public double Alpha => 1 - Confidence;

    /// <summary>Throws saying what to fix.</summary>
    public void Validate(string at)
    {
        if (Metrics.Count is 0 or > 10) throw new InvalidInputException(at + ".judge.metrics", "The judge compares 1 to 10 metrics.");
        if (Confidence is < 0.5 or >= 1) throw new InvalidInputException(at + ".judge.confidence", "The confidence is from 0.5 to below 1, e.g. 0.98.");
        if (PassScore is < 0 or > 100 || MarginalScore < 0 || MarginalScore > PassScore)
            throw new InvalidInputException(at + ".judge.passScore", "Scores are 0 to 100, the marginal score at most the pass score.");
        if (MinSamples < 3 || Samples < MinSamples || Samples > RequestLimit)
            throw new InvalidInputException(at + ".judge.samples", $"minSamples is at least 3, samples from minSamples to {RequestLimit}.");
        if (MaxDuration <= TimeSpan.Zero || MaxDuration > TimeSpan.FromHours(1))
            throw new InvalidInputException(at + ".judge.maxDuration", "maxDuration is more than 0 and at most 1h.");
        if (OutlierFactor is < 0 or > 100) throw new InvalidInputException(at + ".judge.outlierFactor", "outlierFactor is 0 (keep all) to 100.");
        foreach (var (m, i) in Metrics.Select((m, i) => (m, i)))
        {
            var f = $"{at}.judge.metrics[{i}]";
            if (string.IsNullOrWhiteSpace(m.Name) || m.Name.Length > 63) throw new InvalidInputException(f + ".name", "Every judged metric needs a name of at most 63 characters.");
            if (Metrics.Count(x => x.Name == m.Name) > 1) throw new InvalidInputException(f + ".name", $"Judged metric '{m.Name}' is named twice.");
            if (m.Tolerance is < 0 or > 10) throw new InvalidInputException(f + ".tolerance", "The tolerance is a ratio from 0 to 10, e.g. 0.1 for 10%.");
            if (m.MinimumShiftMs is < 0 or > 60_000 || double.IsNaN(m.MinimumShiftMs)) throw new InvalidInputException(f + ".minimumShiftMs", "minimumShiftMs is 0 to 60000 ms.");
            if (!Enum.IsDefined(m.Test)) throw new InvalidInputException(f + ".test", "The sequential test is Mixture or Wald.");
            if (m.Weight is <= 0 or > 1000) throw new InvalidInputException(f + ".weight", "A weight is above 0 and at most 1000.");
            if (m.Quantity == JudgedQuantity.Errors &&
                (m.AcceptableExtraErrors is < 0 or >= 1 || m.UnacceptableExtraErrors <= m.AcceptableExtraErrors || m.UnacceptableExtraErrors >= 1 || m.MissedRegression is <= 0 or >= 0.5))
                throw new InvalidInputException(f, "Errors need 0 <= acceptableExtraErrors < unacceptableExtraErrors < 1 and 0 < missedRegression < 0.5.");
        }
    }

    /// <summary>The sample buffer of a revision keeps this many recent requests.</summary>
    public const int RequestLimit = 4000;
}
