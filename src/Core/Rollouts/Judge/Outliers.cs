namespace OpsConsole.Core.Rollouts.Judge;

/// <summary>Sample cleaning before a test: NaN and infinities out, then values beyond the interquartile fences.</summary>
public static class Outliers
{
    /// <summary>
    /// Removes NaN and infinite values, then every value outside [Q1 - k·IQR, Q3 + k·IQR]
    /// (Tukey's fences; k = <paramref name="factor"/>, 0 keeps every finite value). Quartiles by
    /// linear interpolation between order statistics (R's default, type 7).
    /// </summary>
    public static (List<double> Kept, int Removed) Clean(IEnumerable<double> values, double factor)
    {
        var finite = values.Where(double.IsFinite).ToList();
        var removed = 0;
        if (factor > 0 && finite.Count >= 4)
        {
            var sorted = finite.Order().ToArray();
            var q1 = Quantile(sorted, 0.25);
            var q3 = Quantile(sorted, 0.75);
            var iqr = q3 - q1;
            double low = q1 - factor * iqr, high = q3 + factor * iqr;
            var kept = finite.Where(v => v >= low && v <= high).ToList();
            removed = finite.Count - kept.Count;
            finite = kept;
        }
        return (finite, removed);
    }

    /// <summary>Quantile of sorted values by linear interpolation (R type 7).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) return double.NaN;
        var h = (sorted.Count - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
