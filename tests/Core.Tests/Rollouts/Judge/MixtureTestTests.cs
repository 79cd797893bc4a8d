using OpsConsole.Core.Rollouts.Judge;

namespace OpsConsole.Core.Tests.Rollouts.Judge;

/// <summary>
/// The always-valid mixture test: its statistics against their closed forms and against numerical
/// integrals of the mixture (computed independently, with mpmath's quad at 30 digits), its decisions,
/// and its error rates by simulation.
/// </summary>
public sealed class MixtureTestTests
{
    private static readonly MixtureTest Test = new(P0: 0.01, P1: 0.05, Alpha: 0.02, Beta: 0.05);

    [Fact]
    public void Boundaries_are_ln_one_over_alpha_and_beta()
    {
        Assert.Equal(3.912023, Test.WorseBoundary, 6);
        Assert.Equal(2.995732, Test.NoWorseBoundary, 6);
    }

    [Fact]
    public void Evidence_matches_the_closed_forms()
    {
        // Every request failed (k = n): Λw = (1 - p0^(n+1)) / ((n + 1)(1 - p0) p0^n); n = 2: 3367.0, ln = 8.121777.
        Assert.Equal(8.121777, Test.WorseEvidence(2, 2), 5);
        Assert.Equal(Math.Log((1 - Math.Pow(0.01, 6)) / (6 * 0.99 * Math.Pow(0.01, 5))), Test.WorseEvidence(5, 5), 6);
        // No request failed (k = 0): Λn = (1 - (1 - p1)^(n+1)) / ((n + 1) p1 (1 - p1)^n); n = 88: ln = 3.010442.
        Assert.Equal(3.010442, Test.NoWorseEvidence(88, 0), 5);
        Assert.Equal(0, Test.NoWorseEvidence(0, 0), 9);
    }

    [Theory]
    [InlineData(2, 1, 2.833213)]
    [InlineData(3, 2, 6.745530)]
    [InlineData(4, 2, 5.839284)]
    [InlineData(8, 2, 3.751183)]
    [InlineData(8, 3, 7.653235)]
    [InlineData(100, 3, -1.827342)]
    public void Worse_evidence_matches_the_integral_of_the_mixture(long n, long k, double expected) =>
        Assert.Equal(expected, Test.WorseEvidence(n, k), 5);

    [Theory]
    [InlineData(200, 1, 5.596822)]
    [InlineData(300, 5, 3.698633)]
    [InlineData(50, 0, 1.552664)]
    public void No_worse_evidence_matches_the_integral_of_the_mixture(long n, long k, double expected) =>
        Assert.Equal(expected, Test.NoWorseEvidence(n, k), 5);

    [Fact]
    public void A_canary_failing_half_its_requests_aborts_on_its_second_error_and_88_clean_requests_show_no_worse()
    {
        // 1 error in 1 request is evidence (ln 3.92 >= ln 3.91) but one failure alone never aborts.
        Assert.True(Test.WorseEvidence(1, 1) >= Test.WorseBoundary);
        Assert.Equal(SequentialDecision.Continue, Test.Decide(1, 1));
        Assert.Equal((SequentialDecision.Worse, 4), Test.Run([false, true, false, true, false]));
        // Two errors early enough abort (within 7 requests: ln 4.15); later they are not enough (8: ln 3.75).
        Assert.Equal(SequentialDecision.Worse, Test.Decide(7, 2));
        Assert.Equal(SequentialDecision.Continue, Test.Decide(8, 2));
        Assert.Equal(SequentialDecision.Continue, Test.Decide(87, 0));
        Assert.Equal(SequentialDecision.NoWorse, Test.Decide(88, 0));
        Assert.Equal((SequentialDecision.NoWorse, 88), Test.Run(Enumerable.Repeat(false, 200)));
    }

    [Fact]
    public void Against_a_baseline_the_hypotheses_are_those_of_walds_test()
    {
        var t = MixtureTest.AgainstBaseline(0.02, 0.01, 0.05, 0.02, 0.05);
        Assert.Equal(0.03, t.P0, 9);
        Assert.Equal(0.07, t.P1, 9);
    }

    [Theory]
    [InlineData(0.02, 0.05)]
    [InlineData(0.05, 0.10)]
    public void Error_rates_by_simulation_stay_within_alpha_and_beta(double alpha, double beta)
    {
        // 2000 canaries at exactly p0 and 2000 at exactly p1, fixed seed. Ville's inequality bounds
        // the false-abort rate by α and the missed-regression rate by β, however long the test runs.
        var test = new MixtureTest(0.01, 0.05, alpha, beta);
        var rates = SimulatedCanaries.Run(o => test.Run(o).Decision, seed: 20261129);
        Assert.Equal(0, rates.Undecided);
        Assert.True(rates.FalseAbortRate <= alpha, $"false aborts {rates.FalseAborts}/{rates.Runs}");
        Assert.True(rates.MissedRate <= beta, $"missed regressions {rates.Missed}/{rates.Runs}");
        // A 50% error ratio is caught after a handful of requests.
        var random = new Random(7);
        var fast = Enumerable.Range(0, 200).Select(_ => test.Run(SimulatedCanaries.Outcomes(random, 0.5))).ToList();
        Assert.All(fast, r => Assert.Equal(SequentialDecision.Worse, r.Decision));
        Assert.True(fast.Select(r => r.After).Order().ElementAt(100) <= 6, $"median requests to abort {fast.Select(r => r.After).Order().ElementAt(100)}");
    }
}
