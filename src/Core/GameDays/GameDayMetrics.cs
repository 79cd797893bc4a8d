using OpsConsole.Core.Cluster;
using OpsConsole.Core.Slo;

namespace OpsConsole.Core.GameDays;

/// <summary>
/// The live values game-day conditions read for one service/environment: error ratio, p99 latency and
/// requests per second at its ingress over a short window (summed over its revisions), and the highest
/// current SLO burn rate when SLOs exist. Null when the target had no traffic in the window (nothing measured).
/// </summary>
public sealed class GameDayMetrics(IClusterAdapter cluster, ISloBurn? burn = null)
{
    /// <summary>Short, so an abort condition fires within seconds of a fault.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    /// <summary>The burn-rate window read for <c>burn_rate</c>: the fast page window of the SRE workbook.</summary>
    public static readonly TimeSpan BurnWindow = TimeSpan.FromMinutes(5);

    public async Task<SliValues?> ReadAsync(ServiceEnvironment target, CancellationToken ct = default)
    {
        var service = await cluster.GetServiceAsync(target, ct);
        if (service is null) return null;
        long requests = 0, errors = 0;
        double p99 = 0, seconds = Window.TotalSeconds;
        foreach (var revision in service.Revisions)
        {
            var m = await cluster.GetRevisionMetricsAsync(target, revision.Name, Window, ct);
            requests += m.Requests;
            errors += m.Errors5xx;
            if (m.LatencyP99Ms is { } p) p99 = Math.Max(p99, p);
            if (m.Window > TimeSpan.Zero) seconds = m.Window.TotalSeconds;
        }
        if (requests == 0) return null;
        double burnRate = 0;
        if (burn is not null)
        {
            foreach (var slo in await burn.CurrentAsync(target, BurnWindow, ct))
                if (slo.BurnRate is { } b) burnRate = Math.Max(burnRate, b);
        }
        return new SliValues((double)errors / requests, p99, requests / seconds, burnRate);
    }
}
