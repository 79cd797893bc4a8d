using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Components.Pages.Rollouts;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Events;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Components.Pages.Overview;

/// <summary>
/// What someone opening the console needs first: what is deploying now, what just failed or rolled
/// back, and which batches wait for them. Read from the store in one go; the ingress rates are read
/// apart (<see cref="IngressRate"/>) because they change every second, not on events.
/// </summary>
public sealed record OverviewData(IReadOnlyList<RolloutModel> InFlight, IReadOnlyList<EventEnvelope> Failures, IReadOnlyList<MigrationBatch> AwaitingMe)
{
    public static readonly OverviewData Empty = new([], [], []);
    public const int MaxFailures = 5;

    /// <summary>Events that mean something went wrong; a healthy completion is not news on this page.</summary>
    public static readonly string[] FailureTypes = [EventTypes.RollbackExecuted, EventTypes.AnalysisFailed, EventTypes.MigrationFailed];

    public static async Task<OverviewData> LoadAsync(OpsDbContext db, Actor viewer, CancellationToken ct = default)
    {
        var active = await db.Rollouts.AsNoTracking().WithAnalysis()
            .Where(r => r.Phase == RolloutPhase.Progressing || r.Phase == RolloutPhase.Paused)
            .OrderByDescending(r => r.CreatedAt).ToListAsync(ct);
        var failures = await db.OutboxEvents.AsNoTracking().Where(e => FailureTypes.Contains(e.Type))
            .OrderByDescending(e => e.Position).Take(MaxFailures).ToListAsync(ct);
        var waiting = await db.MigrationBatches.AsNoTracking().Where(b => b.Status == MigrationBatchStatus.AwaitingApproval)
            .OrderBy(b => b.RequestedAt).ToListAsync(ct);
        return new OverviewData(
            active.Select(RolloutModel.From).ToList(),
            failures.Select(EventEnvelope.From).ToList(),
            waiting.Where(b => MigrationApproval.Check(b, viewer) is null).ToList());
    }

    /// <summary>Whether a relayed event can change what the overview shows.</summary>
    public static bool Concerns(EventEnvelope e) =>
        e.Type.StartsWith("deploy.", StringComparison.Ordinal) || e.Type.StartsWith("rollout.", StringComparison.Ordinal)
        || e.Type.StartsWith("rollback.", StringComparison.Ordinal) || e.Type.StartsWith("analysis.", StringComparison.Ordinal)
        || e.Type.StartsWith("migration.", StringComparison.Ordinal);
}
