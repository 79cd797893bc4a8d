using System.Globalization;
using OpsConsole.Core.Cluster;

namespace OpsConsole.Core.Rollouts.Judge;

/// <summary>
/// The <c>Judge</c> analysis provider: compares the canary with a baseline revision of the stable
/// version that runs beside it with the same traffic share. Latency metrics: NaN and outliers out,
/// Mann-Whitney U at the configured confidence, the Hodges-Lehmann shift as the effect, a tolerance
/// and a bad direction. Error metrics: a sequential test per request (mixture or Wald), deciding as soon as the
/// evidence suffices. Weighted groups give a score with pass and marginal thresholds; too few samples
/// is inconclusive, never a pass.
/// </summary>
public sealed class CanaryJudge(IClusterAdapter cluster, TimeProvider clock, JudgeWatch? watch = null)
{
    /// <summary>Whether the canary of <paramref name="runId"/> crossed an abort boundary since the last look (then the judge looks now, whatever its interval).</summary>
    public bool TakeCrossed(Guid runId) => watch?.TakeCrossed(runId) ?? false;

    /// <summary>
    /// On every pass of a running judged analysis (and after each look, with its verdict): the canary
    /// is followed request by request until the judge decides.
    /// </summary>
    public void Follow(Guid runId, JudgeSpec spec, ServiceEnvironment target, string canary, string baseline, DateTime since, JudgeVerdict? verdict = null)
    {
        if (watch is null || cluster is not IRevisionSamples samples) return;
        if (verdict is { IsDecided: true }) watch.Unfollow(runId);
        else watch.Follow(runId, samples, target, canary, baseline, new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc)), spec, verdict);
    }

    /// <summary>Reads both revisions' requests since <paramref name="since"/> and judges them.</summary>
    public JudgeVerdict Judge(JudgeSpec spec, ServiceEnvironment target, string canary, string baseline, DateTime since)
    {
        if (cluster is not IRevisionSamples samples)
            throw new InvalidOperationException($"The {cluster.Kind} cluster keeps no per-request samples, which the judge compares; use threshold analysis there.");
        var now = clock.GetUtcNow();
        var from = new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc));
        return Evaluate(spec, canary, baseline, samples.SamplesSince(target, canary, from), samples.SamplesSince(target, baseline, from), now.UtcDateTime - since, now.UtcDateTime);
    }

    /// <summary>The judgement of two sets of requests after <paramref name="elapsed"/> of the analysis.</summary>
    public static JudgeVerdict Evaluate(JudgeSpec spec, string canary, string baseline, IReadOnlyList<RequestSample> c, IReadOnlyList<RequestSample> b, TimeSpan elapsed, DateTime at)
    {
        var deadline = elapsed >= spec.MaxDuration;
        var metrics = spec.Metrics.Select(m => m.Quantity == JudgedQuantity.Errors
            ? JudgeErrors(spec, m, c, b, deadline, elapsed)
            : JudgeLatency(spec, m, c, b, deadline, elapsed)).ToList();

        JudgeOutcome outcome;
        double? score = null;
        string summary;
        var criticalFailure = metrics.FirstOrDefault(m => m.Critical && m.Class is MetricClass.High or MetricClass.Low && !m.Passed);
        if (criticalFailure is not null)
        {
            outcome = JudgeOutcome.Fail;
            score = Score(metrics);
            summary = $"Failed: critical metric '{criticalFailure.Name}' is worse than the baseline. {criticalFailure.Sentence}";
        }
        else if (metrics.Any(m => m.Class == MetricClass.Pending))
        {
            outcome = JudgeOutcome.Collecting;
            summary = $"Collecting: {c.Count} canary and {b.Count} baseline requests after {Seconds(elapsed)}.";
        }
        else if (metrics.FirstOrDefault(m => m.Class == MetricClass.Inconclusive) is { } unsure)
        {
            outcome = JudgeOutcome.Inconclusive;
            summary = $"Inconclusive: {unsure.Sentence}";
        }
        else
        {
            score = Score(metrics);
            outcome = score >= spec.PassScore ? JudgeOutcome.Pass : score >= spec.MarginalScore ? JudgeOutcome.Marginal : JudgeOutcome.Fail;
            var failed = metrics.Where(m => !m.Passed).Select(m => m.Name).ToList();
            summary = outcome switch
            {
                JudgeOutcome.Pass => $"Passed with score {score:0} (pass at {spec.PassScore:0})" + (failed.Count > 0 ? $"; failing: {string.Join(", ", failed)}." : "."),
                JudgeOutcome.Marginal => $"Marginal with score {score:0} (pass at {spec.PassScore:0}, marginal from {spec.MarginalScore:0}); failing: {string.Join(", ", failed)}. A person decides.",
                _ => $"Failed with score {score:0} (pass at {spec.PassScore:0}, marginal from {spec.MarginalScore:0}); failing: {string.Join(", ", failed)}.",
            };
        }
        return new JudgeVerdict
        {
            Outcome = outcome, Score = score, PassScore = spec.PassScore, MarginalScore = spec.MarginalScore, Confidence = spec.Confidence,
            Canary = canary, Baseline = baseline, At = at, ElapsedSeconds = Math.Round(elapsed.TotalSeconds, 3), Metrics = metrics, Summary = summary,
        };
    }

    /// <summary>Σ over groups of weight × share of the group's metrics passed, over Σ weights, as 0-100.</summary>
    public static double Score(IReadOnlyList<MetricVerdict> metrics)
    {
        var groups = metrics.GroupBy(m => m.Group).Select(g => (Weight: g.Max(m => m.Weight), Share: g.Count(m => m.Passed) / (double)g.Count())).ToList();
        var total = groups.Sum(g => g.Weight);
        return total <= 0 ? 0 : Math.Round(100 * groups.Sum(g => g.Weight * g.Share) / total, 1);
    }

    private static MetricVerdict JudgeLatency(JudgeSpec spec, JudgedMetric m, IReadOnlyList<RequestSample> c, IReadOnlyList<RequestSample> b, bool deadline, TimeSpan elapsed)
    {
        // One fixed-sample test: the first `Samples` requests of each side, so looking again every tick
        // (while the sequential test still decides) repeats the same answer instead of testing anew.
        var (cs, cOut) = Outliers.Clean(c.Take(spec.Samples).Select(s => s.LatencyMs), spec.OutlierFactor);
        var (bs, bOut) = Outliers.Clean(b.Take(spec.Samples).Select(s => s.LatencyMs), spec.OutlierFactor);
        var v = new MetricVerdict
        {
            Name = m.Name, Quantity = m.Quantity, Group = m.GroupName, Weight = m.Weight, Critical = m.IsCritical, Test = "Mann-Whitney U, Hodges-Lehmann shift",
            CanarySamples = cs.Count, BaselineSamples = bs.Count, CanaryOutliers = cOut, BaselineOutliers = bOut, Tolerance = m.Tolerance,
            CanaryBox = BoxStats.Of(cs), BaselineBox = BoxStats.Of(bs), Class = MetricClass.Pending, Sentence = "",
        };
        var enough = c.Count >= spec.Samples && b.Count >= spec.Samples;
        if (!enough && !deadline)
            return v with { Sentence = $"{m.Name}: {c.Count} canary and {b.Count} baseline requests so far; the test runs at {spec.Samples} each." };
        if (cs.Count < spec.MinSamples || bs.Count < spec.MinSamples)
            return v with
            {
                Class = MetricClass.Inconclusive,
                Sentence = $"{m.Name}: only {cs.Count} canary and {bs.Count} baseline requests in {Seconds(elapsed)}, fewer than the {spec.MinSamples} a side needed to judge: inconclusive.",
            };

        var test = MannWhitney.Test(cs, bs);
        var shift = HodgesLehmann.Estimate(cs, bs, spec.Confidence);
        var median = v.BaselineBox!.Median;
        double? relative = Math.Abs(median) > 1e-9 ? shift.Estimate / Math.Abs(median) : null;
        var significant = test.PTwoSided < spec.Alpha;
        var beyond = (relative is { } r ? Math.Abs(r) > m.Tolerance : Math.Abs(shift.Estimate) > 0) && Math.Abs(shift.Estimate) >= m.MinimumShiftMs;
        var cls = !significant || !beyond ? MetricClass.Pass : shift.Estimate > 0 ? MetricClass.High : MetricClass.Low;
        var bad = cls == MetricClass.High && m.Direction is BadDirection.Increase or BadDirection.Either
                  || cls == MetricClass.Low && m.Direction is BadDirection.Decrease or BadDirection.Either;
        var pText = $"U = {test.U:0}, p = {Num(test.PTwoSided)} {(significant ? "<" : "≥")} {Num(spec.Alpha)}";
        var effect = $"shift {Signed(shift.Estimate)} ms" + (relative is { } rr ? $" ({Signed(rr * 100, "0.#")}%)" : "") +
                     $", {spec.Confidence:0.##%} interval {Signed(shift.Lower)} to {Signed(shift.Upper)} ms";
        var sentence = cls switch
        {
            MetricClass.Pass when !significant => $"{m.Name}: no significant difference from the baseline ({pText}; {effect}): passes.",
            MetricClass.Pass when relative is { } within && Math.Abs(within) <= m.Tolerance => $"{m.Name}: the difference is significant but within the {m.Tolerance:0.#%} tolerated ({pText}; {effect}): passes.",
            MetricClass.Pass => $"{m.Name}: the difference is significant but smaller than the {Num(m.MinimumShiftMs)} ms that counts ({pText}; {effect}): passes.",
            _ when bad => $"{m.Name}: the canary is {(cls == MetricClass.High ? "higher" : "lower")} than the baseline by more than the {m.Tolerance:0.#%} tolerated ({effect}; {pText}): fails.",
            _ => $"{m.Name}: the canary is {(cls == MetricClass.High ? "higher" : "lower")} than the baseline ({effect}; {pText}), a harmless direction: passes.",
        };
        return v with
        {
            Class = cls,
            Passed = !bad,
            U = test.U,
            P = test.PTwoSided,
            Effect = shift.Estimate,
            EffectLower = shift.Lower,
            EffectUpper = shift.Upper,
            RelativeEffect = relative,
            Sentence = sentence,
        };
    }

    private static MetricVerdict JudgeErrors(JudgeSpec spec, JudgedMetric m, IReadOnlyList<RequestSample> c, IReadOnlyList<RequestSample> b, bool deadline, TimeSpan elapsed)
    {
        long nc = c.Count, ec = c.Count(s => s.Error), nb = b.Count, eb = b.Count(s => s.Error);
        var baselineRatio = nb == 0 ? 0 : (double)eb / nb;
        var reading = ErrorReading.Of(m, spec.Alpha, baselineRatio, nc, ec);
        var counts = $"{ec} of {nc} canary requests failed against {eb} of {nb} for the baseline";
        var numbers = reading.Numbers;
        var v = new MetricVerdict
        {
            Name = m.Name, Quantity = m.Quantity, Group = m.GroupName, Weight = m.Weight, Critical = m.IsCritical, Test = reading.TestName,
            CanarySamples = (int)nc, BaselineSamples = (int)nb, CanaryErrors = ec, BaselineErrors = eb, LogLikelihoodRatio = reading.Statistic,
            UpperBoundary = reading.UpperBoundary, LowerBoundary = reading.LowerBoundary, NoWorseEvidence = reading.NoWorseEvidence, NoWorseBoundary = reading.NoWorseBoundary,
            P0 = reading.P0, P1 = reading.P1, Tolerance = m.AcceptableExtraErrors,
            Class = MetricClass.Pending, Sentence = $"{m.Name}: {counts}; {numbers}: still deciding.",
        };
        if (reading.Decision == SequentialDecision.Worse)
            return v with { Class = MetricClass.High, Sentence = $"{m.Name}: {counts}; the sequential test crossed its abort boundary ({numbers}): the canary is worse, fails." };
        var enough = nc >= spec.MinSamples && nb >= spec.MinSamples;
        if (reading.Decision == SequentialDecision.NoWorse && enough)
            return v with { Class = MetricClass.Pass, Passed = true, Sentence = $"{m.Name}: {counts}; the sequential test showed the canary no worse ({numbers}): passes." };
        if (!deadline) return v;
        if (!enough)
            return v with
            {
                Class = MetricClass.Inconclusive,
                Sentence = $"{m.Name}: only {nc} canary and {nb} baseline requests in {Seconds(elapsed)}, fewer than the {spec.MinSamples} a side needed to judge: inconclusive.",
            };
        return reading.LeansNoWorse
            ? v with { Class = MetricClass.Pass, Passed = true, Sentence = $"{m.Name}: {counts}; after {Seconds(elapsed)} the sequential test had not decided but leans to no worse ({numbers}): passes." }
            : v with { Class = MetricClass.Inconclusive, Sentence = $"{m.Name}: {counts}; after {Seconds(elapsed)} the sequential test had not decided and leans to worse ({numbers}): inconclusive." };
    }

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s";
    internal static string Num(double v) => v is > 0 and < 0.0001 ? v.ToString("0.##E+0", CultureInfo.InvariantCulture) : v.ToString("0.####", CultureInfo.InvariantCulture);
    private static string Signed(double v, string format = "0.###") => (v >= 0 ? "+" : "") + v.ToString(format, CultureInfo.InvariantCulture);
}
