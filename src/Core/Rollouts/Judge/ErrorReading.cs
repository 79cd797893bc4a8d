using System.Globalization;

namespace OpsConsole.Core.Rollouts.Judge;

/// <summary>
/// Where the errors metric's sequential test stands after <c>n</c> canary requests with <c>k</c> errors,
/// for either method: the decision, the numbers the verdict shows, and which way an undecided test leans.
/// </summary>
public sealed record ErrorReading(
    string TestName, SequentialDecision Decision, double Statistic, double UpperBoundary, double? LowerBoundary,
    double? NoWorseEvidence, double? NoWorseBoundary, double P0, double P1, bool LeansNoWorse, string Numbers)
{
    public static ErrorReading Of(JudgedMetric m, double alpha, double baselineRatio, long requests, long errors)
    {
        if (m.Test == SequentialMethod.Wald)
        {
            var wald = SequentialTest.AgainstBaseline(baselineRatio, m.AcceptableExtraErrors, m.UnacceptableExtraErrors, alpha, m.MissedRegression);
            var llr = wald.LogLikelihoodRatio(requests, errors);
            return new ErrorReading("Sequential probability ratio test (Wald)", wald.Decide(requests, errors), llr, wald.UpperBoundary, wald.LowerBoundary,
                null, null, wald.P0, wald.P1, llr <= 0,
                $"log-likelihood ratio {F(llr)}, bounds ln B = {F(wald.LowerBoundary)} and ln A = {F(wald.UpperBoundary)}, p0 = {CanaryJudge.Num(wald.P0)}, p1 = {CanaryJudge.Num(wald.P1)}");
        }
        var mix = MixtureTest.AgainstBaseline(baselineRatio, m.AcceptableExtraErrors, m.UnacceptableExtraErrors, alpha, m.MissedRegression);
        var worse = mix.WorseEvidence(requests, errors);
        var noWorse = mix.NoWorseEvidence(requests, errors);
        return new ErrorReading("Always-valid mixture sequential test", mix.Decide(requests, errors), worse, mix.WorseBoundary, null,
            noWorse, mix.NoWorseBoundary, mix.P0, mix.P1, noWorse / mix.NoWorseBoundary >= worse / mix.WorseBoundary,
            $"evidence of worse ln Λw = {F(worse)} of ln(1/α) = {F(mix.WorseBoundary)}, of no worse ln Λn = {F(noWorse)} of ln(1/β) = {F(mix.NoWorseBoundary)}, p0 = {CanaryJudge.Num(mix.P0)}, p1 = {CanaryJudge.Num(mix.P1)}");
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
