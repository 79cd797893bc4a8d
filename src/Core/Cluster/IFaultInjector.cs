using System.Globalization;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Cluster;

/// <summary>The faults a cluster can inject on purpose (game days).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<FaultKind>))]
public enum FaultKind
{
    /// <summary>A share (0..1) of requests is answered 500 by the ingress without reaching an instance.</summary>
    ErrorRate,

    /// <summary>Every request waits this many milliseconds at the ingress before it is forwarded.</summary>
    Latency,

    /// <summary>A share (0..1) of requests is dropped: the connection is closed without an answer.</summary>
    Drop,

    /// <summary>Kills this many instances (at least one) of the serving revisions once; supervision restarts them.</summary>
    KillInstance,

    /// <summary>Kills every instance of every revision once; supervision restarts them with its back-off.</summary>
    Crash,
}

/// <summary>One fault as asked for: what and how much (share 0..1, milliseconds, or an instance count).</summary>
public sealed record FaultSpec(FaultKind Kind, double Magnitude)
{
    /// <summary>Throws <see cref="InvalidInputException"/> when the magnitude does not fit the kind.</summary>
    public void Validate(string field)
    {
        switch (Kind)
        {
            case FaultKind.ErrorRate or FaultKind.Drop when Magnitude is <= 0 or > 1 || double.IsNaN(Magnitude):
                throw new InvalidInputException(field, $"A {Kind} fault's magnitude is a share of requests above 0 and at most 1; {Magnitude.ToString(CultureInfo.InvariantCulture)} was given.");
            case FaultKind.Latency when Magnitude is < 1 or > 30_000 || double.IsNaN(Magnitude):
                throw new InvalidInputException(field, $"A Latency fault's magnitude is milliseconds from 1 to 30000; {Magnitude.ToString(CultureInfo.InvariantCulture)} was given.");
            case FaultKind.KillInstance when Magnitude is < 1 or > RevisionSpec.MaxInstances || Magnitude != Math.Floor(Magnitude):
                throw new InvalidInputException(field, $"A KillInstance fault's magnitude is a whole number of instances from 1 to {RevisionSpec.MaxInstances}.");
            case FaultKind.Crash when Magnitude != 0 && Magnitude != 1:
                throw new InvalidInputException(field, "A Crash fault takes no magnitude (0 or 1).");
        }
    }

    public override string ToString() => Kind switch
    {
        FaultKind.ErrorRate => $"{Magnitude * 100:0.#}% of requests answered 500",
        FaultKind.Latency => $"{Magnitude:0} ms added latency",
        FaultKind.Drop => $"{Magnitude * 100:0.#}% of requests dropped",
        FaultKind.KillInstance => $"{Magnitude:0} instance(s) killed",
        _ => "every instance crashed",
    };
}

/// <summary>A fault in force at a service's ingress, or a one-shot fault (kill, crash) the cluster carried out.</summary>
public sealed record ActiveFault(string Id, ServiceEnvironment Target, FaultSpec Fault, DateTimeOffset Since);

/// <summary>
/// Faults injected on purpose through the cluster, for game days. Optional beside
/// <see cref="IClusterAdapter"/> (like <see cref="IRevisionSamples"/>): a cluster that cannot inject
/// faults does not offer it, and callers say so. Faults are held in memory by the cluster: a console
/// restart forgets them, which is why the game-day runner re-applies or lifts them on start.
/// Injecting the same id again replaces the fault (idempotent); lifting an unknown id is a no-op.
/// </summary>
public interface IFaultInjector
{
    /// <summary>Puts the fault in force (ingress faults) or carries it out (kill, crash). Throws <see cref="NotFoundException"/> when nothing runs at the target.</summary>
    Task<ActiveFault> InjectAsync(ServiceEnvironment target, string id, FaultSpec fault, CancellationToken ct = default);

    /// <summary>Lifts the fault; true when it was in force.</summary>
    Task<bool> LiftAsync(ServiceEnvironment target, string id, CancellationToken ct = default);

    /// <summary>The faults in force, for one target or all.</summary>
    IReadOnlyList<ActiveFault> ListFaults(ServiceEnvironment? target = null);
}

/// <summary>Fault injection where the cluster offers it, a clear error where it does not.</summary>
public static class FaultInjection
{
    public static IFaultInjector For(IClusterAdapter cluster, ServiceEnvironment target) =>
        cluster is IFaultInjector injector && (cluster is not IFaultSupport support || support.SupportsFaults(target))
            ? injector
            : throw new InvalidInputException("faults", $"The {cluster.Kind} cluster that runs {target} cannot inject faults; game days run on the local cluster.");
}

/// <summary>A cluster over several clusters says per target whether its faults can be injected.</summary>
public interface IFaultSupport
{
    bool SupportsFaults(ServiceEnvironment target);
}
