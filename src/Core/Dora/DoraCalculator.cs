namespace OpsConsole.Core.Dora;

/// <summary>A deployment that finished in some environment (a <c>deploy.completed</c> event).</summary>
/// <param name="Healthy">True when the new version took all traffic; false when the rollout rolled back or stopped.</param>
public sealed record DeployFact(DateTime Time, string Service, string Environment, string? Version, string? RolloutId, bool Healthy);

/// <summary>A rollout that rolled back (a <c>rollback.executed</c> event).</summary>
public sealed record RollbackFact(DateTime Time, string Service, string Environment, string? RolloutId);

/// <summary>A service an incident hurts; no environment: every environment of it.</summary>
public sealed record IncidentService(string Service, string? Environment);

/// <summary>An incident (its <c>incident.opened</c> event and, once resolved, its <c>incident.resolved</c>).</summary>
public sealed record IncidentFact(long Id, DateTime OpenedAt, DateTime? ResolvedAt, IReadOnlyList<IncidentService> Services);

/// <summary>What the figures are computed from: stored events (drills already left out) and release commit times.</summary>
public sealed record DoraFacts(
    IReadOnlyList<DeployFact> Deploys, IReadOnlyList<RollbackFact> Rollbacks, IReadOnlyList<IncidentFact> Incidents,
    IReadOnlyDictionary<(string Service, string Version), DateTime> CommitTimes);

/// <summary>
/// The four DORA figures from a history of production deployments, rollbacks and incidents.
/// <list type="bullet">
/// <item>A production deployment is a <c>deploy.completed</c> in a production environment; it
/// succeeded when it completed healthy. Deployment frequency counts the successful ones.</item>
/// <item>Lead time: from the release's commit time to the first healthy production deployment of
/// that service and version (median, and the 90th percentile by nearest rank).</item>
/// <item>A deployment failed when its rollout rolled back, or when a rollback or an incident on its
/// service followed it within <see cref="FailureWindow"/>. Each rollback or incident is laid at the
/// door of one deployment: the rollout it names, else the latest production deployment of that
/// service (and environment, when the incident names one) before it. Change failure rate: failed
/// over all production deployments.</item>
/// <item>Recovery: from the first sign of failure (the rollback, or the incident opening) to the next
/// healthy production deployment of that service and environment or the incident's resolution,
/// whichever comes first. Failures not yet recovered are counted apart, not in the median.</item>
/// </list>
/// Medians of an even count take the mean of the two middle values.
/// </summary>
public static class DoraCalculator
{
    public static readonly TimeSpan FailureWindow = TimeSpan.FromHours(24);

    /// <summary>A rollback is written in the same moment as its rollout's <c>deploy.completed</c>, in either order.</summary>
    private static readonly TimeSpan SameMoment = TimeSpan.FromMinutes(1);

