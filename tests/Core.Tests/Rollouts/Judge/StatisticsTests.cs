using OpsConsole.Core.Rollouts.Judge;

namespace OpsConsole.Core.Tests.Rollouts.Judge;

/// <summary>Mann-Whitney U, Hodges-Lehmann and the outlier fences against published and hand-computed values.</summary>
public sealed class StatisticsTests
{
    // Hollander and Wolfe (1973), p. 69: the two-sample example of R's ?wilcox.test
    // ("permeability constants of the human chorioamnion"). R documents for it:
    //   wilcox.test(x, y, alternative = "g")                              W = 35, p-value = 0.1272 (exact)
    //   wilcox.test(x, y, alternative = "g", exact = FALSE, correct = FALSE)   p-value = 0.1103 (H&W large sample approximation)
    //   wilcox.test(x, y, conf.int = TRUE)                                 difference in location 0.305
    // By hand: the x ranks in the pooled sample are 1,3,4,7,10,11,12,13,14,15 (sum 90), so U = 90 - 10·11/2 = 35;
    // mean 25, variance 10·5·16/12 = 66.67, z = 10/8.165 = 1.2247, 1 - Φ(z) = 0.1103; of the 50 differences
    // x - y, the 25th and 26th smallest are 0.30 and 0.31, so their median is 0.305.
    private static readonly double[] X = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    private static readonly double[] Y = [1.15, 0.88, 0.90, 0.74, 1.21];

    [Fact]
    public void Mann_Whitney_U_matches_the_published_example()
    {
        var r = MannWhitney.Test(X, Y);
        Assert.Equal(35, r.U);
        Assert.Equal(1.2247, r.Z, 4);
        Assert.Equal(0.1103, r.PGreater, 4);
        Assert.Equal(2 * 0.11033, r.PTwoSided, 3);
    }

    [Fact]
    public void Mann_Whitney_U_of_the_swapped_samples_is_the_complement()
    {
        var r = MannWhitney.Test(Y, X);
        Assert.Equal(10 * 5 - 35, r.U);
        Assert.Equal(0.1103, r.PLess, 4);
    }

    [Fact]
    public void Ties_take_mid_ranks_and_correct_the_variance()
    {
        // By hand: pooled 1(x) 2(x) 2(x) 2(y) 3(x) 3(y) 4(y) 5(y); the 2s share rank 3, the 3s rank 5.5.
        // x's rank sum 1 + 3 + 3 + 5.5 = 12.5, U = 12.5 - 10 = 2.5 (pairs x > y with ties as halves: 0 + 0.5 + 0.5 + 1.5).
        // Ties t = 3 and t = 2: Σ(t³ - t) = 24 + 6 = 30; variance = 4·4/12 · (9 - 30/56) = 11.2857; z = (2.5 - 8)/√11.2857 = -1.6372.
        var r = MannWhitney.Test([1, 2, 2, 3], [2, 3, 4, 5]);
        Assert.Equal(2.5, r.U);
        Assert.Equal(-1.6372, r.Z, 4);
    }

    [Fact]
    public void Identical_constant_samples_show_no_difference()
    {
        var r = MannWhitney.Test([5, 5, 5], [5, 5, 5, 5]);
        Assert.Equal(1, r.PTwoSided);
    }

    [Fact]
    public void Hodges_Lehmann_shift_matches_the_published_example()
    {
        var shift = HodgesLehmann.Estimate(X, Y);
        Assert.Equal(0.305, shift.Estimate, 9);
        Assert.True(shift.Lower < shift.Estimate && shift.Estimate < shift.Upper);
    }

    [Fact]
    public void Hodges_Lehmann_of_a_pure_shift_is_the_shift()
    {
        var y = Enumerable.Range(1, 40).Select(i => (double)i).ToArray();
        var x = y.Select(v => v + 7).ToArray();
        var shift = HodgesLehmann.Estimate(x, y, 0.98);
        Assert.Equal(7, shift.Estimate, 9);
        Assert.InRange(7.0, shift.Lower, shift.Upper);
    }

    [Fact]
    public void Outliers_beyond_the_interquartile_fences_and_NaN_are_removed()
    {
        // Quartiles of 1..8 (R type 7): Q1 = 2.75, Q3 = 6.25, IQR = 3.5; fences at factor 1.5: -2.5 and 11.5.
        double[] values = [1, 2, 3, 4, 5, 6, 7, 8, 100, double.NaN, double.PositiveInfinity];
        var (kept, removed) = Outliers.Clean(values, 1.5);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], kept);
        Assert.Equal(1, removed);
        Assert.Equal(9, Outliers.Clean(values, 0).Kept.Count);
    }
}
