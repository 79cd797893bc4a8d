using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Console.Auth;
using OpsConsole.Console.Hosting;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Api;

public sealed record AuditVerifyResponse(bool Intact, long EntriesChecked, long? FirstBadSequence, string? Reason, string? HeadHash);

public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        var audit = api.MapGroup("/audit").WithTags("Audit");
        audit.MapGet("/", List).WithName("ListAudit").WithSummary("Audit entries, newest first")
            .WithDescription("Filters: actor (exact), action (prefix), target (substring), correlationId, from, to (ISO 8601). Paging: skip, take (max 1000).");
        // Both read the whole trail: limited per user (429 with Retry-After beyond the limit).
        audit.MapGet("/export", Export).WithName("ExportAudit").WithSummary("Export the audit trail as CSV or JSON (format=csv|json), oldest first, with hashes")
            .RequireRateLimiting(SecuritySetup.ExpensiveRead);
        audit.MapPost("/verify", Verify).WithName("VerifyAudit").WithSummary("Check the hash chain")
            .WithDescription("Returns whether the chain is intact and, if not, the first entry that does not fit and why.")
            .RequireRateLimiting(SecuritySetup.ExpensiveRead);
        return api;
    }

    private static async Task<Ok<AuditPage>> List(string? actor, string? action, string? target, string? correlationId, DateTime? from, DateTime? to,
        int? skip, int? take, OpsDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await AuditQuery.PageAsync(db, new AuditFilter(actor, action, target, correlationId, from, to), skip ?? 0, take ?? 100, ct));

    private static async Task<Ok<AuditVerifyResponse>> Verify(OpsDbContext db, CancellationToken ct)
    {
        var v = await AuditTrail.VerifyAsync(db, ct);
        return TypedResults.Ok(new AuditVerifyResponse(v.IsIntact, v.EntriesChecked, v.FirstBadSequence, v.Reason, v.HeadHash));
    }

    private static async Task Export(string? format, string? actor, string? action, string? target, string? correlationId, DateTime? from, DateTime? to,
        OpsDbContext db, HttpContext ctx, CancellationToken ct)
    {
        var filter = new AuditFilter(actor, action, target, correlationId, from, to);
        var csv = !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase);
        ctx.Response.ContentType = csv ? "text/csv; charset=utf-8" : "application/json; charset=utf-8";
        ctx.Response.Headers.ContentDisposition = $"attachment; filename=\"opsconsole-audit-{DateTime.UtcNow:yyyyMMdd-HHmmss}.{(csv ? "csv" : "json")}\"";
        await using var writer = new StreamWriter(ctx.Response.Body, new UTF8Encoding(false), leaveOpen: true);
        if (csv) await writer.WriteLineAsync(AuditQuery.CsvHeader);
        else await writer.WriteAsync('[');
        var first = true;
        await foreach (var e in AuditQuery.StreamAsync(db, filter).WithCancellation(ct))
        {
            if (csv) await writer.WriteLineAsync(AuditQuery.ToCsvLine(e));
            else
            {
                if (!first) await writer.WriteAsync(',');
                await writer.WriteAsync(JsonSerializer.Serialize(e, JsonSerializerOptions.Web));
            }
            first = false;
        }
        if (!csv) await writer.WriteAsync(']');
    }
}
