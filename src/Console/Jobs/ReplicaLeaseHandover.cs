using System.Diagnostics.Metrics;
using OpsConsole.Core.Events;
using OpsConsole.Core.Replicas;

namespace OpsConsole.Console.Jobs;

/// <summary>
/// Renews this replica's leases every third of the lease time, apart from the passes that use them (a
/// pass slowed by a busy machine must not let the cluster lease flap between replicas), and on a
/// graceful stop gives them up so another replica takes its rollouts at once instead of after the lease time.
/// </summary>
public sealed class ReplicaLeaseHandover(IRolloutLeases leases, ReplicaLeaseOptions options, ILogger<ReplicaLeaseHandover> logger, OutboxTail? tail = null) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _renewing = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _renewing = RenewAsync(_stopping.Token);
        // Per replica on /metrics: what it drives, and how late other replicas' events reach its live views.
        Hosting.ConsoleTelemetry.Meter.CreateObservableGauge("opsconsole.replica.rollouts", () => new Measurement<int>(leases.State.Rollouts, new KeyValuePair<string, object?>("replica", leases.Replica)),
            "{rollout}", "Rollouts this replica drives under its leases.");
        Hosting.ConsoleTelemetry.Meter.CreateObservableGauge("opsconsole.replica.cluster_lease", () => new Measurement<int>(leases.State.HoldsCluster ? 1 : 0, new KeyValuePair<string, object?>("replica", leases.Replica)),
            null, "1 when this replica holds the cluster lease.");
        if (tail is not null)
            Hosting.ConsoleTelemetry.Meter.CreateObservableGauge("opsconsole.outbox.tail_lag", () => new Measurement<double>(tail.Lag.TotalSeconds, new KeyValuePair<string, object?>("replica", leases.Replica)),
                "s", "How long the newest event read from the shared store had been there when this replica pushed it to its live views.");
        return Task.CompletedTask;
    }

    private async Task RenewAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.LeaseTime / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try { await leases.RenewAsync(ct); }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Replica {Replica} could not renew its leases; the next pass tries again", leases.Replica);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // A host may be stopped twice (a test host's dispose after its stop): the token source stays undisposed.
        await _stopping.CancelAsync();
        await _renewing;
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
