using System.Diagnostics;

namespace OpsConsole.Console.Hosting;

/// <summary>
/// Logs, at start-up, how long after the process started each phase finished ("Start-up: store
/// migrated at 2140 ms"), so a slow start shows where its time went without a profiler.
/// </summary>
public sealed class StartupPhases(ILogger logger)
{
    private readonly DateTime _processStart = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    public void Done(string phase) =>
        logger.LogInformation("Start-up: {Phase} at {Milliseconds} ms", phase, (long)(DateTime.UtcNow - _processStart).TotalMilliseconds);
}
