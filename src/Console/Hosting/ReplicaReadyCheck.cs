using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpsConsole.Core.Replicas;

namespace OpsConsole.Console.Hosting;

/// <summary>
/// Ready while this replica renews its leases in the shared store: a replica that cannot (store
/// unreachable, reconciler loop stuck) drives nothing, and a load balancer should send people elsewhere.
/// </summary>
public sealed class ReplicaReadyCheck(IRolloutLeases leases) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var s = leases.State;
        var data = new Dictionary<string, object> { ["replica"] = s.Replica, ["rollouts"] = s.Rollouts, ["holdsCluster"] = s.HoldsCluster };
        if (s.RenewedAt is not { } renewed) return Task.FromResult(HealthCheckResult.Degraded("This replica has not taken part in the lease round yet.", data: data));
        data["renewedAt"] = renewed.ToString("O");
        return Task.FromResult(leases.Fresh
            ? HealthCheckResult.Healthy($"Replica {s.Replica} drives {s.Rollouts} rollout(s){(s.HoldsCluster ? " and holds the cluster" : "")}.", data)
            : HealthCheckResult.Unhealthy($"Replica {s.Replica} has not renewed its leases since {renewed:O}.", data: data));
    }
}
