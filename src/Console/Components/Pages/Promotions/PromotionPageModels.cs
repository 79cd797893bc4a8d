using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Config;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Promotions;
using OpsConsole.Core.Releases;

namespace OpsConsole.Console.Components.Pages.Promotions;

/// <summary>A release card in a stage's column: what runs there, or what is on its way there.</summary>
public sealed record PipelineCard(string Version, string CommitSha, string Kind, Promotion? Promotion, bool Rejected);

public sealed record PipelineColumn(PipelineStage Stage, string? RunningVersion, IReadOnlyList<PipelineCard> Cards, string? NextEnvironment);

/// <summary>A service's pipeline: its stages in order, each with the running release and the promotions to it.</summary>
public sealed record PipelineBoard(IReadOnlyList<string> Services, string? Service, IReadOnlyList<PipelineColumn> Columns, IReadOnlyList<Release> Unpromoted)
{
    public static readonly PipelineBoard Empty = new([], null, [], []);

    public static async Task<PipelineBoard> LoadAsync(OpsDbContext db, string? service)
    {
        var services = await db.PipelineStages.AsNoTracking().Select(s => s.Service).Distinct().OrderBy(s => s).ToListAsync();
        if (services.Count == 0) return Empty;
        service = service is not null && services.Contains(service) ? service : services[0];
        var stages = await db.PipelineStages.AsNoTracking().Where(s => s.Service == service).OrderBy(s => s.Order).ToListAsync();
        var releases = await db.Releases.AsNoTracking().Where(r => r.Service == service).ToListAsync();
        var byVersion = releases.ToDictionary(r => r.Version, StringComparer.Ordinal);
        var states = await db.ReleaseEnvironments.AsNoTracking().Where(r => r.Service == service).ToListAsync();
        var targets = await db.DeployTargets.AsNoTracking().Where(t => t.Service == service).ToDictionaryAsync(t => t.Environment);
        var promotions = await db.ListAsync(new PromotionFilter(Service: service, Limit: 200));
        var rejected = states.Where(s => s.RejectedForPipeline && s.LiftedAt == null).Select(s => s.ReleaseId).ToHashSet();

        var columns = new List<PipelineColumn>();
        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            var running = states.Where(s => s.Environment == stage.Environment && s.IsRunning).OrderByDescending(s => s.RunningSince).FirstOrDefault()?.Version
                          ?? (targets.TryGetValue(stage.Environment, out var t) ? t.StableVersion : null);
            var cards = new List<PipelineCard>();
            var open = promotions.Where(p => p.Environment == stage.Environment && !p.IsFinished).ToList();
            cards.AddRange(open.Select(p => Card(p.Version, "promotion", p)));
            var latestFinished = promotions.Where(p => p.Environment == stage.Environment && p.IsFinished).Take(3)
                .Where(p => open.All(o => o.Version != p.Version) && p.Version != running);
            if (running is not null)
            {
                var runningPromotion = promotions.FirstOrDefault(p => p.Environment == stage.Environment && p.Version == running && p.Status == PromotionStatus.Succeeded);
                cards.Insert(0, Card(running, "running", runningPromotion));
            }
            cards.AddRange(latestFinished.Select(p => Card(p.Version, "history", p)));
            columns.Add(new PipelineColumn(stage, running, cards, i + 1 < stages.Count ? stages[i + 1].Environment : null));
        }
        var first = stages.FirstOrDefault()?.Environment;
        var inFirst = promotions.Where(p => p.Environment == first).Select(p => p.Version).ToHashSet();
        var unpromoted = releases.Where(r => !inFirst.Contains(r.Version) && columns.FirstOrDefault()?.RunningVersion != r.Version)
            .OrderByDescending(r => r.RegisteredAt).Take(5).ToList();
        return new PipelineBoard(services, service, columns, unpromoted);

        PipelineCard Card(string version, string kind, Promotion? p) =>
            new(version, byVersion.TryGetValue(version, out var r) ? r.CommitSha : "", kind, p, r is not null && rejected.Contains(r.Id));
    }
}

public enum ConfigChange { Added, Removed, Changed }

/// <summary>One key that differs between what runs and what would be deployed; a secret shows as changed or not, never its value.</summary>
public sealed record ConfigDiffLine(string Key, ConfigChange Change, bool Secret, string? Before, string? After);

/// <summary>Everything a ReleaseManager weighs for one waiting promotion.</summary>
public sealed record InboxItem(Promotion Promotion, string? RunningVersion, IReadOnlyList<Release> Between, IReadOnlyList<ConfigDiffLine> ConfigDiff,
    IReadOnlyList<ReleaseCheck> Checks, IReadOnlyList<string> RequiredChecks)
{
    public static async Task<List<InboxItem>> LoadAsync(OpsDbContext db, IConfigSnapshots configs)
    {
        var waiting = await db.Promotions.AsNoTracking().Include(p => p.Approvals)
            .Where(p => p.Status == PromotionStatus.AwaitingApproval || p.Status == PromotionStatus.WaitingForGates)
            .OrderBy(p => p.RequestedAt).Take(50).ToListAsync();
        var items = new List<InboxItem>();
        foreach (var p in waiting)
        {
            var stage = await db.PipelineStages.AsNoTracking().FirstOrDefaultAsync(s => s.Service == p.Service && s.Environment == p.Environment);
            if (stage is null || stage.RequiredApprovals <= 0) continue;
            var target = await db.DeployTargets.AsNoTracking().FirstOrDefaultAsync(t => t.Service == p.Service && t.Environment == p.Environment);
            var running = target?.StableVersion;
            var releases = await db.Releases.AsNoTracking().Where(r => r.Service == p.Service).OrderBy(r => r.RegisteredAt).ToListAsync();
            var to = releases.FindIndex(r => r.Version == p.Version);
            var from = running is null ? -1 : releases.FindIndex(r => r.Version == running);
            var between = to < 0 ? [] : releases.Skip(from + 1).Take(Math.Max(0, to - from)).Reverse().ToList();
            var snapshot = await configs.CurrentAsync(p.Service, p.Environment);
            var diff = Diff(target?.StableConfig ?? new Dictionary<string, string>(), snapshot.Workload);
            var checks = to < 0 ? [] : await db.ReleaseChecks.AsNoTracking().Where(c => c.ReleaseId == releases[to].Id).OrderBy(c => c.Name).ToListAsync();
            items.Add(new InboxItem(p, running, between, diff, checks, stage.RequiredCheckNames));
        }
        return items;
    }

    public static IReadOnlyList<ConfigDiffLine> Diff(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after)
    {
        var lines = new List<ConfigDiffLine>();
        foreach (var key in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            var had = before.TryGetValue(key, out var b);
            var has = after.TryGetValue(key, out var a);
            var secret = IsSecret(b) || IsSecret(a);
            if (had && has && b == a) continue;
            var change = !had ? ConfigChange.Added : !has ? ConfigChange.Removed : ConfigChange.Changed;
            lines.Add(new ConfigDiffLine(key, change, secret, secret ? null : b, secret ? null : a));
        }
        return lines;
    }

    private static bool IsSecret(string? value) => value is not null && value.StartsWith("${secret:", StringComparison.Ordinal);
}
