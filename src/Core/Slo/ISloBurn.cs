using OpsConsole.Core.Cluster;

namespace OpsConsole.Core.Slo;

/// <summary>An SLO's burn rate right now over one window: how many times faster than sustainable its budget is spent (null: no traffic).</summary>
public sealed record SloBurnNow(long SloId, string Kind, double Objective, TimeSpan Window, double? BurnRate);

/// <summary>
/// The current burn rates of a service/environment's SLOs, for readers outside the SLO capability
/// (game-day abort conditions, the error-budget gate, drills).
/// </summary>
public interface ISloBurn
{
    Task<IReadOnlyList<SloBurnNow>> CurrentAsync(ServiceEnvironment target, TimeSpan window, CancellationToken ct = default);
}

/// <summary>Names of the alerts the console raises itself for SLOs, so drills and game days can look for them.</summary>
public static class SloAlerts
{
    /// <summary>The <c>alertname</c> label of a multi-window burn-rate alert; labels also carry service, environment, slo (id), rule (fast-burn, slow-burn, budget-erosion) and severity (page|ticket).</summary>
    public const string BurnRate = "SloBurnRate";
}
