using System.Diagnostics;
using System.Globalization;

namespace OpsConsole.Core.Cluster.Local;

/// <summary>
/// One file per running instance (<c>cluster/pids/INSTANCE.pid</c>: pid, start time, instance id), so
/// a console that starts after a crash can kill what the previous one left running. A process is
/// only killed when its pid, its start time and its command line (the workload) all match, so a pid
/// reused by an unrelated process is left alone.
/// </summary>
internal sealed class PidFiles(string directory)
{
    public string Directory { get; } = directory;

    public void Write(string instanceId, Process process)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var text = string.Join('\n', process.Id.ToString(CultureInfo.InvariantCulture),
            StartTicks(process)?.ToString(CultureInfo.InvariantCulture) ?? "", instanceId);
        var path = PathOf(instanceId);
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public void Delete(string instanceId)
    {
        try { File.Delete(PathOf(instanceId)); }
        catch (IOException) { }
    }

    /// <summary>Kills every workload process a pid file names that is still running; returns how many.</summary>
    public int ReapOrphans(Action<string>? log = null)
    {
        if (!System.IO.Directory.Exists(Directory)) return 0;
        var reaped = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.pid"))
        {
            try
            {
                var lines = File.ReadAllLines(file);
                if (lines.Length >= 2 && int.TryParse(lines[0], out var pid) && long.TryParse(lines[1], out var startTicks)
                    && TryOpen(pid, startTicks) is { } process)
                {
                    using (process)
                    {
                        process.Kill(entireProcessTree: true);
                        process.WaitForExit(5000);
                    }
                    reaped++;
                    log?.Invoke($"reaped orphaned instance {(lines.Length > 2 ? lines[2] : "?")} (pid {pid})");
                }
                File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                log?.Invoke($"could not reap the instance in {Path.GetFileName(file)}: {e.Message}");
            }
        }
        return reaped;
    }

    private static Process? TryOpen(int pid, long startTicks)
    {
        Process? process = null;
        try
        {
            process = Process.GetProcessById(pid);
            if (!process.HasExited && StartTicks(process) == startTicks && IsWorkload(pid))
                return process;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { }
        process?.Dispose();
        return null;
    }

    private static bool IsWorkload(int pid)
    {
        // Linux tells the command line; elsewhere the pid and start time must do.
        var cmdline = $"/proc/{pid}/cmdline";
        if (!File.Exists(cmdline)) return !OperatingSystem.IsLinux();
        try { return File.ReadAllText(cmdline).Contains(WorkloadLocator.AssemblyFileName, StringComparison.Ordinal); }
        catch (IOException) { return false; }
    }

    internal static long? StartTicks(Process process)
    {
        try { return process.StartTime.ToUniversalTime().Ticks; }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException) { return null; }
    }

    private string PathOf(string instanceId) => Path.Combine(Directory, instanceId + ".pid");
}
