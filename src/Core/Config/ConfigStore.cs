using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Config;

/// <summary>A config key as pages and the API show it: a secret's value is never part of it.</summary>
public sealed record ConfigItemView(string Key, bool Secret, string? Value, int Version, string UpdatedBy, DateTime UpdatedAt)
{
    /// <summary>What a page shows in place of the value: the plain value, or "•••• set at … by …" for a secret.</summary>
    public string Display => Secret
        ? $"•••• set at {UpdatedAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)} UTC by {UpdatedBy}"
        : Value ?? "";
}

public enum ConfigChange { Unchanged, Added, Removed, Changed }

/// <summary>One key of a config diff; values are null for secrets (only whether they changed is told).</summary>
public sealed record ConfigDiffLine(string Key, ConfigChange Change, bool Secret, string? From, string? To);

/// <summary>
/// Config per service and environment: plain values and secrets. Secrets are encrypted at rest
/// (<see cref="ConfigSecrets"/>), write-only (no read returns them) and reach a workload only as a
/// reference in the snapshot that the cluster resolves when it starts the process. Changes need
/// Admin or ReleaseManager, are audited and announced as <c>config.changed</c> with key names only.
/// </summary>
public sealed class ConfigStore(OpsDbContext db, EventOutbox outbox, ConfigSecrets secrets, TimeProvider clock) : IConfigSnapshots
{
    private static readonly string[] EditorRoles = [Roles.Admin, Roles.ReleaseManager];

    public async Task<IReadOnlyList<ConfigItemView>> ListAsync(string service, string environment, CancellationToken ct = default)
    {
        var rows = await db.ConfigEntries.AsNoTracking().Where(c => c.Service == service && c.Environment == environment).OrderBy(c => c.Key).ToListAsync(ct);
        return rows.Select(View).ToList();
    }

    /// <summary>Sets a plain value or a new version of a secret. The value never appears in an error, event or audit entry.</summary>
    public async Task<ConfigItemView> SetAsync(Actor actor, string service, string environment, string key, string? value, bool secret, CancellationToken ct = default)
    {
        actor.Require("change config", EditorRoles);
        var target = await KnownTargetAsync(service, environment, ct);
        if (WorkloadConfig.Refusal(key) is { } why)
            throw new InvalidInputException("key", $"'{(key.Length <= 70 ? key : key[..70] + "…")}' cannot be a config key: {why}");
        if (value is null || value.Length > WorkloadConfig.MaxValueLength || value.Any(c => char.IsControl(c) && c is not ('\t' or '\n' or '\r')))
            throw new InvalidInputException("value", $"The value of '{key}' is not valid: at most {WorkloadConfig.MaxValueLength} characters, no control characters.");
        if (!secret && ConfigSecrets.TryParseReference(value, out _, out _))
            throw new InvalidInputException("value", $"The value of '{key}' looks like a secret reference; store the secret itself with \"secret\": true.");
        var now = clock.GetUtcNow().UtcDateTime;
        var entry = await db.ConfigEntries.FirstOrDefaultAsync(c => c.Service == service && c.Environment == environment && c.Key == key, ct);
        if (entry is null)
        {
            if (await db.ConfigEntries.CountAsync(c => c.Service == service && c.Environment == environment, ct) >= WorkloadConfig.MaxKeys)
                throw new InvalidInputException("key", $"{target} already has {WorkloadConfig.MaxKeys} config keys, the most a workload takes.");
            entry = new ConfigEntry { Service = service, Environment = environment, Key = key, UpdatedBy = actor.Name, Version = 0 };
            db.ConfigEntries.Add(entry);
        }
        else if (!secret && !entry.IsSecret && entry.Value == value)
        {
            return View(entry);
        }
        var wasSecret = entry.IsSecret;
        var created = entry.Version == 0;
        entry.Version++;
        entry.IsSecret = secret;
        entry.Value = secret ? "" : value;
        entry.UpdatedBy = actor.Name;
        entry.UpdatedAt = now;
        if (secret)
        {
            db.ConfigSecretVersions.Add(new ConfigSecretVersion
            {
                Service = service, Environment = environment, Key = key, Version = entry.Version, ProtectedValue = secrets.Protect(value), CreatedBy = actor.Name, CreatedAt = now,
            });
        }
        AuditTrail.Record(db, actor, "config.set", $"config/{target}/{key}",
            before: created ? null : new { key, secret = wasSecret, version = entry.Version - 1 },
            after: new { key, secret, version = entry.Version });
        outbox.Add(db, actor, EventTypes.ConfigChanged, target.ToString(), new { service, environment, keys = new[] { key }, change = created ? "added" : "changed", secret, version = entry.Version });
        await db.SaveChangesAsync(ct);
        return View(entry);
    }

    public async Task DeleteAsync(Actor actor, string service, string environment, string key, CancellationToken ct = default)
    {
        actor.Require("change config", EditorRoles);
        var target = new ServiceEnvironment(service, environment);
        var entry = await db.ConfigEntries.FirstOrDefaultAsync(c => c.Service == service && c.Environment == environment && c.Key == key, ct)
                    ?? throw new NotFoundException($"Config key '{(key.Length <= 70 ? key : key[..70])}' of {target}");
        db.ConfigEntries.Remove(entry);
        // Secret versions stay: a deployed snapshot may still name one (a rollback resolves it).
        AuditTrail.Record(db, actor, "config.delete", $"config/{target}/{key}", before: new { key, secret = entry.IsSecret, version = entry.Version });
        outbox.Add(db, actor, EventTypes.ConfigChanged, target.ToString(), new { service, environment, keys = new[] { key }, change = "removed", secret = entry.IsSecret });
        await db.SaveChangesAsync(ct);
    }

