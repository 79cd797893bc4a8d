using System.Text.Json.Serialization;

namespace OpsConsole.Core.Dora;

/// <summary>A DORA performance band (the State of DevOps report's clusters); <see cref="None"/> when there is nothing to judge.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DoraBand>))]
public enum DoraBand
{
    None,
    Low,
    Medium,
    High,
    Elite,
}

/// <summary>DORA settings: which environments are production.</summary>
/// <param name="ProdEnvironments"><c>OPS_DORA_PROD_ENVIRONMENTS</c>, else <c>OPS_INCIDENT_PROD_ENVIRONMENTS</c>, else <c>prod</c>.</param>
public sealed record DoraSettings(IReadOnlySet<string> ProdEnvironments)
{
    /// <summary>The longest period one report covers.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(366);

    /// <summary>The period a report covers when none is asked for.</summary>
    public static readonly TimeSpan DefaultRange = TimeSpan.FromDays(28);

    public static readonly DoraSettings Default = new(new HashSet<string>(StringComparer.Ordinal) { "prod" });

    public static DoraSettings From(params string?[] candidates)
    {
        foreach (var c in candidates)
        {
            var envs = (c ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(e => e.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
            if (envs.Count > 0) return new DoraSettings(envs);
        }
        return Default;
    }
}

/// <summary>The four figures for one service (or all services) over a period, each with its band.</summary>
/// <param name="Deployments">Production deployments that started in the period (successful and failed).</param>
/// <param name="SuccessfulDeployments">Those that completed healthy: the deployment frequency counts these.</param>
/// <param name="FailedDeployments">Those rolled back, or followed by a rollback or an incident on the service within 24 h.</param>
/// <param name="LeadTimeMedianHours">Median hours from the release's commit to its first healthy production deployment.</param>
/// <param name="LeadTimeP90Hours">The 90th percentile of the same (nearest rank).</param>
/// <param name="ChangeFailureRate">Failed over all deployments, 0..1; null without deployments.</param>
/// <param name="RecoveryMedianHours">Median hours from a failure to the next healthy deployment or the incident's resolution.</param>
/// <param name="Unrecovered">Failures with no recovery yet (not in the median).</param>
public sealed record DoraFigures(
    int Deployments, int SuccessfulDeployments, int FailedDeployments,
    double DeploymentsPerDay, double DeploymentsPerWeek, DoraBand FrequencyBand,
    int LeadTimeSamples, double? LeadTimeMedianHours, double? LeadTimeP90Hours, DoraBand LeadTimeBand,
    double? ChangeFailureRate, DoraBand ChangeFailureBand,
    int Recoveries, int Unrecovered, double? RecoveryMedianHours, DoraBand RecoveryBand);

/// <summary>One week of the period (weeks start on Monday, UTC) for the charts.</summary>
public sealed record DoraWeek(DateTime WeekStart, int Deployments, int Failed, double? LeadTimeMedianHours);

/// <summary>One production deployment as the figures saw it.</summary>
public sealed record DoraDeployment(
    DateTime Time, string Service, string Environment, string? Version, bool Healthy, bool Failed, string? FailedBy,
    double? LeadTimeHours, double? RecoveryHours);

public sealed record DoraServiceFigures(string Service, DoraFigures Figures);

/// <summary>What the DORA page and <c>GET /api/v1/dora</c> show.</summary>
public sealed record DoraReport(
    string? Service, DateTime From, DateTime To, IReadOnlyList<string> ProdEnvironments,
    DoraFigures Overall, IReadOnlyList<DoraServiceFigures> Services, IReadOnlyList<DoraWeek> Weeks, IReadOnlyList<DoraDeployment> Deployments);
