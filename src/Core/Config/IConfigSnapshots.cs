namespace OpsConsole.Core.Config;

/// <summary>
/// The configuration a deployment of a service to an environment gets, as the workload's
/// environment variables. Plain values appear as they are; a secret appears only as a reference
/// <c>${secret:NAME@VERSION}</c>, which the cluster resolves just before the workload starts (see
/// <see cref="Cluster.IWorkloadSecrets"/>), so secret values are never stored in a rollout, a plan,
/// an event or an API answer. <see cref="Hash"/> changes whenever any value or secret changes
/// (approvals given for one hash are void for another).
/// </summary>
public sealed record ConfigSnapshot(IReadOnlyDictionary<string, string> Workload, string Hash);

public interface IConfigSnapshots
{
    Task<ConfigSnapshot> CurrentAsync(string service, string environment, CancellationToken ct = default);
}
