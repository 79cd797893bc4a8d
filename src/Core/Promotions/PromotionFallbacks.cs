using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Config;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Releases;

namespace OpsConsole.Core.Promotions;

/// <summary>No freeze calendar configured: never frozen. Replaced by the real calendar where one is registered.</summary>
public sealed class OpenFreezeCalendar : IFreezeCalendar
{
    public Task<FreezeState> StateAsync(string service, string environment, DateTime utc, CancellationToken ct = default) => Task.FromResult(FreezeState.Open);
}

/// <summary>No config store configured: a deployment gets the config the target runs now. Replaced by the real store where one is registered.</summary>
public sealed class StableConfigSnapshots(OpsDbContext db) : IConfigSnapshots
{
    public async Task<ConfigSnapshot> CurrentAsync(string service, string environment, CancellationToken ct = default)
    {
        var target = await db.DeployTargets.AsNoTracking().FirstOrDefaultAsync(t => t.Service == service && t.Environment == environment, ct);
        var config = new SortedDictionary<string, string>(target?.StableConfig.ToDictionary() ?? [], StringComparer.Ordinal);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(config))));
        return new ConfigSnapshot(config, hash);
    }
}
