using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Replicas;

/// <summary>How replicas share the store's leases.</summary>
public sealed record ReplicaLeaseOptions
{
    /// <summary>How long a lease holds without renewal; a dead replica's rollouts move after at most this plus one idle pass.</summary>
    public TimeSpan LeaseTime { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// True for the local cluster: its workload processes live in one replica, so the replica holding
    /// the cluster lease drives every rollout. False for a cluster every replica reaches (Kubernetes):
    /// rollouts are spread over the live replicas.
    /// </summary>
    public bool RolloutsFollowCluster { get; init; }

    /// <summary>This replica's name; unique per process.</summary>
    public string Replica { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
}

/// <summary>
/// Leases in the console's store, for several replicas on one shared store. Every change is one
/// conditional UPDATE (or an INSERT that loses to a concurrent one), so two replicas racing for the
/// same lease cannot both win on SQLite or PostgreSQL; the token grows each time a lease changes hands.
/// </summary>
public sealed class StoreLeases(IDbContextFactory<OpsDbContext> dbFactory, TimeProvider clock, ReplicaLeaseOptions options, ILogger<StoreLeases> logger) : IRolloutLeases
{
    public const string ClusterLease = "cluster";
    private const string RolloutPrefix = "rollout:";
    private const string ReplicaPrefix = "replica:";

    // Until when, by this process's clock, nobody else can have taken what it holds: the start of its
    // last successful renewal plus the lease time.
    private DateTime _validUntil = DateTime.MinValue;

    // Lease rows this replica held after its last pass (its heartbeat, the cluster lease, rollout leases):
    // a renewal that extends fewer found one lapsed, and must not make the replica fresh again.
    private int _heldRows;

    public string Replica => options.Replica;

    public bool Fresh => clock.GetUtcNow().UtcDateTime < _validUntil;

    public ReplicaLeaseState State { get; private set; } = new(options.Replica, 0, false, null);

    public static string RolloutLease(Guid id) => RolloutPrefix + id.ToString("N");

    public async Task<IReadOnlyDictionary<Guid, long>> HoldAsync(IReadOnlyCollection<Guid> inFlight, CancellationToken ct)
    {
        var started = clock.GetUtcNow().UtcDateTime;
        var expires = started + options.LeaseTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var me = options.Replica;

        // Renew everything this replica holds, its heartbeat included, in one statement.
        await db.ReplicaLeases.Where(l => l.Holder == me && l.ExpiresAt > started).ExecuteUpdateAsync(u => u.SetProperty(l => l.ExpiresAt, expires), ct);
        await TakeAsync(db, ReplicaPrefix + me, started, expires, ct);
        // Heartbeats of replicas gone for an hour tell nothing any more.
        var gone = started.AddHours(-1);
        await db.ReplicaLeases.Where(l => l.Name.StartsWith(ReplicaPrefix) && l.ExpiresAt < gone).ExecuteDeleteAsync(ct);
        _validUntil = started + options.LeaseTime;

        if (options.RolloutsFollowCluster)
        {
            if (!await TakeAsync(db, ClusterLease, started, expires, ct))
            {
                State = new(me, 0, false, started);
                _heldRows = 1;
                return new Dictionary<Guid, long>();
            }
            var token = await db.ReplicaLeases.Where(l => l.Name == ClusterLease).Select(l => l.Token).SingleAsync(ct);
            State = new(me, inFlight.Count, true, started);
            _heldRows = 2;
            return inFlight.ToDictionary(id => id, _ => token);
        }

        var names = inFlight.ToDictionary(RolloutLease, id => id);
        var rows = await db.ReplicaLeases.AsNoTracking().Where(l => names.Keys.Contains(l.Name)).ToListAsync(ct);
        var held = rows.Where(l => l.Holder == me && l.ExpiresAt > started).ToDictionary(l => names[l.Name], l => l.Token);

        // Take no more than a fair share, so rollouts spread over the live replicas.
        var live = await db.ReplicaLeases.CountAsync(l => l.Name.StartsWith(ReplicaPrefix) && l.ExpiresAt > started, ct);
        var share = (int)Math.Ceiling(inFlight.Count / (double)Math.Max(1, live));
        var free = names.Keys.Where(n => rows.All(r => r.Name != n) || rows.Any(r => r.Name == n && r.ExpiresAt <= started)).ToList();
        foreach (var name in free)
        {
            if (held.Count >= share) break;
            if (!await TakeAsync(db, name, started, expires, ct)) continue;
            var token = await db.ReplicaLeases.Where(l => l.Name == name).Select(l => l.Token).SingleAsync(ct);
            held[names[name]] = token;
            logger.LogInformation("Replica {Replica} now drives rollout {RolloutId} (lease token {Token})", me, names[name], token);
        }

        // Leases of rollouts no longer in flight are dropped, so the table holds only live claims.
        await db.ReplicaLeases.Where(l => l.Holder == me && l.Name.StartsWith(RolloutPrefix) && !names.Keys.Contains(l.Name)).ExecuteDeleteAsync(ct);
        State = new(me, held.Count, State.HoldsCluster, started);
        _heldRows = 1 + held.Count + (State.HoldsCluster ? 1 : 0); // heartbeat, rollouts, cluster
        return held;
    }

    public async Task<bool> HoldsClusterAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var holds = await TakeAsync(db, ClusterLease, now, now + options.LeaseTime, ct);
        State = State with { HoldsCluster = holds };
        return holds;
    }

    public async Task RenewAsync(CancellationToken ct)
    {
        var started = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var me = options.Replica;
        var renewed = await db.ReplicaLeases.Where(l => l.Holder == me && l.ExpiresAt > started)
            .ExecuteUpdateAsync(u => u.SetProperty(l => l.ExpiresAt, started + options.LeaseTime), ct);
        if (_heldRows > 0 && renewed >= _heldRows) _validUntil = started + options.LeaseTime;
    }

    public async Task ReleaseAllAsync(CancellationToken ct)
    {
        var past = clock.GetUtcNow().UtcDateTime.AddSeconds(-1);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var me = options.Replica;
        await db.ReplicaLeases.Where(l => l.Holder == me).ExecuteUpdateAsync(u => u.SetProperty(l => l.ExpiresAt, past), ct);
        _validUntil = DateTime.MinValue;
    }

    /// <summary>Holds <paramref name="name"/> after the call: already held (renewed), free (inserted) or expired (taken over, token + 1).</summary>
    private async Task<bool> TakeAsync(OpsDbContext db, string name, DateTime now, DateTime expires, CancellationToken ct)
    {
        var me = options.Replica;
        var mine = await db.ReplicaLeases.Where(l => l.Name == name && l.Holder == me).ExecuteUpdateAsync(u => u.SetProperty(l => l.ExpiresAt, expires), ct);
        if (mine == 1) return true;
        var taken = await db.ReplicaLeases.Where(l => l.Name == name && l.ExpiresAt <= now)
            .ExecuteUpdateAsync(u => u.SetProperty(l => l.Holder, me).SetProperty(l => l.Token, l => l.Token + 1).SetProperty(l => l.AcquiredAt, now).SetProperty(l => l.ExpiresAt, expires), ct);
        if (taken == 1) return true;
        return await EnsureAsync(name, now, expires, ct);
    }

    /// <summary>Inserts the lease for this replica when no row exists; false when another replica's row is there (or won the race to insert it).</summary>
    private async Task<bool> EnsureAsync(string name, DateTime now, DateTime expires, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.ReplicaLeases.AnyAsync(l => l.Name == name, ct))
            return await db.ReplicaLeases.AnyAsync(l => l.Name == name && l.Holder == options.Replica && l.ExpiresAt > now, ct);
        db.ReplicaLeases.Add(new ReplicaLease { Name = name, Holder = options.Replica, Token = 1, AcquiredAt = now, ExpiresAt = expires });
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException)
        {
            return false; // another replica inserted it first
        }
    }
}
