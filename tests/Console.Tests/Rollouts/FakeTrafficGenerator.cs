using OpsConsole.Core.Cluster;

namespace OpsConsole.Console.Tests.Rollouts;

/// <summary>Remembers the load set per service and environment; sends nothing.</summary>
public sealed class FakeTrafficGenerator : ITrafficGenerator
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ServiceEnvironment, TrafficLoad> _loads = [];

    public void SetLoad(ServiceEnvironment target, TrafficLoad load)
    {
        lock (_gate) _loads[target] = load.Validated();
    }

    public void Stop(ServiceEnvironment target)
    {
        lock (_gate) _loads.Remove(target);
    }

    public IReadOnlyList<TrafficGeneratorStatus> Status()
    {
        lock (_gate) return _loads.Select(kv => new TrafficGeneratorStatus(kv.Key, kv.Value, 0, 0, null)).ToList();
    }

    public TrafficLoad? LoadOf(ServiceEnvironment target)
    {
        lock (_gate) return _loads.GetValueOrDefault(target);
    }
}
