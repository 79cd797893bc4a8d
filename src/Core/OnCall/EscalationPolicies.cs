using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.OnCall;

public sealed record PolicyInput(string? Name, IReadOnlyList<EscalationLevel>? Levels, int? RepeatCount);

public sealed record PolicyView(Guid Id, string Name, IReadOnlyList<EscalationLevel> Levels, int RepeatCount, DateTime UpdatedAt, string UpdatedBy);

/// <summary>Escalation policies: Admins edit them, everyone reads them.</summary>
public sealed class EscalationPolicies(OpsDbContext db, TimeProvider clock)
{
    public async Task<IReadOnlyList<PolicyView>> ListAsync(CancellationToken ct = default) =>
        (await db.EscalationPolicies.AsNoTracking().OrderBy(p => p.Name).ToListAsync(ct)).Select(View).ToList();

    public async Task<PolicyView> GetAsync(Guid id, CancellationToken ct = default) => View(await FindAsync(id, ct));

    public async Task<PolicyView> SaveAsync(Actor actor, Guid? id, PolicyInput input, CancellationToken ct = default)
    {
        actor.Require("edit escalation policies", Roles.Admin);
        var policy = id is { } existing ? await FindAsync(existing, ct) : new EscalationPolicy();
        var name = input.Name?.Trim() ?? "";
        if (name.Length is < 1 or > 100) throw new InvalidInputException("name", "Give the policy a name of 1 to 100 characters.");
        var levels = input.Levels ?? [];
        if (levels.Count is < 1 or > 10) throw new InvalidInputException("levels", "A policy has 1 to 10 levels.");
        if (input.RepeatCount is < 0 or > 10) throw new InvalidInputException("repeatCount", "Repeat 0 to 10 times.");
        var users = new List<string>();
        var schedules = new List<string>();
        for (var i = 0; i < levels.Count; i++)
        {
            var level = levels[i];
            if (level.Targets is not { Count: > 0 and <= 20 }) throw new InvalidInputException($"levels[{i}].targets", $"Level {i + 1} needs 1 to 20 targets (users or schedules).");
            if (level.DelayMinutes is < 1 or > 1440) throw new InvalidInputException($"levels[{i}].delayMinutes", "The delay before the next level is 1 to 1440 minutes.");
            foreach (var t in level.Targets)
            {
                if (string.IsNullOrWhiteSpace(t.Name)) throw new InvalidInputException($"levels[{i}].targets", "Every target names a user or a schedule.");
                (t.Kind == EscalationTargetKind.Schedule ? schedules : users).Add(t.Name.Trim());
            }
        }
        var knownUsers = await db.Users.Where(u => users.Contains(u.UserName!)).Select(u => u.UserName!).ToListAsync(ct);
        var knownSchedules = await db.OnCallSchedules.Where(s => schedules.Contains(s.Name)).Select(s => s.Name).ToListAsync(ct);
        var missing = users.Except(knownUsers).Select(u => $"user {u}").Concat(schedules.Except(knownSchedules).Select(s => $"schedule {s}")).ToList();
        if (missing.Count > 0) throw new InvalidInputException("levels", $"Unknown target(s): {string.Join(", ", missing.Take(5))}.");
        if (await db.EscalationPolicies.AnyAsync(p => p.Name == name && p.Id != policy.Id, ct))
            throw new ConflictException($"A policy named '{name}' exists already.");

        var before = id is null ? null : new { policy.Name, levels = policy.Levels, policy.RepeatCount };
        var renamedFrom = id is null || policy.Name == name ? null : policy.Name;
        policy.Name = name;
        policy.Levels = levels.Select(l => l with { Targets = l.Targets.Select(t => t with { Name = t.Name.Trim() }).ToList() }).ToList();
        policy.RepeatCount = input.RepeatCount ?? 0;
        policy.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        policy.UpdatedBy = actor.Name;
        if (id is null) db.EscalationPolicies.Add(policy);
        if (renamedFrom is not null)
            await db.AlertReceivers.Where(r => r.EscalationPolicy == renamedFrom).ForEachAsync(r => r.EscalationPolicy = name, ct);
        AuditTrail.Record(db, actor, id is null ? "oncall.policy.create" : "oncall.policy.update", $"policy/{name}", before,
            new { policy.Name, levels = policy.Levels, policy.RepeatCount });
        await db.SaveChangesAsync(ct);
        return View(policy);
    }

    public async Task DeleteAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        actor.Require("delete escalation policies", Roles.Admin);
        var policy = await FindAsync(id, ct);
        var users = await db.AlertReceivers.Where(r => r.EscalationPolicy == policy.Name).Select(r => r.Name).ToListAsync(ct);
        if (users.Count > 0) throw new ConflictException($"Receivers {string.Join(", ", users)} use this policy; change them first.");
        db.EscalationPolicies.Remove(policy);
        AuditTrail.Record(db, actor, "oncall.policy.delete", $"policy/{policy.Name}");
        await db.SaveChangesAsync(ct);
    }

    private async Task<EscalationPolicy> FindAsync(Guid id, CancellationToken ct) =>
        await db.EscalationPolicies.FirstOrDefaultAsync(p => p.Id == id, ct) ?? throw new NotFoundException($"Escalation policy {id}");

    public static PolicyView View(EscalationPolicy p) => new(p.Id, p.Name, p.Levels, p.RepeatCount, p.UpdatedAt, p.UpdatedBy);
}
