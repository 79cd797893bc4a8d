using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Incidents;

/// <summary>Reading incidents: one with everything it holds, lists with filters, the next id.</summary>
public static class IncidentQueries
{
    /// <summary>Status filter words: a status, or <c>active</c> for every status but resolved.</summary>
    public const string Active = "active";

    public static async Task<Incident?> LoadAsync(OpsDbContext db, long id, bool tracked = false, CancellationToken ct = default)
    {
        var q = db.Incidents.Include(i => i.Services).Include(i => i.Alerts).Include(i => i.Runbooks).Include(i => i.Log).AsSplitQuery();
        return await (tracked ? q : q.AsNoTracking()).FirstOrDefaultAsync(i => i.Id == id, ct);
    }

    /// <summary>Incidents, newest first; <paramref name="status"/> is a status name or <c>active</c>; <paramref name="service"/> a service name.</summary>
    public static async Task<List<Incident>> ListAsync(OpsDbContext db, string? status = null, string? service = null, int limit = 100, CancellationToken ct = default)
    {
        var q = db.Incidents.AsNoTracking().Include(i => i.Services).Include(i => i.Alerts).Include(i => i.Runbooks).AsSplitQuery().AsQueryable();
        if (!string.IsNullOrWhiteSpace(status))
        {
            var s = status.Trim();
            if (string.Equals(s, Active, StringComparison.OrdinalIgnoreCase)) q = q.Where(i => i.Status != IncidentStatus.Resolved);
            else if (Enum.TryParse<IncidentStatus>(s, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(s, out _))
                q = q.Where(i => i.Status == parsed);
            else throw new InvalidInputException("status", $"Status '{status}' is not one of open, acknowledged, mitigated, resolved, active.");
        }
        if (!string.IsNullOrWhiteSpace(service))
        {
            var name = service.Trim().ToLowerInvariant();
            q = q.Where(i => i.Services.Any(s => s.Service == name));
        }
        return await q.OrderByDescending(i => i.Id).Take(Math.Clamp(limit, 1, 500)).ToListAsync(ct);
    }

    /// <summary>The id for a new incident: one more than any stored or about to be stored in this unit of work.</summary>
    public static async Task<long> NextIdAsync(OpsDbContext db, CancellationToken ct = default)
    {
        var stored = await db.Incidents.MaxAsync(i => (long?)i.Id, ct) ?? 0;
        var pending = db.Incidents.Local.Select(i => i.Id).DefaultIfEmpty(0).Max();
        return Math.Max(stored, pending) + 1;
    }
}
