using OpsConsole.Core.Rollouts.Judge;

namespace OpsConsole.Core.Tests.Rollouts.Judge;

/// <summary>Wald's sequential probability ratio test: boundaries from the closed form, decisions, error rates by simulation.</summary>
public sealed class SequentialTestTests
{
    private static readonly SequentialTest Test = new(P0: 0.01, P1: 0.05, Alpha: 0.02, Beta: 0.05);

    [Fact]
    public void Boundaries_are_Walds_closed_form()
    {
        // A = (1 - β)/α = 0.95/0.02 = 47.5, ln A = 3.86073; B = β/(1 - α) = 0.05/0.98 = 0.0510204, ln B = -2.97553.
        Assert.Equal(3.86073, Test.UpperBoundary, 5);
        Assert.Equal(-2.97553, Test.LowerBoundary, 5);
        // Steps: ln(p1/p0) = ln 5 = 1.60944; ln((1 - p1)/(1 - p0)) = ln(0.95/0.99) = -0.0412432.
        Assert.Equal(1.60944, Test.ErrorStep, 5);
        Assert.Equal(-0.0412432, Test.SuccessStep, 6);
    }

    [Fact]
    public void Three_errors_in_a_row_abort_and_73_clean_requests_accept()
    {
        // 2 errors: 3.219 < ln A; 3 errors: 4.828 >= ln A.
        Assert.Equal(SequentialDecision.Continue, Test.Decide(2, 2));
        Assert.Equal(SequentialDecision.Worse, Test.Decide(3, 3));
        Assert.Equal((SequentialDecision.Worse, 3), Test.Run([true, true, true, false]));
        // ln B / step = 2.97553 / 0.0412432 = 72.15: the 73rd clean request crosses ln B.
        Assert.Equal(SequentialDecision.Continue, Test.Decide(72, 0));
        Assert.Equal(SequentialDecision.NoWorse, Test.Decide(73, 0));
        Assert.Equal((SequentialDecision.NoWorse, 73), Test.Run(Enumerable.Repeat(false, 200)));
    }

    [Fact]
    public void Against_a_baseline_the_hypotheses_add_the_tolerated_extra_errors()
    {
        var t = SequentialTest.AgainstBaseline(0.02, 0.01, 0.05, 0.02, 0.05);
        Assert.Equal(0.03, t.P0, 9);
        Assert.Equal(0.07, t.P1, 9);
        Assert.Equal(Test.UpperBoundary, t.UpperBoundary, 9);
    }

    [Theory]
    [InlineData(0.02, 0.05)]
    [InlineData(0.05, 0.10)]
    public void Error_rates_by_simulation_stay_within_alpha_and_beta(double alpha, double beta)
    {
        // 2000 canaries at exactly p0 (healthy) and 2000 at exactly p1 (a regression), fixed seed.
        // Wald: false-abort rate <= α/(1 - β) and missed-regression rate <= β/(1 - α), usually below α and β.
        var test = new SequentialTest(0.01, 0.05, alpha, beta);
        var rates = SimulatedCanaries.Run(o => test.Run(o).Decision, seed: 20261128);
        Assert.Equal(0, rates.Undecided);
        Assert.True(rates.FalseAbortRate <= alpha + 0.01, $"false aborts {rates.FalseAborts}/{rates.Runs}");
        Assert.True(rates.MissedRate <= beta + 0.015, $"missed regressions {rates.Missed}/{rates.Runs}");
        // And the test has power: not vacuously passing by never deciding one way.
        Assert.True(rates.FalseAborts > 0 && rates.Missed > 0, $"false aborts {rates.FalseAborts}, missed {rates.Missed}");
    }
}
