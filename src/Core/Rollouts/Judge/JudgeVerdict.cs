using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpsConsole.Core.Rollouts.Judge;

public enum JudgeOutcome { Collecting, Pass, Marginal, Fail, Inconclusive }

/// <summary>Kayenta's classification of one metric: no significant difference beyond the tolerance (Pass), higher, lower, or not enough data.</summary>
public enum MetricClass { Pending, Pass, High, Low, Inconclusive }

/// <summary>Five numbers of a distribution for a box plot: 5th percentile, quartiles, median, 95th percentile.</summary>
public sealed record BoxStats(double P5, double Q1, double Median, double Q3, double P95, double Mean)
{
    public static BoxStats? Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return null;
        var s = values.Order().ToArray();
        return new BoxStats(Outliers.Quantile(s, 0.05), Outliers.Quantile(s, 0.25), Outliers.Quantile(s, 0.5),
            Outliers.Quantile(s, 0.75), Outliers.Quantile(s, 0.95), s.Average());
    }
}

/// <summary>The judge's reading of one metric, with every number it decided on and one sentence saying why.</summary>
public sealed record MetricVerdict
{
    public required string Name { get; init; }
    public JudgedQuantity Quantity { get; init; }
    public required string Group { get; init; }
    public double Weight { get; init; }
    public bool Critical { get; init; }
    public MetricClass Class { get; init; }
    /// <summary>True when the metric counts as passed for the score (a High or Low in a harmless direction passes).</summary>
    public bool Passed { get; init; }
    public required string Test { get; init; }
    public int CanarySamples { get; init; }
    public int BaselineSamples { get; init; }
    public int CanaryOutliers { get; init; }
    public int BaselineOutliers { get; init; }
    // Mann-Whitney and Hodges-Lehmann (latency)
    public double? U { get; init; }
    public double? P { get; init; }
    public double? Effect { get; init; }
    public double? EffectLower { get; init; }
    public double? EffectUpper { get; init; }
    public double? RelativeEffect { get; init; }
    public double Tolerance { get; init; }
    public BoxStats? CanaryBox { get; init; }
    public BoxStats? BaselineBox { get; init; }
    // Sequential test (errors)
    public long? CanaryErrors { get; init; }
    public long? BaselineErrors { get; init; }
    public double? LogLikelihoodRatio { get; init; }
    public double? UpperBoundary { get; init; }
    public double? LowerBoundary { get; init; }
    /// <summary>Mixture test: ln Λn, the evidence of "no worse", and its boundary ln(1/β) (the "worse" side is <see cref="LogLikelihoodRatio"/> against <see cref="UpperBoundary"/>).</summary>
    public double? NoWorseEvidence { get; init; }
    public double? NoWorseBoundary { get; init; }
    public double? P0 { get; init; }
    public double? P1 { get; init; }
    public required string Sentence { get; init; }
}

/// <summary>
/// One reading of the canary judge: the outcome and score, the thresholds, and each metric's
/// verdict. The latest reading is stored with the analysis run; the verdict page shows it.
/// </summary>
public sealed record JudgeVerdict
{
    public JudgeOutcome Outcome { get; init; }
    public double? Score { get; init; }
    public double PassScore { get; init; }
    public double MarginalScore { get; init; }
    public double Confidence { get; init; }
    public required string Canary { get; init; }
    public required string Baseline { get; init; }
    public DateTime At { get; init; }
    public double ElapsedSeconds { get; init; }
    public required IReadOnlyList<MetricVerdict> Metrics { get; init; }
    public required string Summary { get; init; }

    public bool IsDecided => Outcome != JudgeOutcome.Collecting;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static JudgeVerdict? FromJson(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try { return JsonSerializer.Deserialize<JudgeVerdict>(json, Json); }
        catch (JsonException) { return null; }
    }

    /// <summary>The verdict without the distributions, for events and the audit trail.</summary>
    public object Brief() => new
    {
        outcome = Outcome.ToString(), score = Score, passScore = PassScore, marginalScore = MarginalScore, canary = Canary, baseline = Baseline, summary = Summary,
        metrics = Metrics.Select(m => new { m.Name, @class = m.Class.ToString(), m.Passed, m.Test, m.P, m.Effect, m.RelativeEffect, m.U, m.LogLikelihoodRatio, m.NoWorseEvidence, m.Sentence }),
    };
}