    public async Task<ConfigSnapshot> CurrentAsync(string service, string environment, CancellationToken ct = default)
    {
        var rows = await db.ConfigEntries.AsNoTracking().Where(c => c.Service == service && c.Environment == environment).ToListAsync(ct);
        var workload = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var r in rows) workload[r.Key] = r.IsSecret ? ConfigSecrets.Reference(r.Key, r.Version) : r.Value;
        return new ConfigSnapshot(workload, Hash(workload));
    }

    /// <summary>SHA-256 over the sorted keys and values (secret references carry their version, so a new secret changes it).</summary>
    public static string Hash(IReadOnlyDictionary<string, string> workload)
    {
        var text = new StringBuilder();
        foreach (var (k, v) in workload.OrderBy(p => p.Key, StringComparer.Ordinal)) text.Append(k).Append('=').Append(v).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The current config of one environment against another's; secrets compare by value without showing it.</summary>
    public async Task<IReadOnlyList<ConfigDiffLine>> DiffEnvironmentsAsync(string service, string from, string to, CancellationToken ct = default)
    {
        var a = await db.ConfigEntries.AsNoTracking().Where(c => c.Service == service && c.Environment == from).ToListAsync(ct);
        var b = await db.ConfigEntries.AsNoTracking().Where(c => c.Service == service && c.Environment == to).ToListAsync(ct);
        var secretValues = await SecretValuesAsync(a.Concat(b).Where(e => e.IsSecret).ToList(), ct);
        string Comparable(ConfigEntry e) => e.IsSecret ? "secret:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secretValues[(e.Environment, e.Key)]))) : "plain:" + e.Value;
        var left = a.ToDictionary(e => e.Key);
        var right = b.ToDictionary(e => e.Key);
        return left.Keys.Union(right.Keys).Order(StringComparer.Ordinal).Select(key =>
        {
            left.TryGetValue(key, out var l);
            right.TryGetValue(key, out var r);
            var secret = l?.IsSecret == true || r?.IsSecret == true;
            var change = l is null ? ConfigChange.Added : r is null ? ConfigChange.Removed : Comparable(l) == Comparable(r) ? ConfigChange.Unchanged : ConfigChange.Changed;
            return new ConfigDiffLine(key, change, secret, secret ? null : l?.Value, secret ? null : r?.Value);
        }).ToList();
    }

    /// <summary>
    /// The config recorded with two deployed releases (the latest rollout of each version, in the
    /// environment when given): what changed between them. Secrets show as changed when their reference differs.
    /// </summary>
    public async Task<IReadOnlyList<ConfigDiffLine>> DiffReleasesAsync(string service, string? environment, string fromVersion, string toVersion, CancellationToken ct = default)
    {
        var from = await DeployedConfigAsync(service, environment, fromVersion, ct) ?? throw new NotFoundException($"A deployment of {service} {fromVersion}");
        var to = await DeployedConfigAsync(service, environment, toVersion, ct) ?? throw new NotFoundException($"A deployment of {service} {toVersion}");
        return Compare(from, to);
    }

    /// <summary>A key-by-key diff of two workload configs (secret references are never shown, only whether they differ).</summary>
    public static IReadOnlyList<ConfigDiffLine> Compare(IReadOnlyDictionary<string, string> from, IReadOnlyDictionary<string, string> to) =>
        from.Keys.Union(to.Keys).Order(StringComparer.Ordinal).Select(key =>
        {
            var hasL = from.TryGetValue(key, out var l);
            var hasR = to.TryGetValue(key, out var r);
            var secret = (hasL && ConfigSecrets.TryParseReference(l!, out _, out _)) || (hasR && ConfigSecrets.TryParseReference(r!, out _, out _));
            var change = !hasL ? ConfigChange.Added : !hasR ? ConfigChange.Removed : l == r ? ConfigChange.Unchanged : ConfigChange.Changed;
            return new ConfigDiffLine(key, change, secret, secret ? null : l, secret ? null : r);
        }).ToList();

    private async Task<IReadOnlyDictionary<string, string>?> DeployedConfigAsync(string service, string? environment, string version, CancellationToken ct)
    {
        var q = db.Rollouts.AsNoTracking().Where(r => r.Service == service && r.Version == version);
        if (!string.IsNullOrEmpty(environment)) q = q.Where(r => r.Environment == environment);
        var json = await q.OrderByDescending(r => r.CreatedAt).Select(r => r.ConfigJson).FirstOrDefaultAsync(ct);
        return json is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
    }

    private async Task<Dictionary<(string Environment, string Key), string>> SecretValuesAsync(List<ConfigEntry> entries, CancellationToken ct)
    {
        var result = new Dictionary<(string, string), string>();
        foreach (var e in entries)
        {
            var row = await db.ConfigSecretVersions.AsNoTracking()
                .FirstOrDefaultAsync(v => v.Service == e.Service && v.Environment == e.Environment && v.Key == e.Key && v.Version == e.Version, ct);
            result[(e.Environment, e.Key)] = row is null ? "" : secrets.Unprotect(row.ProtectedValue);
        }
        return result;
    }

    private async Task<ServiceEnvironment> KnownTargetAsync(string service, string environment, CancellationToken ct)
    {
        var target = new ServiceEnvironment(service, environment);
        if (!await db.DeployTargets.AnyAsync(t => t.Service == service && t.Environment == environment, ct))
            throw new NotFoundException($"Service '{service}' in environment '{environment}'");
        return target;
    }

    private static ConfigItemView View(ConfigEntry e) => new(e.Key, e.IsSecret, e.IsSecret ? null : e.Value, e.Version, e.UpdatedBy, e.UpdatedAt);
}
