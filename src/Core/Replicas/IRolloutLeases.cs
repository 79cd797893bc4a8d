namespace OpsConsole.Core.Replicas;

/// <summary>
/// Which in-flight rollouts this console replica drives. One replica drives a rollout at a time; when
/// a replica stops renewing (it died, or paused too long) another takes its rollouts after the lease
/// time. The embedded default is one process: <see cref="SoleReplica"/> holds everything and writes nothing.
/// </summary>
public interface IRolloutLeases
{
    /// <summary>This replica's name (shown on /readyz and in logs).</summary>
    string Replica { get; }

    /// <summary>
    /// Renews what this replica holds, takes what is free or expired (no more than its fair share of
    /// the rollouts given), and returns the rollouts it now drives with their fencing tokens.
    /// </summary>
    Task<IReadOnlyDictionary<Guid, long>> HoldAsync(IReadOnlyCollection<Guid> inFlight, CancellationToken ct);

    /// <summary>
    /// Whether this replica holds the cluster lease: it keeps the stable revisions running (on the local
    /// cluster, it owns the workload processes) and does the store-wide periodic work that must run once
    /// across replicas (metric samples, alert dispatch, SLO evaluation, drills, promotions).
    /// </summary>
    Task<bool> HoldsClusterAsync(CancellationToken ct);

    /// <summary>
    /// Extends what this replica still holds, between passes: a pass slowed down by a busy machine or
    /// store must not let its leases lapse. Nothing that already lapsed is revived.
    /// </summary>
    Task RenewAsync(CancellationToken ct);

    /// <summary>
    /// False once this replica's leases may have expired without it noticing (it was paused longer
    /// than the lease time since its last renewal): cluster writes are refused until it renews again.
    /// </summary>
    bool Fresh { get; }

    /// <summary>What this replica held after its last renewal (for /readyz and /metrics).</summary>
    ReplicaLeaseState State { get; }

    /// <summary>Gives up everything this replica holds (a graceful shutdown), so another replica takes over at once.</summary>
    Task ReleaseAllAsync(CancellationToken ct);
}

/// <summary>A replica's leases after its last renewal: how many rollouts it drives, whether it holds the cluster, when it renewed.</summary>
public sealed record ReplicaLeaseState(string Replica, int Rollouts, bool HoldsCluster, DateTime? RenewedAt);

/// <summary>One process on its own store: it drives every rollout and the cluster, with nothing to write.</summary>
public sealed class SoleReplica : IRolloutLeases
{
    public string Replica => Environment.MachineName;

    public Task<IReadOnlyDictionary<Guid, long>> HoldAsync(IReadOnlyCollection<Guid> inFlight, CancellationToken ct) =>
        Task.FromResult<IReadOnlyDictionary<Guid, long>>(inFlight.ToDictionary(id => id, _ => 0L));

    public Task<bool> HoldsClusterAsync(CancellationToken ct) => Task.FromResult(true);

    public Task RenewAsync(CancellationToken ct) => Task.CompletedTask;

    public bool Fresh => true;

    public ReplicaLeaseState State => new(Replica, 0, true, null);

    public Task ReleaseAllAsync(CancellationToken ct) => Task.CompletedTask;
}
