using MathNet.Numerics.Distributions;

namespace OpsConsole.Core.Rollouts.Judge;

/// <summary>A shift of x against y: the estimate and its confidence interval (same units as the samples).</summary>
public sealed record ShiftEstimate(double Estimate, double Lower, double Upper);

/// <summary>
/// The Hodges-Lehmann estimator of the shift between two samples: the median of every difference
/// x_i - y_j, with the distribution-free confidence interval from the same differences (Bauer 1972,
/// as R's <c>wilcox.test(conf.int = TRUE)</c> computes it with the normal approximation).
/// Samples are thinned evenly to <see cref="MaxPerSample"/> values so the pairs stay cheap.
/// </summary>
public static class HodgesLehmann
{
    public const int MaxPerSample = 600;

    public static ShiftEstimate Estimate(IReadOnlyList<double> x, IReadOnlyList<double> y, double confidence = 0.95)
    {
        if (x.Count == 0 || y.Count == 0) throw new ArgumentException("Both samples need at least one value.");
        var xs = Thin(x);
        var ys = Thin(y);
        var d = new double[xs.Count * ys.Count];
        var k = 0;
        foreach (var a in xs)
            foreach (var b in ys)
                d[k++] = a - b;
        Array.Sort(d);
        var m = d.Length;
        var median = m % 2 == 1 ? d[m / 2] : (d[m / 2 - 1] + d[m / 2]) / 2;
        // The interval's ends are the C-th smallest and largest differences, C from the U statistic's normal approximation.
        double n1 = xs.Count, n2 = ys.Count;
        var z = Normal.InvCDF(0, 1, 1 - (1 - confidence) / 2);
        var c = (int)Math.Floor(n1 * n2 / 2 - z * Math.Sqrt(n1 * n2 * (n1 + n2 + 1) / 12));
        c = Math.Clamp(c, 0, m - 1);
        return new ShiftEstimate(median, d[c], d[m - 1 - c]);
    }

    private static IReadOnlyList<double> Thin(IReadOnlyList<double> v)
    {
        if (v.Count <= MaxPerSample) return v;
        var step = (double)v.Count / MaxPerSample;
        return Enumerable.Range(0, MaxPerSample).Select(i => v[(int)(i * step)]).ToList();
    }
}
