using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Metrics;

/// <summary>One revision's series on a dashboard.</summary>
public sealed record RevisionSeries(string Revision, IReadOnlyList<MetricSeriesPoint> Points);

/// <summary>What a service dashboard (page or API) shows for a range: the series overall and per revision, and the marked events.</summary>
public sealed record MetricDashboard(
    string Service,
    string Environment,
    DateTimeOffset From,
    DateTimeOffset To,
    TimeSpan Step,
    IReadOnlyList<MetricSeriesPoint> Overall,
    IReadOnlyList<RevisionSeries> Revisions,
    IReadOnlyList<MetricMarker> Markers);

/// <summary>Reads service dashboards; the service/environment must be one the console deploys to.</summary>
public sealed class MetricDashboards(IDbContextFactory<OpsDbContext> dbFactory, MetricHistory history)
{
    public async Task<MetricDashboard> ReadAsync(string service, string environment, MetricRange range, CancellationToken ct = default)
    {
        var target = await TargetAsync(service, environment, ct);
        var series = await history.SeriesAsync(target, range.From, range.To, range.Step, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var markers = await MetricMarkers.ReadAsync(db, target, range.From, range.To, ct);
        var revisions = series.ByRevision.GroupBy(p => p.Revision!).Select(g => new RevisionSeries(g.Key, g.ToList())).ToList();
        return new MetricDashboard(target.Service, target.Environment, range.From, range.To, series.Step, series.Overall, revisions, markers);
    }

    /// <summary>Every service/environment that has a dashboard, by service then environment.</summary>
    public async Task<IReadOnlyList<ServiceEnvironment>> TargetsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.DeployTargets.AsNoTracking().Select(t => new { t.Service, t.Environment }).ToListAsync(ct);
        return rows.OrderBy(t => t.Service, StringComparer.Ordinal).ThenBy(t => t.Environment, StringComparer.Ordinal)
            .Select(t => new ServiceEnvironment(t.Service, t.Environment)).ToList();
    }

    private async Task<ServiceEnvironment> TargetAsync(string service, string environment, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.DeployTargets.AnyAsync(t => t.Service == service, ct))
            throw new InvalidInputException("service", $"There is no service '{Cut(service)}'.");
        if (!await db.DeployTargets.AnyAsync(t => t.Service == service && t.Environment == environment, ct))
            throw new InvalidInputException("environment", $"The service '{service}' is not deployed to an environment '{Cut(environment)}'.");
        return new ServiceEnvironment(service, environment);
    }

    private static string Cut(string text) => text.Length <= 63 ? text : text[..63] + "…";
}
