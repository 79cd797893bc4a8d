namespace OpsConsole.Core.Cluster.Local;

/// <summary>
/// Fixed log-spaced latency bins (15% wide, 0.05 ms to about 2 minutes): cheap to record, cheap to
/// merge, and percentiles within about 7% of the true value.
/// </summary>
internal static class LatencyHistogram
{
    private const double First = 0.05;      // ms, upper bound of bin 0
    private const double Growth = 1.15;
    public const int Bins = 108;            // the last bin also takes everything slower
    private static readonly double LogGrowth = Math.Log(Growth);
    private static readonly double[] Upper = Enumerable.Range(0, Bins).Select(i => First * Math.Pow(Growth, i)).ToArray();

    public static int BinOf(double ms)
    {
        if (!(ms > First)) return 0;
        var i = (int)Math.Ceiling(Math.Log(ms / First) / LogGrowth - 1e-9);
        return Math.Clamp(i, 0, Bins - 1);
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1), interpolated within its bin; null when empty.</summary>
    public static double? Quantile(ReadOnlySpan<long> counts, long total, double q)
    {
        if (total <= 0) return null;
        var rank = Math.Max(1, Math.Ceiling(q * total));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0) continue;
            if (seen + counts[i] >= rank)
            {
                var lower = i == 0 ? 0 : Upper[i - 1];
                var within = (rank - seen) / counts[i];
                return lower + (Upper[i] - lower) * within;
            }
            seen += counts[i];
        }
        return Upper[^1];
    }
}
