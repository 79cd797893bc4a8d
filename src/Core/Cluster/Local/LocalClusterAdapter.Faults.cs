using Microsoft.Extensions.Logging;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Cluster.Local;

/// <summary>
/// Fault injection (game days): error rate, latency and dropped requests at the service's ingress;
/// kill and crash through the instance processes, which supervision then restarts. Ingress faults
/// live in memory only: a new console starts without them.
/// </summary>
public sealed partial class LocalClusterAdapter : IFaultInjector
{
    public Task<ActiveFault> InjectAsync(ServiceEnvironment target, string id, FaultSpec fault, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        fault.Validate("fault");
        lock (_gate)
        {
            ThrowIfDisposed();
            var service = FindServiceLocked(target);
            var active = new ActiveFault(id, target, fault, _time.GetUtcNow());
            switch (fault.Kind)
            {
                case FaultKind.KillInstance:
                    var victims = service.Revisions.Values
                        .OrderByDescending(r => service.Weights?.WeightOf(r.Name) ?? 0)
                        .SelectMany(r => r.Instances).Where(i => i.Running).Take((int)fault.Magnitude).ToList();
                    if (victims.Count == 0) throw new ConflictException($"{target} has no running instance to kill.");
                    foreach (var instance in victims) KillForRestartLocked(instance, $"killed on purpose (fault {id})");
                    break;
                case FaultKind.Crash:
                    var all = service.Revisions.Values.SelectMany(r => r.Instances).Where(i => i.Running).ToList();
                    if (all.Count == 0) throw new ConflictException($"{target} has no running instance to crash.");
                    foreach (var instance in all) KillForRestartLocked(instance, $"crashed on purpose (fault {id})");
                    break;
                default:
                    service.Faults[id] = active;
                    ApplyFaultsLocked(service);
                    break;
            }
            _log.LogWarning("Local cluster: fault {Id} injected on {Target}: {Fault}", id, target, fault);
            return Task.FromResult(active);
        }
    }

    public Task<bool> LiftAsync(ServiceEnvironment target, string id, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (_disposed || !_services.TryGetValue(target, out var service) || !service.Faults.Remove(id)) return Task.FromResult(false);
            ApplyFaultsLocked(service);
            _log.LogInformation("Local cluster: fault {Id} lifted on {Target}", id, target);
            return Task.FromResult(true);
        }
    }

    public IReadOnlyList<ActiveFault> ListFaults(ServiceEnvironment? target = null)
    {
        lock (_gate)
            return _services.Values.Where(s => target is null || s.Target == target.Value)
                .SelectMany(s => s.Faults.Values).OrderBy(f => f.Since).ToList();
    }

    private static void ApplyFaultsLocked(ServiceRuntime service)
    {
        if (service.Ingress is { } ingress) ingress.Faults = IngressFaults.From(service.Faults.Values);
    }
}
