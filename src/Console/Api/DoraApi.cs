using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Dora;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Api;

public static class DoraApi
{
    public static RouteGroupBuilder MapDoraApi(this RouteGroupBuilder api)
    {
        api.MapGet("/dora", Get).WithTags("DORA").WithName("GetDoraMetrics").WithSummary("DORA metrics per service and overall over a period")
            .WithDescription("Any role. service (optional: one service), from and to (dates yyyy-MM-dd — a date as 'to' includes that day — or ISO 8601 times; " +
                             "default the last 28 days, at most 366 days). Deployment frequency (healthy production deploys per day and week), " +
                             "lead time for changes (commit to healthy in production: median and p90, hours), change failure rate (0..1) and failed-deployment " +
                             "recovery time (median hours), each with its DORA band; weeks for the charts and the deployments counted. Drills never count. " +
                             "400 for a bad date, from not before to, or a longer period.")
            .ProducesValidationProblem();
        return api;
    }

    private static async Task<Ok<DoraReport>> Get(string? service, string? from, string? to, OpsDbContext db, DoraSettings settings, TimeProvider clock, CancellationToken ct)
    {
        var (start, end) = DoraQueries.ParsePeriod(from, to, clock.GetUtcNow().UtcDateTime);
        return TypedResults.Ok(await DoraQueries.ReportAsync(db, settings, service, start, end, ct));
    }
}
