using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Audit;

/// <summary>Filters over the audit trail; every filter is optional and they combine with AND.</summary>
public sealed record AuditFilter(string? Actor = null, string? Action = null, string? Target = null, string? CorrelationId = null, DateTime? From = null, DateTime? To = null)
{
    public IQueryable<AuditEntry> Apply(IQueryable<AuditEntry> q)
    {
        if (!string.IsNullOrWhiteSpace(Actor)) q = q.Where(e => e.Actor == Actor.Trim());
        if (!string.IsNullOrWhiteSpace(Action)) q = q.Where(e => e.Action.StartsWith(Action.Trim()));
        if (!string.IsNullOrWhiteSpace(Target)) q = q.Where(e => e.Target.Contains(Target.Trim()));
        if (!string.IsNullOrWhiteSpace(CorrelationId)) q = q.Where(e => e.CorrelationId == CorrelationId.Trim());
        if (From is { } f) q = q.Where(e => e.At >= f.ToUniversalTime());
        if (To is { } t) q = q.Where(e => e.At <= t.ToUniversalTime());
        return q;
    }
}

public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, int Total);

public static class AuditQuery
{
    public static async Task<AuditPage> PageAsync(OpsDbContext db, AuditFilter filter, int skip, int take, CancellationToken ct = default)
    {
        var q = filter.Apply(db.AuditEntries.AsNoTracking());
        var total = await q.CountAsync(ct);
        var entries = await q.OrderByDescending(e => e.Sequence).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 1000)).ToListAsync(ct);
        return new AuditPage(entries, total);
    }

    public static IAsyncEnumerable<AuditEntry> StreamAsync(OpsDbContext db, AuditFilter filter) =>
        filter.Apply(db.AuditEntries.AsNoTracking()).OrderBy(e => e.Sequence).AsAsyncEnumerable();

    public static readonly string CsvHeader = "sequence,at,actor,action,target,correlation_id,before,after,previous_hash,hash";

    /// <summary>One RFC 4180 CSV line; the hashes are included so an export can be checked offline.</summary>
    public static string ToCsvLine(AuditEntry e)
    {
        var sb = new StringBuilder();
        string[] fields =
        [
            e.Sequence.ToString(CultureInfo.InvariantCulture), e.At.ToString("O", CultureInfo.InvariantCulture), e.Actor, e.Action, e.Target,
            e.CorrelationId, e.Before ?? "", e.After ?? "", e.PreviousHash, e.Hash,
        ];
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0) sb.Append(',');
            var f = fields[i];
            // Cells starting with = + - @ are neutralised so a spreadsheet never runs them as formulas.
            if (f.Length > 0 && "=+-@".Contains(f[0]) && i is 2 or 3 or 4 or 6 or 7) f = "'" + f;
            if (f.IndexOfAny([',', '"', '\n', '\r']) >= 0) sb.Append('"').Append(f.Replace("\"", "\"\"")).Append('"');
            else sb.Append(f);
        }
        return sb.ToString();
    }
}
