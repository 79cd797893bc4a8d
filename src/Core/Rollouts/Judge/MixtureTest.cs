using MathNet.Numerics;

namespace OpsConsole.Core.Rollouts.Judge;

/// <summary>
/// An always-valid mixture sequential test (Robbins' mixture martingale, as in the mSPRT) on per-request
/// outcomes of the canary. Two one-sided tests run side by side:
/// <list type="bullet">
/// <item>"worse": H0 p ≤ p0 against a uniform mixture of error ratios q on (p0, 1). Its statistic
/// Λw = ∫ q^k (1-q)^(n-k) dq / (1-p0) / (p0^k (1-p0)^(n-k)) is a non-negative supermartingale under
/// H0, so by Ville's inequality P(Λw ever reaches 1/α) ≤ α, however often it is looked at;</item>
/// <item>"no worse": H1 p ≥ p1 against a uniform mixture on (0, p1). Λn reaching 1/β rejects H1,
/// and misses a regression of p1 or more with chance at most β.</item>
/// </list>
/// Unlike Wald's test, whose step per error is fixed by p1, the mixture weighs the error ratio the data
/// show: a canary failing half its requests crosses after 2 errors (Wald: 3), a small regression takes
/// longer. Both error rates are bounds, not approximations.
/// </summary>
public sealed record MixtureTest(double P0, double P1, double Alpha, double Beta)
{
    /// <summary>
    /// An abort needs this many failed canary requests even when the statistic has crossed: with p0 at
    /// 1%, one error on the canary's very first request is already evidence at α = 2%, and a single
    /// cold-start failure is not a canary's behaviour. Only makes the test more conservative.
    /// </summary>
    public const int MinErrorsToAbort = 2;

    /// <summary>ln(1/α): the "worse" statistic's boundary.</summary>
    public double WorseBoundary => -Math.Log(Alpha);

    /// <summary>ln(1/β): the "no worse" statistic's boundary.</summary>
    public double NoWorseBoundary => -Math.Log(Beta);

    /// <summary>ln Λw after <paramref name="errors"/> failures in <paramref name="requests"/>: the evidence that the canary is worse than p0.</summary>
    public double WorseEvidence(long requests, long errors)
    {
        var (a, b) = (errors + 1.0, requests - errors + 1.0);
        // ∫_{p0}^{1} q^k (1-q)^(n-k) dq = B(a, b) · (1 - I_{p0}(a, b)) = B(a, b) · I_{1-p0}(b, a), the second form without cancellation.
        var tail = SpecialFunctions.BetaRegularized(b, a, 1 - P0);
        return SpecialFunctions.BetaLn(a, b) + Math.Log(Math.Max(tail, 1e-300)) - Math.Log(1 - P0)
               - errors * Math.Log(P0) - (requests - errors) * Math.Log(1 - P0);
    }

    /// <summary>ln Λn: the evidence that the canary's error ratio is below p1.</summary>
    public double NoWorseEvidence(long requests, long errors)
    {
        var (a, b) = (errors + 1.0, requests - errors + 1.0);
        var head = SpecialFunctions.BetaRegularized(a, b, P1);
        return SpecialFunctions.BetaLn(a, b) + Math.Log(Math.Max(head, 1e-300)) - Math.Log(P1)
               - errors * Math.Log(P1) - (requests - errors) * Math.Log(1 - P1);
    }

    public SequentialDecision Decide(long requests, long errors)
    {
        if (errors >= MinErrorsToAbort && WorseEvidence(requests, errors) >= WorseBoundary) return SequentialDecision.Worse;
        return NoWorseEvidence(requests, errors) >= NoWorseBoundary ? SequentialDecision.NoWorse : SequentialDecision.Continue;
    }

    /// <summary>Runs the test request by request and stops at the first decision; returns it and how many requests it took.</summary>
    public (SequentialDecision Decision, int After) Run(IEnumerable<bool> outcomes)
    {
        long n = 0, k = 0;
        foreach (var error in outcomes)
        {
            n++;
            if (error) k++;
            // Successes only lower the "worse" evidence, so it is looked at after errors; "no worse" after successes.
            var decision = error
                ? (k >= MinErrorsToAbort && WorseEvidence(n, k) >= WorseBoundary ? SequentialDecision.Worse : SequentialDecision.Continue)
                : (NoWorseEvidence(n, k) >= NoWorseBoundary ? SequentialDecision.NoWorse : SequentialDecision.Continue);
            if (decision != SequentialDecision.Continue) return (decision, (int)n);
        }
        return (SequentialDecision.Continue, (int)n);
    }

    public static MixtureTest AgainstBaseline(double baselineErrorRatio, double acceptableExtra, double unacceptableExtra, double alpha, double beta)
    {
        var (p0, p1) = SequentialTest.Hypotheses(baselineErrorRatio, acceptableExtra, unacceptableExtra);
        return new MixtureTest(p0, p1, alpha, beta);
    }
}
