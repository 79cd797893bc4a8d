namespace OpsConsole.Core.Rollouts.Judge;

public enum SequentialDecision { Continue, NoWorse, Worse }

/// <summary>
/// Wald's sequential probability ratio test on per-request outcomes (error or not) of the canary.
/// H0: the canary's error ratio is p0 (acceptable); H1: it is p1 (a regression), p1 &gt; p0.
/// After every request the log-likelihood ratio is compared with Wald's boundaries
/// A = (1 - β) / α and B = β / (1 - α): at or above ln A the canary is worse (reject H0), at or
/// below ln B it is no worse (accept H0). α is the false-abort rate, β the missed-regression rate;
/// Wald's bounds keep the realised rates at most about α / (1 - β) and β / (1 - α).
/// </summary>
public sealed record SequentialTest(double P0, double P1, double Alpha, double Beta)
{
    public double UpperBoundary => Math.Log((1 - Beta) / Alpha);
    public double LowerBoundary => Math.Log(Beta / (1 - Alpha));

    /// <summary>What one error adds to the log-likelihood ratio: ln(p1 / p0).</summary>
    public double ErrorStep => Math.Log(P1 / P0);

    /// <summary>What one success adds: ln((1 - p1) / (1 - p0)), negative.</summary>
    public double SuccessStep => Math.Log((1 - P1) / (1 - P0));

    public double LogLikelihoodRatio(long requests, long errors) => errors * ErrorStep + (requests - errors) * SuccessStep;

    public SequentialDecision Decide(long requests, long errors)
    {
        var llr = LogLikelihoodRatio(requests, errors);
        return llr >= UpperBoundary ? SequentialDecision.Worse : llr <= LowerBoundary ? SequentialDecision.NoWorse : SequentialDecision.Continue;
    }

    /// <summary>
    /// Runs the test request by request over <paramref name="outcomes"/> (true: an error) and stops
    /// at the first boundary crossed; returns the decision and how many requests it took.
    /// </summary>
    public (SequentialDecision Decision, int After) Run(IEnumerable<bool> outcomes)
    {
        double llr = 0;
        var n = 0;
        foreach (var error in outcomes)
        {
            n++;
            llr += error ? ErrorStep : SuccessStep;
            if (llr >= UpperBoundary) return (SequentialDecision.Worse, n);
            if (llr <= LowerBoundary) return (SequentialDecision.NoWorse, n);
        }
        return (SequentialDecision.Continue, n);
    }

    /// <summary>
    /// The hypotheses against the baseline's observed error ratio: p0 = baseline + acceptable extra,
    /// p1 = baseline + unacceptable extra (each kept inside (0, 1)).
    /// </summary>
    public static SequentialTest AgainstBaseline(double baselineErrorRatio, double acceptableExtra, double unacceptableExtra, double alpha, double beta)
    {
        var (p0, p1) = Hypotheses(baselineErrorRatio, acceptableExtra, unacceptableExtra);
        return new SequentialTest(p0, p1, alpha, beta);
    }

    /// <summary>p0 and p1 for either sequential test, kept inside (0, 1) with p1 above p0.</summary>
    public static (double P0, double P1) Hypotheses(double baselineErrorRatio, double acceptableExtra, double unacceptableExtra)
    {
        var p0 = Math.Clamp(baselineErrorRatio + acceptableExtra, 1e-4, 0.98);
        return (p0, Math.Clamp(baselineErrorRatio + unacceptableExtra, p0 + 1e-3, 0.999));
    }
}
