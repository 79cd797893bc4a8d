using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Alerting;

public sealed record SilenceView(Guid Id, string Matchers, DateTime StartsAt, DateTime EndsAt, string CreatedBy, string Comment, DateTime CreatedAt, string State, bool ExpiresSoon, string? ExpiredBy)
{
    public static SilenceView From(Silence s, DateTime now) =>
        new(s.Id, s.Matchers, s.StartsAt, s.EndsAt, s.CreatedBy, s.Comment, s.CreatedAt, s.StateAt(now).ToString(), s.ExpiresSoon(now), s.ExpiredBy);
}

/// <summary>Silences: created and ended by OnCall or Admin, kept after they expire.</summary>
public sealed class Silences(OpsDbContext db, EventOutbox outbox, TimeProvider clock)
{
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(90);

    public async Task<SilenceView> CreateAsync(Actor actor, string? matchers, DateTime? startsAt, DateTime? endsAt, string? comment, CancellationToken ct = default)
    {
        actor.Require("create a silence", Roles.OnCall, Roles.Admin);
        var now = clock.GetUtcNow().UtcDateTime;
        if (string.IsNullOrWhiteSpace(matchers)) throw new InvalidInputException("matchers", "A silence needs at least one matcher, e.g. {service=\"checkout\", severity=~\"warning|info\"}.");
        if (matchers.Length > 4096) throw new InvalidInputException("matchers", "The matchers are longer than 4096 characters.");
        var parsed = LabelMatcher.ParseList(matchers);
        if (parsed.Count == 0) throw new InvalidInputException("matchers", "A silence needs at least one matcher.");
        if (parsed.All(m => m.Matches(new Dictionary<string, string>())))
            throw new InvalidInputException("matchers", "These matchers match every alert (even one without labels); name at least one label value to match.");
        comment = comment?.Trim() ?? "";
        if (comment.Length is < 1 or > 2000) throw new InvalidInputException("comment", "Say why (a comment of 1 to 2000 characters).");
        var start = startsAt?.ToUniversalTime() ?? now;
        if (start < now) start = now;
        var end = endsAt?.ToUniversalTime() ?? throw new InvalidInputException("endsAt", "Give the silence an end.");
        if (end <= start) throw new InvalidInputException("endsAt", "The end must be after the start (and in the future).");
        if (end - start > MaxDuration) throw new InvalidInputException("endsAt", $"A silence lasts at most {MaxDuration.TotalDays} days.");
        var silence = new Silence
        {
            Matchers = LabelMatcher.Format(parsed),
            StartsAt = start,
            EndsAt = end,
            CreatedBy = actor.Name,
            Comment = comment,
            CreatedAt = now,
        };
        db.Silences.Add(silence);
        var summary = new { silence.Id, silence.Matchers, silence.StartsAt, silence.EndsAt, silence.Comment };
        AuditTrail.Record(db, actor, "silence.create", $"silence/{silence.Id}", after: summary);
        outbox.Add(db, actor, EventTypes.SilenceCreated, "alerts", summary);
        await db.SaveChangesAsync(ct);
        return SilenceView.From(silence, now);
    }

    /// <summary>Ends a silence now; it stays in the history.</summary>
    public async Task<SilenceView> ExpireAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        actor.Require("end a silence", Roles.OnCall, Roles.Admin);
        var silence = await db.Silences.FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundException($"Silence {id}");
        var now = clock.GetUtcNow().UtcDateTime;
        if (silence.StateAt(now) == SilenceState.Expired) return SilenceView.From(silence, now);
        var before = new { silence.EndsAt };
        silence.EndsAt = now < silence.StartsAt ? silence.StartsAt : now;
        silence.ExpiredBy = actor.Name;
        silence.ExpiryAnnouncedAt = now;
        AuditTrail.Record(db, actor, "silence.expire", $"silence/{silence.Id}", before: before, after: new { silence.EndsAt });
        outbox.Add(db, actor, EventTypes.SilenceExpired, "alerts", new { silence.Id, silence.Matchers, silence.EndsAt, expiredBy = actor.Name });
        await db.SaveChangesAsync(ct);
        return SilenceView.From(silence, now);
    }

    public async Task<IReadOnlyList<SilenceView>> ListAsync(bool includeExpired, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var q = db.Silences.AsNoTracking();
        if (!includeExpired) q = q.Where(s => s.EndsAt > now);
        var rows = await q.OrderByDescending(s => s.CreatedAt).Take(500).ToListAsync(ct);
        return rows.Select(s => SilenceView.From(s, now)).ToList();
    }

    /// <summary>Announces silences that ran out by themselves (event <c>silence.expired</c>), once each.</summary>
    internal async Task AnnounceExpiredAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var ended = await db.Silences.Where(s => s.EndsAt <= now && s.ExpiryAnnouncedAt == null).Take(100).ToListAsync(ct);
        if (ended.Count == 0) return;
        var system = Actor.System(Guid.NewGuid().ToString("N"));
        foreach (var s in ended)
        {
            s.ExpiryAnnouncedAt = now;
            outbox.Add(db, system, EventTypes.SilenceExpired, "alerts", new { s.Id, s.Matchers, s.EndsAt });
        }
        await db.SaveChangesAsync(ct);
    }
}
