using System.Diagnostics;

namespace OpsConsole.Core.Cluster.Local;

/// <summary>A revision of a service as the local cluster keeps it.</summary>
internal sealed class RevisionRuntime(ServiceEnvironment target, RevisionSpec spec, DateTimeOffset createdAt, TimeSpan metricsRetention)
{
    public ServiceEnvironment Target { get; } = target;
    public string Name { get; } = spec.Name;
    public RevisionSpec Spec { get; } = spec;

    /// <summary>The environment its processes get: the spec's config with secret references resolved (kept in memory only).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = spec.Config;
    public DateTimeOffset CreatedAt { get; } = createdAt;
    public int Desired { get; set; }
    public List<WorkloadInstance> Instances { get; } = [];
    public RevisionTraffic Traffic { get; } = new(target, spec.Name, metricsRetention);
}

/// <summary>A service in an environment as the local cluster keeps it: revisions, routing, ingress.</summary>
internal sealed class ServiceRuntime(ServiceEnvironment target)
{
    public ServiceEnvironment Target { get; } = target;
    public Dictionary<string, RevisionRuntime> Revisions { get; } = new(StringComparer.Ordinal);
    public TrafficSplit? Weights { get; set; }
    public List<HeaderRoute> HeaderRoutes { get; set; } = [];
    public LocalIngress? Ingress { get; set; }

    /// <summary>Faults injected on purpose, by id (game days); only touched under the adapter's lock.</summary>
    public Dictionary<string, ActiveFault> Faults { get; } = new(StringComparer.Ordinal);

    /// <summary>Read by the ingress on every request; replaced (never changed) by the adapter.</summary>
    public volatile RouteTable Routes = RouteTable.Empty;
}

/// <summary>
/// One instance of a revision: the OS process running it now (if any) and its supervision state.
/// Only touched under the adapter's lock.
/// </summary>
internal sealed class WorkloadInstance(string id, int ordinal, RevisionRuntime revision)
{
    public string Id { get; } = id;
    public int Ordinal { get; } = ordinal;
    public RevisionRuntime Revision { get; } = revision;

    public Process? Process { get; set; }
    public int? ProcessId { get; set; }
    public Uri? Address { get; set; }
    public int Generation { get; set; }
    public InstanceState State { get; set; } = InstanceState.Starting;
    public DateTimeOffset Since { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public int Restarts { get; set; }
    public int ConsecutiveCrashes { get; set; }
    public DateTimeOffset NextStartAt { get; set; }
    public DateTimeOffset NextProbeAt { get; set; }
    public bool ProbeInFlight { get; set; }
    public int ProbeFailures { get; set; }
    public string? LastError { get; set; }
    public bool Stopped { get; set; }
    public OutputTail Output { get; } = new();

    public bool Running => Process is not null;

    public InstanceHealth ToHealth() =>
        new(Id, Revision.Name, State, Running ? Address : null, Running ? ProcessId : null, Restarts, Since, LastError);
}

/// <summary>The last lines an instance wrote (stdout and stderr), kept to explain why it failed.</summary>
internal sealed class OutputTail
{
    private const int MaxLines = 20;
    private const int MaxLineLength = 400;
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();

    public void Add(string? line)
    {
        if (string.IsNullOrWhiteSpace(line)) return;
        if (line.Length > MaxLineLength) line = line[..MaxLineLength] + "…";
        lock (_gate)
        {
            _lines.Enqueue(line);
            while (_lines.Count > MaxLines) _lines.Dequeue();
        }
    }

    public string? Text()
    {
        lock (_gate) return _lines.Count == 0 ? null : string.Join('\n', _lines);
    }

    public void Clear()
    {
        lock (_gate) _lines.Clear();
    }
}
