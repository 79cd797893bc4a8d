using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace OpsConsole.Core.Cluster.Local;

/// <summary>Teardown, once: on dispose, or when the console process exits without disposing.</summary>
public sealed partial class LocalClusterAdapter
{
    /// <summary>Stops every instance (and waits for the processes to exit) and every ingress.</summary>
    public async ValueTask DisposeAsync()
    {
        var stopped = new List<(WorkloadInstance, Process)>();
        List<LocalIngress> ingresses;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var instance in AllInstancesLocked()) StopLocked(instance, stopped);
            ingresses = _services.Values.Select(s => s.Ingress).OfType<LocalIngress>().ToList();
        }
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        await _stopping.CancelAsync();
        try { await _supervisor; } catch (OperationCanceledException) { }
        await AwaitStoppedAsync(stopped);
        foreach (var ingress in ingresses) await ingress.DisposeAsync();
        _forwardClient.Dispose();
        _probeClient.Dispose();
        await _folderLock.DisposeAsync();
        _stopping.Dispose();
        _log.LogInformation("Local cluster: stopped {Count} instance(s) and {Ingresses} ingress(es)", stopped.Count, ingresses.Count);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Last resort when the process exits without disposing: kill the instances, wait for nothing.</summary>
    private void OnProcessExit(object? sender, EventArgs e)
    {
        lock (_gate)
        {
            if (_disposed) return;
            foreach (var instance in AllInstancesLocked())
                if (instance.Process is { } process) TryKill(process);
        }
    }

    /// <summary>
    /// Test hook that simulates the console dying: forgets everything without stopping a process or
    /// deleting a pid file, and releases the data folder, as a killed console would.
    /// </summary>
    internal async Task AbandonAsync()
    {
        List<LocalIngress> ingresses;
        lock (_gate)
        {
            _disposed = true;
            foreach (var instance in AllInstancesLocked())
            {
                instance.Stopped = true;
                instance.Process?.Dispose();
                instance.Process = null;
            }
            ingresses = _services.Values.Select(s => s.Ingress).OfType<LocalIngress>().ToList();
        }
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        await _stopping.CancelAsync();
        try { await _supervisor; } catch (OperationCanceledException) { }
        foreach (var ingress in ingresses) await ingress.DisposeAsync();
        _forwardClient.Dispose();
        _probeClient.Dispose();
        await _folderLock.DisposeAsync();
    }
}
