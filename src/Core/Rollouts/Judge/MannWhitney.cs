using MathNet.Numerics.Distributions;

namespace OpsConsole.Core.Rollouts.Judge;

/// <summary>The result of a Mann-Whitney U test of <c>x</c> against <c>y</c>.</summary>
/// <param name="U">U of the first sample: the number of pairs (x, y) with x &gt; y, ties counting one half.</param>
/// <param name="Z">The normal approximation's statistic (tie-corrected, no continuity correction).</param>
/// <param name="PTwoSided">Two-sided p-value of "x and y come from the same distribution".</param>
public sealed record MannWhitneyResult(double U, double Z, double PTwoSided, double PGreater, double PLess);

/// <summary>
/// The Mann-Whitney U (Wilcoxon rank-sum) test with mid-ranks for ties and the large-sample normal
/// approximation with the tie correction of the variance (Hollander and Wolfe). The judge asks for
/// at least 20 samples a side, where the approximation is close to the exact distribution.
/// </summary>
public static class MannWhitney
{
    public static MannWhitneyResult Test(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int n1 = x.Count, n2 = y.Count;
        if (n1 == 0 || n2 == 0) throw new ArgumentException("Both samples need at least one value.");
        var all = new (double Value, bool First)[n1 + n2];
        for (var i = 0; i < n1; i++) all[i] = (x[i], true);
        for (var j = 0; j < n2; j++) all[n1 + j] = (y[j], false);
        Array.Sort(all, (a, b) => a.Value.CompareTo(b.Value));

        double rankSumX = 0, tieTerm = 0;
        for (var i = 0; i < all.Length;)
        {
            var j = i;
            while (j + 1 < all.Length && all[j + 1].Value == all[i].Value) j++;
            var midRank = (i + j + 2) / 2.0; // ranks are 1-based: positions i..j hold ranks i+1..j+1
            for (var k = i; k <= j; k++) if (all[k].First) rankSumX += midRank;
            double t = j - i + 1;
            tieTerm += t * t * t - t;
            i = j + 1;
        }
        var u = rankSumX - n1 * (n1 + 1) / 2.0;
        double n = n1 + n2;
        var mean = n1 * (double)n2 / 2;
        var variance = n1 * (double)n2 / 12 * (n + 1 - tieTerm / (n * (n - 1)));
        if (variance <= 0) return new MannWhitneyResult(u, 0, 1, 0.5, 0.5); // every value equal: no evidence either way
        var z = (u - mean) / Math.Sqrt(variance);
        var greater = 1 - Normal.CDF(0, 1, z);
        var less = Normal.CDF(0, 1, z);
        return new MannWhitneyResult(u, z, Math.Min(1, 2 * Math.Min(greater, less)), greater, less);
    }
}
