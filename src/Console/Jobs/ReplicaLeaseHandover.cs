using OpsConsole.Core.Replicas;

namespace OpsConsole.Console.Jobs;

/// <summary>On a graceful stop, gives up this replica's leases so another replica takes its rollouts at once instead of after the lease time.</summary>
public sealed class ReplicaLeaseHandover(IRolloutLeases leases, ILogger<ReplicaLeaseHandover> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await leases.ReleaseAllAsync(cancellationToken);
            logger.LogInformation("Replica {Replica} handed its leases over", leases.Replica);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Replica {Replica} could not hand its leases over; they expire by themselves", leases.Replica);
        }
    }
}
