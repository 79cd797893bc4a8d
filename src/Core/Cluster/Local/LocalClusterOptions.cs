namespace OpsConsole.Core.Cluster.Local;

/// <summary>Settings of the local cluster; only <see cref="DataDirectory"/> is required.</summary>
public sealed class LocalClusterOptions
{
    /// <summary>
    /// The console's data folder. The cluster keeps its pid files (to reap orphans after a crash),
    /// a lock (one cluster per folder) and its remembered ingress ports under <c>cluster/</c> in it.
    /// </summary>
    public required string DataDirectory { get; init; }

    /// <summary>
    /// The demo workload's entry assembly. Default: <c>workload/OpsConsole.Workload.dll</c> beside the
    /// running application (the build copies it there, see <see cref="WorkloadLocator"/>).
    /// </summary>
    public string? WorkloadPath { get; init; }

    /// <summary>The <c>dotnet</c> host used to start instances. Default: the host of the running runtime.</summary>
    public string? DotnetPath { get; init; }

    /// <summary>An instance that does not pass its health check within this time is killed and restarted.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a starting instance is probed (it becomes healthy within this of being ready).</summary>
    public TimeSpan StartingProbeInterval { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>How often a running instance is probed.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Consecutive failed probes after which a healthy instance counts as unhealthy (gets no traffic).</summary>
    public int UnhealthyThreshold { get; init; } = 3;

    /// <summary>Consecutive failed probes after which an instance is killed and restarted.</summary>
    public int RestartThreshold { get; init; } = 10;

    /// <summary>First restart delay after an instance exits; doubled on each further exit, up to <see cref="MaxRestartBackoff"/>.</summary>
    public TimeSpan InitialRestartBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRestartBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>An instance that ran this long before exiting restarts with the initial delay again.</summary>
    public TimeSpan BackoffResetAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How far back per-revision traffic metrics reach (the longest analysis window).</summary>
    public TimeSpan MetricsRetention { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Requests through an ingress time out after this long without activity (then 504).</summary>
    public TimeSpan IngressRequestTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
