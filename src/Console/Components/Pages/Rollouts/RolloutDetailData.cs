using OpsConsole.Core.Rollouts;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Components.Pages.Rollouts;

/// <summary>Everything the rollout detail shows, read in one go: the stored rollout, what the cluster runs, the rollout's events.</summary>
/// <param name="Service">What the cluster runs for the service now; null when it runs nothing or could not be asked.</param>
public sealed record RolloutDetailData(RolloutModel Rollout, ServiceState? Service, string? ClusterError, IReadOnlyList<EventEnvelope> Events)
{
    public const int MaxEvents = 100;

    public static async Task<RolloutDetailData?> LoadAsync(OpsDbContext db, IClusterAdapter cluster, Guid id, CancellationToken ct = default)
    {
        var rollout = await db.Rollouts.AsNoTracking().WithAnalysis()
            .FirstOrDefaultAsync(r => r.Id == id, ct);
        if (rollout is null) return null;

        ServiceState? service = null;
        string? error = null;
        try { service = await cluster.GetServiceAsync(rollout.Target, ct); }
        catch (Exception ex) when (ex is not OperationCanceledException) { error = ex.Message; }

        // Every rollout event carries the rollout's id in its data; the subject narrows the search first.
        var subject = rollout.Target.ToString();
        var idText = id.ToString();
        var events = await db.OutboxEvents.AsNoTracking()
            .Where(e => e.Subject == subject && e.CloudEventJson.Contains(idText))
            .OrderByDescending(e => e.Position).Take(MaxEvents).ToListAsync(ct);
        return new RolloutDetailData(RolloutModel.From(rollout), service, error, events.Select(EventEnvelope.From).ToList());
    }

    /// <summary>Whether a relayed event belongs to this rollout (same test as the query above).</summary>
    public static bool Concerns(EventEnvelope e, Guid id, string subject) =>
        e.Subject == subject && e.CloudEventJson.Contains(id.ToString(), StringComparison.Ordinal);
}
