using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Components.Pages.Rollouts;

/// <summary>One service in one environment on the board.</summary>
/// <param name="Weights">The rollout's split while one is in flight, else what the ingress reports (all on stable when it reports nothing).</param>
public sealed record BoardCell(DeployTarget Target, RolloutModel? Active, IReadOnlyDictionary<string, int> Weights, TrafficLoad? Traffic, string? ClusterError)
{
    public string Subject => Target.Target.ToString();
}

/// <summary>The rollouts board: services (rows) by environments (columns), and the latest rollouts.</summary>
public sealed record RolloutBoard(IReadOnlyList<string> Services, IReadOnlyList<string> Environments, IReadOnlyDictionary<string, BoardCell> Cells,
    IReadOnlyList<RolloutModel> Recent)
{
    public const int RecentCount = 20;

    /// <summary>The usual promotion order first; any other environment after them, by name.</summary>
    private static readonly string[] KnownOrder = ["dev", "test", "qa", "staging", "preprod", "prod", "production"];

    public static RolloutBoard Empty { get; } = new([], [], new Dictionary<string, BoardCell>(), []);

    public BoardCell? Cell(string service, string environment) => Cells.GetValueOrDefault($"{service}/{environment}");

    public static async Task<RolloutBoard> LoadAsync(OpsDbContext db, IClusterAdapter cluster, ITrafficGenerator? traffic, CancellationToken ct = default)
    {
        var targets = await db.DeployTargets.AsNoTracking().ToListAsync(ct);
        var active = await db.Rollouts.AsNoTracking().Include(r => r.AnalysisRuns).InFlight().ToListAsync(ct);
        var recent = await db.Rollouts.AsNoTracking().OrderByDescending(r => r.CreatedAt).Take(RecentCount).ToListAsync(ct);
        var loads = (traffic?.Status() ?? []).ToDictionary(s => s.Target.ToString(), s => s.Load);

        var cells = new Dictionary<string, BoardCell>();
        foreach (var t in targets)
        {
            var rollout = active.FirstOrDefault(r => r.Service == t.Service && r.Environment == t.Environment);
            var model = rollout is null ? null : RolloutModel.From(rollout);
            IReadOnlyDictionary<string, int>? weights = model?.View.Weights;
            string? error = null;
            if (weights is null)
            {
                try { weights = (await cluster.GetServiceAsync(t.Target, ct))?.Routing.Weights?.Weights; }
                catch (Exception ex) when (ex is not OperationCanceledException) { error = ex.Message; }
            }
            weights ??= t.StableRevision is null ? new Dictionary<string, int>() : new Dictionary<string, int> { [t.StableRevision] = 100 };
            var key = t.Target.ToString();
            cells[key] = new BoardCell(t, model, weights, loads.GetValueOrDefault(key) is { RequestsPerSecond: > 0 } load ? load : null, error);
        }

        var environments = targets.Select(t => t.Environment).Distinct()
            .OrderBy(e => Array.IndexOf(KnownOrder, e) is var i && i >= 0 ? i : KnownOrder.Length).ThenBy(e => e, StringComparer.Ordinal).ToList();
        var services = targets.Select(t => t.Service).Distinct().Order(StringComparer.Ordinal).ToList();
        return new RolloutBoard(services, environments, cells, recent.Select(RolloutModel.From).ToList());
    }
}
