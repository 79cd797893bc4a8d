using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Config;

/// <summary>
/// Resolves <c>${secret:NAME@VERSION}</c> references from the config store when a cluster adapter
/// starts a workload: the decrypted values go only into the returned dictionary (the process's
/// environment), never into a log, an event or the caller's state.
/// </summary>
public sealed class ConfigWorkloadSecrets(IServiceScopeFactory scopes, ConfigSecrets secrets) : IWorkloadSecrets
{
    public async ValueTask<IReadOnlyDictionary<string, string>> ResolveAsync(ServiceEnvironment target, IReadOnlyDictionary<string, string> config, CancellationToken ct = default)
    {
        if (!config.Values.Any(v => ConfigSecrets.TryParseReference(v, out _, out _))) return config;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
        var resolved = new Dictionary<string, string>(config.Count, StringComparer.Ordinal);
        foreach (var (key, value) in config)
        {
            if (!ConfigSecrets.TryParseReference(value, out var name, out var version))
            {
                resolved[key] = value;
                continue;
            }
            var row = await db.ConfigSecretVersions.AsNoTracking()
                .FirstOrDefaultAsync(v => v.Service == target.Service && v.Environment == target.Environment && v.Key == name && v.Version == version, ct)
                ?? throw new InvalidInputException("config", $"'{key}' names the secret {name} version {version}, which {target} does not have.");
            resolved[key] = secrets.Unprotect(row.ProtectedValue);
        }
        return resolved;
    }
}
