using Microsoft.Extensions.Logging;

namespace OpsConsole.Core.Cluster.Local;

/// <summary>Supervision: a loop on the real clock that probes instances, restarts crashed ones with a growing delay and gives up on those that never start.</summary>
public sealed partial class LocalClusterAdapter
{
    private async Task SuperviseAsync()
    {
        using var timer = new PeriodicTimer(SupervisorTick, Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                try { SuperviseOnce(); }
                catch (Exception e) when (e is not OperationCanceledException) { _log.LogError(e, "Local cluster: supervision failed"); }
            }
        }
        catch (OperationCanceledException) { }
    }

    private void SuperviseOnce()
    {
        var probes = new List<(WorkloadInstance Instance, int Generation, Uri Address)>();
        lock (_gate)
        {
            if (_disposed) return;
            var now = Clock.GetUtcNow();
            foreach (var service in _services.Values)
                foreach (var revision in service.Revisions.Values)
                    foreach (var instance in revision.Instances)
                    {
                        if (instance.Stopped) continue;
                        if (!instance.Running)
                        {
                            if (instance.State == InstanceState.CrashLoopBackOff && now >= instance.NextStartAt)
                            {
                                instance.Restarts++;
                                StartLocked(instance);
                            }
                            continue;
                        }
                        if (instance.State == InstanceState.Starting && now - instance.StartedAt > _options.StartupTimeout)
                        {
                            KillForRestartLocked(instance, $"did not pass its health check within {_options.StartupTimeout.TotalSeconds:0} s");
                            continue;
                        }
                        if (!instance.ProbeInFlight && now >= instance.NextProbeAt)
                        {
                            instance.ProbeInFlight = true;
                            probes.Add((instance, instance.Generation, instance.Address!));
                        }
                    }
        }
        foreach (var (instance, generation, address) in probes)
            _ = ProbeAsync(instance, generation, address);
    }

    private async Task ProbeAsync(WorkloadInstance instance, int generation, Uri address)
    {
        bool healthy;
        string? failure = null;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            cts.CancelAfter(_options.ProbeTimeout);
            using var response = await _probeClient.GetAsync(new Uri(address, "healthz"), HttpCompletionOption.ResponseHeadersRead, cts.Token);
            healthy = response.IsSuccessStatusCode;
            if (!healthy) failure = $"health check answered {(int)response.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            healthy = false;
            failure = e is OperationCanceledException ? "health check timed out" : $"health check failed: {e.Message}";
        }

        lock (_gate)
        {
            if (_disposed || instance.Stopped || instance.Generation != generation || !instance.Running) return;
            instance.ProbeInFlight = false;
            var now = Clock.GetUtcNow();
            var before = instance.State;
            if (healthy)
            {
                instance.ProbeFailures = 0;
                instance.State = InstanceState.Healthy;
            }
            else if (instance.State != InstanceState.Starting)
            {
                instance.ProbeFailures++;
                if (instance.ProbeFailures >= _options.RestartThreshold)
                {
                    KillForRestartLocked(instance, $"failed {instance.ProbeFailures} health checks in a row ({failure})");
                    return;
                }
                if (instance.ProbeFailures >= _options.UnhealthyThreshold)
                {
                    instance.State = InstanceState.Unhealthy;
                    instance.LastError = failure;
                }
            }
            instance.NextProbeAt = now + (instance.State == InstanceState.Starting ? _options.StartingProbeInterval : _options.ProbeInterval);
            if (instance.State != before)
            {
                instance.Since = now;
                if (instance.State == InstanceState.Healthy)
                    _log.LogDebug("Local cluster: {Instance} is healthy", instance.Id);
                else
                    _log.LogWarning("Local cluster: {Instance} is {State}: {Failure}", instance.Id, instance.State, failure);
                if (_services.TryGetValue(instance.Revision.Target, out var service)) RebuildRoutesLocked(service);
            }
        }
    }
}
