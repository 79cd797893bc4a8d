using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace OpsConsole.Core.Cluster.Local;

/// <summary>Starting, stopping and restarting instances: each a real process of the workload (all *Locked methods run under the gate).</summary>
public sealed partial class LocalClusterAdapter
{
    private void ScaleLocked(ServiceRuntime service, RevisionRuntime revision, int desired, List<(WorkloadInstance, Process)> stopped)
    {
        revision.Desired = desired;
        var changedRoutes = false;
        while (revision.Instances.Count > desired)
        {
            var last = revision.Instances.MaxBy(i => i.Ordinal)!;
            revision.Instances.Remove(last);
            changedRoutes |= last.State == InstanceState.Healthy;
            StopLocked(last, stopped);
        }
        while (revision.Instances.Count < desired)
        {
            var ordinal = Enumerable.Range(0, desired).First(o => revision.Instances.All(i => i.Ordinal != o));
            var instance = new WorkloadInstance($"{service.Target.Service}-{service.Target.Environment}-{revision.Name}-{ordinal}", ordinal, revision);
            revision.Instances.Add(instance);
            StartLocked(instance);
        }
        revision.Instances.Sort((a, b) => a.Ordinal.CompareTo(b.Ordinal));
        if (changedRoutes) RebuildRoutesLocked(service);
    }

    private void StartLocked(WorkloadInstance instance)
    {
        var now = Clock.GetUtcNow();
        var revision = instance.Revision;
        var port = FreeLoopbackPort();
        var psi = new ProcessStartInfo(WorkloadLocator.FindDotnet(_options.DotnetPath))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            WorkingDirectory = Path.GetDirectoryName(_workloadPath)!,
        };
        psi.ArgumentList.Add(_workloadPath!);
        psi.Environment.Clear();
        foreach (var name in InheritedVariables)
            if (Environment.GetEnvironmentVariable(name) is { } value) psi.Environment[name] = value;
        foreach (var (name, value) in revision.Environment)
            if (WorkloadConfig.IsAllowed(name)) psi.Environment[name] = value;
        psi.Environment["SERVICE_NAME"] = revision.Target.Service;
        psi.Environment["SERVICE_ENVIRONMENT"] = revision.Target.Environment;
        psi.Environment["SERVICE_VERSION"] = revision.Spec.Version;
        psi.Environment["REVISION"] = revision.Name;
        psi.Environment["INSTANCE_ID"] = instance.Id;
        psi.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        psi.Environment["OPS_PARENT_PID"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var output = instance.Output;
        output.Clear();
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.Exited += (_, _) => _ = OnExitedAsync(instance, process);
        instance.Generation++;
        instance.ProbeInFlight = false;
        instance.ProbeFailures = 0;
        instance.StartedAt = now;
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            process.Dispose();
            CrashLocked(instance, $"could not start the workload process: {e.Message}", TimeSpan.Zero);
            return;
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        instance.Process = process;
        instance.ProcessId = process.Id;
        instance.Address = new Uri($"http://127.0.0.1:{port}/");
        instance.State = InstanceState.Starting;
        instance.Since = now;
        instance.NextProbeAt = now + _options.StartingProbeInterval;
        try { _pids.Write(instance.Id, process); }
        catch (IOException e) { _log.LogWarning(e, "Local cluster: could not write the pid file of {Instance}", instance.Id); }
        _log.LogDebug("Local cluster: started {Instance} (pid {Pid}, port {Port})", instance.Id, process.Id, port);
    }

    /// <summary>Marks an instance stopped and kills its process; the caller awaits the exit outside the lock.</summary>
    private void StopLocked(WorkloadInstance instance, List<(WorkloadInstance, Process)> stopped)
    {
        instance.Stopped = true;
        if (instance.Process is not { } process) return;
        instance.Process = null;
        TryKill(process);
        stopped.Add((instance, process));
    }

    private async Task AwaitStoppedAsync(List<(WorkloadInstance Instance, Process Process)> stopped)
    {
        foreach (var (instance, process) in stopped)
        {
            try { await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)); }
            catch (TimeoutException) { _log.LogWarning("Local cluster: {Instance} (pid {Pid}) did not exit after kill", instance.Id, instance.ProcessId); }
            _pids.Delete(instance.Id);
            process.Dispose();
        }
    }

    private async Task OnExitedAsync(WorkloadInstance instance, Process process)
    {
        // Let the last output lines (often the reason) arrive before recording the exit.
        try { await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(2)); }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException) { }
        int code;
        try { code = process.ExitCode; }
        catch (InvalidOperationException) { code = -1; }
        lock (_gate)
        {
            if (_disposed || instance.Stopped || !ReferenceEquals(instance.Process, process)) return;
            instance.Process = null;
            var wasHealthy = instance.State == InstanceState.Healthy;
            _pids.Delete(instance.Id);
            CrashLocked(instance, $"exited with code {code}", Clock.GetUtcNow() - instance.StartedAt);
            _log.LogWarning("Local cluster: {Instance} exited with code {Code}; restarting in {Delay:0.#} s", instance.Id, code,
                (instance.NextStartAt - Clock.GetUtcNow()).TotalSeconds);
            if (wasHealthy && _services.TryGetValue(instance.Revision.Target, out var service)) RebuildRoutesLocked(service);
        }
        process.Dispose();
    }

    /// <summary>Kills a live instance that failed its checks so that it restarts.</summary>
    private void KillForRestartLocked(WorkloadInstance instance, string reason)
    {
        if (instance.Process is not { } process) return;
        instance.Process = null;
        var wasHealthy = instance.State == InstanceState.Healthy;
        TryKill(process);
        _ = process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => process.Dispose(), TaskScheduler.Default);
        _pids.Delete(instance.Id);
        CrashLocked(instance, reason, Clock.GetUtcNow() - instance.StartedAt);
        _log.LogWarning("Local cluster: killed {Instance}: {Reason}", instance.Id, reason);
        if (wasHealthy && _services.TryGetValue(instance.Revision.Target, out var service)) RebuildRoutesLocked(service);
    }

    private void CrashLocked(WorkloadInstance instance, string reason, TimeSpan ranFor)
    {
        var now = Clock.GetUtcNow();
        instance.ConsecutiveCrashes = ranFor >= _options.BackoffResetAfter ? 1 : instance.ConsecutiveCrashes + 1;
        var delay = TimeSpan.FromTicks(Math.Min(_options.MaxRestartBackoff.Ticks,
            _options.InitialRestartBackoff.Ticks * (1L << Math.Min(instance.ConsecutiveCrashes - 1, 20))));
        instance.State = InstanceState.CrashLoopBackOff;
        instance.Since = now;
        instance.NextStartAt = now + delay;
        var tail = instance.Output.Text();
        instance.LastError = tail is null ? reason : $"{reason}; last output:\n{tail}";
    }

    private static void TryKill(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException) { }
    }

    private static int FreeLoopbackPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
