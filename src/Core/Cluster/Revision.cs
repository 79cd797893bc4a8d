namespace OpsConsole.Core.Cluster;

/// <summary>A revision as the cluster observes it: what was asked for and the instances that exist now.</summary>
public sealed record Revision(
    ServiceEnvironment Target,
    string Name,
    string Version,
    IReadOnlyDictionary<string, string> Config,
    int DesiredInstances,
    IReadOnlyList<InstanceHealth> Instances,
    DateTimeOffset CreatedAt)
{
    /// <summary>Instances that pass their health check and receive traffic.</summary>
    public int ReadyInstances => Instances.Count(i => i.State == InstanceState.Healthy);

    /// <summary>Every desired instance exists and is healthy.</summary>
    public bool IsReady => ReadyInstances == DesiredInstances && Instances.Count == DesiredInstances;
}

public enum InstanceState
{
    /// <summary>Started, not yet answering its health check.</summary>
    Starting,
    /// <summary>Answers its health check; receives traffic.</summary>
    Healthy,
    /// <summary>Was healthy, now fails its health check; receives no traffic.</summary>
    Unhealthy,
    /// <summary>Exited (or was killed for failing its checks) and waits to be restarted, with a growing delay.</summary>
    CrashLoopBackOff,
}

/// <summary>One instance of a revision (a process locally, a pod on Kubernetes).</summary>
/// <param name="Id">Stable across restarts, e.g. <c>checkout-prod-1.1.0-0</c>.</param>
/// <param name="Address">Where it listens now (changes on restart); null while it is not running.</param>
/// <param name="ProcessId">The OS process id locally; null elsewhere or while not running.</param>
/// <param name="Restarts">How often it was restarted after exiting or failing its checks.</param>
/// <param name="Since">When it entered its current state.</param>
/// <param name="LastError">Why it last exited or failed, with its last output lines when known.</param>
public sealed record InstanceHealth(
    string Id,
    string Revision,
    InstanceState State,
    Uri? Address,
    int? ProcessId,
    int Restarts,
    DateTimeOffset Since,
    string? LastError);
