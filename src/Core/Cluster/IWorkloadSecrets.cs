namespace OpsConsole.Core.Cluster;

/// <summary>
/// Turns the secret references in a revision's config (<c>${secret:NAME@VERSION}</c>, see
/// <see cref="Config.ConfigSnapshot"/>) into their values at the last moment: when a cluster adapter
/// starts the workload. Values go to the workload's environment only, never back to the caller's
/// logs or state.
/// </summary>
public interface IWorkloadSecrets
{
    /// <exception cref="Domain.InvalidInputException">A reference names no stored secret (the message names the key, never a value).</exception>
    ValueTask<IReadOnlyDictionary<string, string>> ResolveAsync(ServiceEnvironment target, IReadOnlyDictionary<string, string> config, CancellationToken ct = default);
}

/// <summary>No secrets store: configs pass through unchanged.</summary>
public sealed class NoWorkloadSecrets : IWorkloadSecrets
{
    public ValueTask<IReadOnlyDictionary<string, string>> ResolveAsync(ServiceEnvironment target, IReadOnlyDictionary<string, string> config, CancellationToken ct = default) =>
        ValueTask.FromResult(config);
}