    public static DoraReport Compute(DoraFacts facts, DoraSettings settings, string? service, DateTime from, DateTime to)
    {
        var prod = facts.Deploys.Where(d => settings.ProdEnvironments.Contains(d.Environment)).OrderBy(d => d.Time).ToList();
        var signals = prod.Select(_ => new List<(DateTime Time, string By, IncidentFact? Incident)>()).ToList();

        foreach (var rb in facts.Rollbacks.Where(r => settings.ProdEnvironments.Contains(r.Environment)))
        {
            var owner = rb.RolloutId is null ? -1 : prod.FindIndex(d => d.RolloutId == rb.RolloutId);
            if (owner < 0)
                owner = prod.FindLastIndex(d => d.Service == rb.Service && d.Environment == rb.Environment && d.Time <= rb.Time + SameMoment
                                                && rb.Time - d.Time <= FailureWindow);
            if (owner >= 0) signals[owner].Add((rb.Time, "rollback", null));
        }
        foreach (var incident in facts.Incidents)
        {
            var owner = prod.FindLastIndex(d => d.Time <= incident.OpenedAt && incident.OpenedAt - d.Time <= FailureWindow
                                                && incident.Services.Any(s => s.Service == d.Service && (s.Environment is null || s.Environment == d.Environment)));
            if (owner >= 0) signals[owner].Add((incident.OpenedAt, $"incident {incident.Id}", incident));
        }

        var firstHealthy = new HashSet<(string, string?)>();
        var seen = new List<DoraDeployment>();
        for (var i = 0; i < prod.Count; i++)
        {
            var d = prod[i];
            double? lead = null;
            if (d.Healthy && d.Version is not null && firstHealthy.Add((d.Service, d.Version))
                && facts.CommitTimes.TryGetValue((d.Service, d.Version), out var commit) && commit <= d.Time)
                lead = (d.Time - commit).TotalHours;

            var found = signals[i];
            var failed = !d.Healthy || found.Count > 0;
            string? by = null;
            double? recovery = null;
            if (failed)
            {
                var start = found.Select(s => s.Time).Append(d.Healthy ? DateTime.MaxValue : d.Time).Min();
                by = found.Count > 0 ? string.Join(", ", found.OrderBy(s => s.Time).Select(s => s.By).Distinct()) : "rollback";
                var ends = prod.Where(n => n.Healthy && n.Service == d.Service && n.Environment == d.Environment && n.Time > start && n != d)
                    .Select(n => (DateTime?)n.Time).Take(1)
                    .Concat(found.Where(s => s.Incident?.ResolvedAt is { } r && r > start).Select(s => s.Incident!.ResolvedAt))
                    .ToList();
                if (ends.Count > 0) recovery = (ends.Min()!.Value - start).TotalHours;
            }
            seen.Add(new DoraDeployment(d.Time, d.Service, d.Environment, d.Version, d.Healthy, failed, by, lead, recovery));
        }

        var inPeriod = seen.Where(d => d.Time >= from && d.Time < to && (service is null || d.Service == service)).ToList();
        var days = Math.Max((to - from).TotalDays, 1.0 / 24);
        var services = inPeriod.Select(d => d.Service).Distinct().Order(StringComparer.Ordinal).ToList();
        if (service is not null && services.Count == 0) services.Add(service);
        return new DoraReport(
            service, from, to, settings.ProdEnvironments.Order(StringComparer.Ordinal).ToList(),
            Figures(inPeriod, days),
            services.Select(s => new DoraServiceFigures(s, Figures(inPeriod.Where(d => d.Service == s).ToList(), days))).ToList(),
            Weeks(inPeriod, from, to),
            inPeriod.OrderByDescending(d => d.Time).ToList());
    }

    public static DoraFigures Figures(IReadOnlyList<DoraDeployment> deploys, double days)
    {
        var successful = deploys.Count(d => d.Healthy);
        var failed = deploys.Count(d => d.Failed);
        var perDay = successful / days;
        var leads = deploys.Where(d => d.LeadTimeHours is not null).Select(d => d.LeadTimeHours!.Value).ToList();
        var recoveries = deploys.Where(d => d.Failed && d.RecoveryHours is not null).Select(d => d.RecoveryHours!.Value).ToList();
        var leadMedian = Median(leads);
        double? rate = deploys.Count == 0 ? null : (double)failed / deploys.Count;
        var recoveryMedian = Median(recoveries);
        return new DoraFigures(
            deploys.Count, successful, failed, Round(perDay), Round(perDay * 7), DoraBands.Frequency(perDay),
            leads.Count, Round(leadMedian), Round(Percentile(leads, 0.9)), DoraBands.LeadTime(leadMedian),
            Round(rate), DoraBands.ChangeFailure(rate),
            recoveries.Count, failed - recoveries.Count, Round(recoveryMedian), DoraBands.Recovery(recoveryMedian));
    }

    /// <summary>Weeks from the Monday on or before <paramref name="from"/> until <paramref name="to"/>.</summary>
    public static IReadOnlyList<DoraWeek> Weeks(IReadOnlyList<DoraDeployment> deploys, DateTime from, DateTime to)
    {
        var start = from.Date.AddDays(-(((int)from.DayOfWeek + 6) % 7));
        var weeks = new List<DoraWeek>();
        for (var w = start; w < to; w = w.AddDays(7))
        {
            var end = w.AddDays(7);
            var these = deploys.Where(d => d.Time >= w && d.Time < end).ToList();
            weeks.Add(new DoraWeek(DateTime.SpecifyKind(w, DateTimeKind.Utc), these.Count, these.Count(d => d.Failed),
                Round(Median(these.Where(d => d.LeadTimeHours is not null).Select(d => d.LeadTimeHours!.Value).ToList()))));
        }
        return weeks;
    }

    public static double? Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return null;
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Nearest rank: the smallest value with at least <paramref name="p"/> of the values at or below it.</summary>
    public static double? Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0) return null;
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    private static double? Round(double? v) => v is null ? null : Math.Round(v.Value, 4);

    private static double Round(double v) => Math.Round(v, 4);
}
