using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Alerting;

/// <summary>The route configuration in force, read from the newest stored version and kept in memory.</summary>
public sealed class AlertRoutingState
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private (int Version, AlertingConfig Config, string Yaml)? current;

    public async Task<(int Version, AlertingConfig Config, string Yaml)> GetAsync(OpsDbContext db, CancellationToken ct)
    {
        if (current is { } c) return c;
        await gate.WaitAsync(ct);
        try
        {
            if (current is { } c2) return c2;
            var row = await db.AlertRoutes.AsNoTracking().OrderByDescending(r => r.Id).FirstOrDefaultAsync(ct);
            current = row is null ? (0, AlertingConfig.Default, "receiver: default\n") : (row.Id, AlertmanagerYaml.Parse(row.Yaml), row.Yaml);
            return current.Value;
        }
        finally
        {
            gate.Release();
        }
    }

    internal void Set(int version, AlertingConfig config, string yaml) => current = (version, config, yaml);

    /// <summary>Forgets the cached tree so the next read loads the newest stored version.</summary>
    public void Invalidate() => current = null;
}

/// <summary>Reads, replaces and tries the route tree.</summary>
public sealed class AlertRoutes(OpsDbContext db, AlertRoutingState state, EventOutbox outbox, TimeProvider clock)
{
    public Task<(int Version, AlertingConfig Config, string Yaml)> CurrentAsync(CancellationToken ct = default) => state.GetAsync(db, ct);

    /// <summary>Which routes would take an alert with these labels, in Alertmanager's order.</summary>
    public async Task<IReadOnlyList<RouteMatch>> MatchAsync(IReadOnlyDictionary<string, string>? labels, CancellationToken ct = default)
    {
        var (_, config, _) = await state.GetAsync(db, ct);
        return config.Match(labels ?? new Dictionary<string, string>());
    }

    /// <summary>
    /// Replaces the tree (Admin) with one imported from Alertmanager YAML. Invalid YAML or matchers
    /// change nothing. Aggregation groups start again under the new tree, as when Alertmanager reloads.
    /// </summary>
    public async Task<int> ReplaceAsync(Actor actor, string? yaml, CancellationToken ct = default)
    {
        actor.Require("replace the alert route tree", Roles.Admin);
        var config = AlertmanagerYaml.Parse(yaml);
        var now = clock.GetUtcNow().UtcDateTime;
        var (oldVersion, _, _) = await state.GetAsync(db, ct);
        var row = new AlertRoute { Yaml = yaml!, CreatedAt = now, CreatedBy = actor.Name };
        db.AlertRoutes.Add(row);

        // Regroup the firing alerts under the new tree.
        db.AlertGroups.RemoveRange(await db.AlertGroups.Include(g => g.Members).ToListAsync(ct));
        var firing = await db.Alerts.AsNoTracking().Where(a => a.Status == AlertStatus.Firing).Select(a => new { a.Fingerprint, a.LabelsJson }).ToListAsync(ct);
        var groups = new Dictionary<string, AlertGroup>(StringComparer.Ordinal);
        foreach (var a in firing)
            AlertGrouping.Join(groups, config, a.Fingerprint, StoredAlert.Parse(a.LabelsJson), now);
        db.AlertGroups.AddRange(groups.Values);

        var summary = new { receivers = config.Receivers, routes = config.Root.Walk().Count(), inhibitRules = config.InhibitRules.Count, timeIntervals = config.TimeIntervals.Count };
        AuditTrail.Record(db, actor, "alert-routes.replace", "alert-routes", before: new { version = oldVersion }, after: summary);
        outbox.Add(db, actor, EventTypes.AlertRoutesReplaced, "alerts", summary);
        await db.SaveChangesAsync(ct);
        state.Set(row.Id, config, row.Yaml);
        return row.Id;
    }
}

internal static class AlertGrouping
{
    /// <summary>Adds the alert to the aggregation group of each route it matches; a new group first notifies after group_wait.</summary>
    public static void Join(Dictionary<string, AlertGroup> groups, AlertingConfig config, string fingerprint, IReadOnlyDictionary<string, string> labels, DateTime now)
    {
        foreach (var route in config.Root.Match(labels))
        {
            var groupLabels = route.GroupLabels(labels);
            var key = route.GroupKey(groupLabels);
            if (!groups.TryGetValue(key, out var group))
            {
                group = new AlertGroup
                {
                    Key = key,
                    RouteId = route.Id,
                    Receiver = route.Receiver,
                    GroupLabelsJson = System.Text.Json.JsonSerializer.Serialize(groupLabels),
                    CreatedAt = now,
                    NextFlushAt = now + route.GroupWait,
                };
                groups[key] = group;
            }
            if (!group.Members.Any(m => m.Fingerprint == fingerprint))
                group.Members.Add(new AlertGroupMember { GroupKey = key, Fingerprint = fingerprint });
        }
    }
}
