using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Fatigue;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Api;

public static class AlertFatigueApi
{
    public static RouteGroupBuilder MapAlertFatigueApi(this RouteGroupBuilder api)
    {
        api.MapGet("/alert-fatigue", Get).WithTags("Alert fatigue").WithName("GetAlertFatigue").WithSummary("The alert-fatigue assessment of a period")
            .WithDescription("Any role. from and to (dates yyyy-MM-dd — a date as 'to' includes that day — or ISO 8601 times; default the last 28 days, at most 366 days), " +
                             "schedule (optional: one on-call schedule by name; its pages and the alerts they carried, in its time zone). Figures (pages per shift, per " +
                             "week and per 12 hours on call, outside working hours, time to acknowledge p50/p90, firings that resolved on their own, silences too " +
                             "long or renewed, duplicate pages per incident), the score with each threshold, the noisiest rules, rules without a runbook, " +
                             "recommendations per rule with the reason, and a per-week series. format=markdown downloads the report, format=csv the per-rule table. " +
                             "400 naming the parameter for a bad date, from not before to, a longer period, an unknown schedule or format.")
            .Produces<FatigueReport>().Produces(StatusCodes.Status200OK, contentType: "text/markdown").ProducesValidationProblem();
        return api;
    }

    private static async Task<Results<Ok<FatigueReport>, FileContentHttpResult>> Get(string? from, string? to, string? schedule, string? format,
        OpsDbContext db, FatigueSettings settings, TimeProvider clock, CancellationToken ct)
    {
        var kind = (format ?? "json").Trim().ToLowerInvariant();
        if (kind is not ("json" or "markdown" or "md" or "csv"))
            throw new InvalidInputException("format", "format is json (the default), markdown or csv.");
        var (start, end) = FatigueQueries.ParsePeriod(from, to, clock.GetUtcNow().UtcDateTime);
        if (schedule is { Length: > 100 }) throw new InvalidInputException("schedule", "A schedule name has at most 100 characters.");
        var report = await FatigueQueries.ReportAsync(db, settings, schedule, start, end, ct);
        return kind switch
        {
            "markdown" or "md" => TypedResults.File(Encoding.UTF8.GetBytes(FatigueExport.ToMarkdown(report)), "text/markdown; charset=utf-8", FatigueExport.FileName(report, "md")),
            "csv" => TypedResults.File(Encoding.UTF8.GetBytes(FatigueExport.RulesCsv(report)), "text/csv; charset=utf-8", FatigueExport.FileName(report, "csv")),
            _ => TypedResults.Ok(report),
        };
    }
}
