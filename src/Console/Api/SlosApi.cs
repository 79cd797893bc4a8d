using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Slo;

namespace OpsConsole.Console.Api;

public sealed record SloCreated(long Id);

/// <summary>A burn-rate alert of an SLO that fires now.</summary>
public sealed record SloAlertView(string Fingerprint, string Rule, string Severity, string Summary, DateTime StartsAt);

/// <summary>An SLO with its state now: <c>budgetRemaining</c> (1 untouched, 0 spent, negative overspent) and <c>burnRates</c> per window (null: no traffic).</summary>
public sealed record SloView(
    long Id, string Service, string Environment, string Kind, double Objective, int WindowDays, double? LatencyMs, string Description, string CreatedBy, DateTime CreatedAt,
    double BudgetRemaining, long Requests, long BadEvents, IReadOnlyDictionary<string, double?> BurnRates, IReadOnlyList<SloAlertView>? FiringAlerts = null)
{
    public static SloView From(SloStatus s, IReadOnlyList<SloAlertView>? alerts = null) => new(
        s.Slo.Id, s.Slo.Service, s.Slo.Environment, s.Slo.Kind.ToString().ToLowerInvariant(), s.Slo.Objective, s.Slo.WindowDays, s.Slo.LatencyMs, s.Slo.Describe(),
        s.Slo.CreatedBy, s.Slo.CreatedAt, s.BudgetRemaining, s.Requests, s.BadEvents, s.BurnRates.ToDictionary(b => b.Window, b => b.BurnRate), alerts);
}

public static class SlosApi
{
    public static RouteGroupBuilder MapSlosApi(this RouteGroupBuilder api)
    {
        var slos = api.MapGroup("/slos").WithTags("SLOs");
        slos.MapGet("/", List).WithName("ListSlos").WithSummary("Every SLO with its budget remaining and burn rates (filters: service, environment)");
        slos.MapPost("/", Create).WithName("CreateSlo").WithSummary("Create an SLO (ReleaseManager, Facilitator or Admin)")
            .WithDescription("{\"service\",\"environment\",\"kind\":\"availability\"|\"latency\",\"objective\":0.999,\"windowDays\":30,\"latencyMs\":250}: objective above 0.5 and at most 0.99999, " +
                             "windowDays 1 to 90 (default 30), latencyMs for latency SLOs, one of the history's bounds. 400 naming the field on bad input, nothing saved.")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(409);
        slos.MapGet("/{id:long}", Get).WithName("GetSlo").WithSummary("An SLO: objective, budgetRemaining, burnRates per window (5m, 30m, 1h, 6h, 3d) and its firing burn-rate alerts").ProducesProblem(404);
        slos.MapGet("/{id:long}/burn-down", BurnDown).WithName("GetSloBurnDown").WithSummary("The budget left over the SLO's window, 60 points from the window's start to now").ProducesProblem(404);
        slos.MapDelete("/{id:long}", Delete).WithName("DeleteSlo").WithSummary("Delete an SLO (ReleaseManager, Facilitator or Admin); its burn-rate alerts resolve at the next evaluation")
            .ProducesProblem(403).ProducesProblem(404);
        slos.MapGet("/prometheus-rules", Rules).WithName("GetSloPrometheusRules")
            .WithSummary("Every SLO (or one service's: ?service=) as Prometheus recording and alerting rules (YAML for rule_files)")
            .WithDescription("Recording rules slo:sli_error:ratio_rate<window> over the ingress metrics on /metrics, and one SloBurnRate alert per workbook rule " +
                             "(fast-burn 14.4× over 1h and 5m, slow-burn 6× over 6h and 30m: severity page; budget-erosion 1× over 3d and 6h: severity ticket).");
        return api;
    }

    private static async Task<Ok<List<SloView>>> List(string? service, string? environment, SloCatalog catalog, SloMeter meter, CancellationToken ct)
    {
        var result = new List<SloView>();
        foreach (var slo in await catalog.ListAsync(service, environment, ct)) result.Add(SloView.From(await meter.StatusAsync(slo, ct)));
        return TypedResults.Ok(result);
    }

    private static async Task<Created<SloCreated>> Create(SloRequest body, SloCatalog catalog, HttpContext ctx, CancellationToken ct)
    {
        var slo = await catalog.CreateAsync(ctx.ToActor(), body, ct);
        return TypedResults.Created($"/api/v1/slos/{slo.Id}", new SloCreated(slo.Id));
    }

    private static async Task<Ok<SloView>> Get(long id, SloCatalog catalog, SloMeter meter, CancellationToken ct)
    {
        var slo = await catalog.GetAsync(id, ct);
        var alerts = (await catalog.FiringAlertsAsync(id, ct)).Select(a => new SloAlertView(a.Fingerprint, a.Labels.GetValueOrDefault("rule") ?? "",
            a.Labels.GetValueOrDefault("severity") ?? "", a.Annotations.GetValueOrDefault("summary") ?? "", a.StartsAt)).ToList();
        return TypedResults.Ok(SloView.From(await meter.StatusAsync(slo, ct), alerts));
    }

    private static async Task<Ok<IReadOnlyList<SloBudgetPoint>>> BurnDown(long id, SloCatalog catalog, SloMeter meter, CancellationToken ct) =>
        TypedResults.Ok(await meter.BurnDownAsync(await catalog.GetAsync(id, ct), ct));

    private static async Task<NoContent> Delete(long id, SloCatalog catalog, HttpContext ctx, CancellationToken ct)
    {
        await catalog.DeleteAsync(ctx.ToActor(), id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<ContentHttpResult> Rules(string? service, SloCatalog catalog, HttpContext ctx, CancellationToken ct)
    {
        var slos = await catalog.ListAsync(service, null, ct);
        var runbooks = await catalog.RunbooksAsync(ct);
        var origin = $"{ctx.Request.Scheme}://{ctx.Request.Host}";
        var yaml = SloPrometheusRules.ToYaml(slos, s => runbooks.TryGetValue(s, out var slug) ? $"{origin}/runbooks/{slug}" : null);
        return TypedResults.Text(yaml, "application/yaml");
    }
}
