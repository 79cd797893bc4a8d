using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Console.Auth;
using OpsConsole.Console.Hosting;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Incidents;

namespace OpsConsole.Console.Api;

public sealed record ReplaceRoutesRequest(string? AlertmanagerYaml);
public sealed record MatchRoutesRequest(Dictionary<string, string>? Labels);
public sealed record MatchRoutesResponse(IReadOnlyList<RouteMatchView> Matches);
public sealed record RouteMatchView(string Receiver, IReadOnlyList<string> GroupBy, int GroupWaitSeconds, int GroupIntervalSeconds, int RepeatIntervalSeconds, IReadOnlyList<string> Path);
public sealed record RoutesView(int Version, string Yaml, IReadOnlyList<string> Receivers, int InhibitRules, IReadOnlyList<string> TimeIntervals);
public sealed record CreateSilenceRequest(string? Matchers, DateTime? StartsAt, DateTime? EndsAt, int? DurationMinutes, string? Comment);
public sealed record AlertIncidentRequest(string? Severity);

public static class AlertingApi
{
    /// <summary>
    /// Alert intake: outside the Read-only API group, because a token made for ingestion holds no
    /// console role (it may post alerts and nothing else). OnCall and Admin may post too.
    /// </summary>
    public static IEndpointRouteBuilder MapAlertIngestionApi(this IEndpointRouteBuilder app)
    {
        var intake = app.MapGroup("/api/v1/alerts").WithTags("Alerts").RequireAuthorization(AlertingSetup.IngestPolicy);
        intake.MapPost("/alertmanager", IngestAlertmanager).WithName("IngestAlertmanagerWebhook")
            .WithSummary("Receive Alertmanager's webhook (payload version 4)")
            .WithDescription("Point an Alertmanager webhook receiver here with an ingestion token (or an OnCall/Admin token) as bearer credentials. " +
                             "Every field is read; unknown fields are kept with the alert. Alerts are deduplicated by fingerprint (computed from the labels when absent): " +
                             "a repeated post only updates 'last seen'. 400 for a malformed payload, 413 for one over the body limit; nothing is stored then.")
            .ProducesProblem(400).ProducesProblem(413);
        intake.MapPost("/", IngestGeneric).WithName("IngestAlerts")
            .WithSummary("Post alerts in the generic form")
            .WithDescription("One object {labels, annotations, status?, startsAt?, endsAt?} or an array of them. Without status an alert fires unless endsAt has passed.")
            .ProducesProblem(400).ProducesProblem(413);
        return app;
    }

    public static RouteGroupBuilder MapAlertingApi(this RouteGroupBuilder api)
    {
        var alerts = api.MapGroup("/alerts").WithTags("Alerts");
        alerts.MapGet("/", Search).WithName("ListAlerts").WithSummary("Alerts, most recently seen first (filters: status=firing|resolved, q=text in labels/annotations, service)");
        alerts.MapGet("/{fingerprint}", Get).WithName("GetAlert").WithSummary("An alert with its history, the routes that take it and whether it is silenced or inhibited").ProducesProblem(404);
        alerts.MapPost("/{fingerprint}/incident", OpenIncident).WithName("OpenIncidentForAlert")
            .WithSummary("Open an incident for the alert (or return the open one holding it)")
            .WithDescription("Body: {\"severity\": \"sev1\"..\"sev4\"} (default sev3). 501 when this console has no incident capability.")
            .ProducesProblem(404).ProducesProblem(501);

        var routes = api.MapGroup("/alert-routes").WithTags("Alert routes");
        routes.MapGet("/", GetRoutes).WithName("GetAlertRoutes").WithSummary("The route tree in force, as Alertmanager YAML");
        routes.MapPut("/", ReplaceRoutes).WithName("ReplaceAlertRoutes").WithSummary("Replace the route tree from Alertmanager YAML (Admin)")
            .WithDescription("Body: {\"alertmanagerYaml\": \"...\"}: a route section with or without the 'route:' key, or a full configuration (receivers, inhibit_rules, time_intervals). " +
                             "400 naming the line or matcher for invalid YAML or regex; the tree is then unchanged.")
            .ProducesValidationProblem().ProducesProblem(403);
        routes.MapPost("/match", MatchRoutes).WithName("MatchAlertRoutes").WithSummary("Which routes would take an alert with these labels, in Alertmanager's order");

        var silences = api.MapGroup("/silences").WithTags("Silences");
        silences.MapGet("/", ListSilences).WithName("ListSilences").WithSummary("Silences (expired ones too with expired=true)");
        silences.MapPost("/", CreateSilence).WithName("CreateSilence").WithSummary("Create a silence (OnCall or Admin)")
            .WithDescription("Body: matchers in Alertmanager's syntax ({service=\"checkout\",severity=~\"warning|info\"}), startsAt (default now), endsAt or durationMinutes, comment.")
            .ProducesValidationProblem().ProducesProblem(403);
        silences.MapPost("/{id:guid}/expire", ExpireSilence).WithName("ExpireSilence").WithSummary("End a silence now (OnCall or Admin); it stays in the history").ProducesProblem(403).ProducesProblem(404);
        return api;
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpContext ctx)
    {
        try
        {
            using var doc = await JsonDocument.ParseAsync(ctx.Request.Body, new JsonDocumentOptions { MaxDepth = 32 }, ctx.RequestAborted);
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidInputException("body", $"The body is not valid JSON: {e.Message}");
        }
    }

    private static async Task<Ok<IngestResult>> IngestAlertmanager(HttpContext ctx, AlertIngestion ingestion, CancellationToken ct) =>
        TypedResults.Ok(await ingestion.IngestAlertmanagerAsync(ctx.ToActor(), await ReadJsonAsync(ctx), ct));

    private static async Task<Ok<IngestResult>> IngestGeneric(HttpContext ctx, AlertIngestion ingestion, CancellationToken ct) =>
        TypedResults.Ok(await ingestion.IngestGenericAsync(ctx.ToActor(), await ReadJsonAsync(ctx), ct));

    private static async Task<Ok<IReadOnlyList<AlertView>>> Search(string? status, string? q, string? service, int? limit, AlertQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.SearchAsync(status, q, service, limit, ct));

    private static async Task<Results<Ok<AlertDetail>, ProblemHttpResult>> Get(string fingerprint, AlertQueries queries, CancellationToken ct) =>
        await queries.GetAsync(fingerprint, ct) is { } detail
            ? TypedResults.Ok(detail)
            : TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"Alert {fingerprint} was not found.");

    private static async Task<Results<Ok<OpenedIncident>, ProblemHttpResult>> OpenIncident(string fingerprint, AlertIncidentRequest? body, HttpContext ctx, AlertQueries queries, CancellationToken ct)
    {
        ctx.ToActor().Require("open an incident", OpsConsole.Core.Access.Roles.OnCall, OpsConsole.Core.Access.Roles.Admin);
        var intake = ctx.RequestServices.GetService<IIncidentIntake>();
        if (intake is null) return TypedResults.Problem(statusCode: 501, title: "Not available", detail: "This console has no incident capability to open an incident with.");
        var alert = await queries.FindAsync(fingerprint, ct) ?? throw new NotFoundException($"Alert {fingerprint}");
        var severity = ParseSeverity(body?.Severity);
        var id = await intake.OpenFromAlertAsync(ctx.ToActor(), alert, severity, ct);
        return TypedResults.Ok(new OpenedIncident(id));
    }

    public sealed record OpenedIncident(long IncidentId);

    internal static IncidentSeverity ParseSeverity(string? s) => (s?.Trim().ToLowerInvariant()) switch
    {
        null or "" or "sev3" or "3" => IncidentSeverity.Sev3,
        "sev1" or "1" => IncidentSeverity.Sev1,
        "sev2" or "2" => IncidentSeverity.Sev2,
        "sev4" or "4" => IncidentSeverity.Sev4,
        _ => throw new InvalidInputException("severity", "severity is sev1, sev2, sev3 or sev4."),
    };

    private static async Task<Ok<RoutesView>> GetRoutes(AlertRoutes routes, CancellationToken ct)
    {
        var (version, config, yaml) = await routes.CurrentAsync(ct);
        return TypedResults.Ok(new RoutesView(version, yaml, config.Receivers, config.InhibitRules.Count, config.TimeIntervals.Keys.ToList()));
    }

    private static async Task<Ok<RoutesView>> ReplaceRoutes(ReplaceRoutesRequest body, AlertRoutes routes, HttpContext ctx, CancellationToken ct)
    {
        await routes.ReplaceAsync(ctx.ToActor(), body.AlertmanagerYaml, ct);
        return await GetRoutes(routes, ct);
    }

    private static async Task<Ok<MatchRoutesResponse>> MatchRoutes(MatchRoutesRequest body, AlertRoutes routes, CancellationToken ct)
    {
        var matches = await routes.MatchAsync(body.Labels, ct);
        return TypedResults.Ok(new MatchRoutesResponse(matches.Select(m => new RouteMatchView(m.Receiver, m.GroupBy, m.GroupWaitSeconds, m.GroupIntervalSeconds, m.RepeatIntervalSeconds, m.Path)).ToList()));
    }

    private static async Task<Ok<IReadOnlyList<SilenceView>>> ListSilences(bool? expired, Silences silences, CancellationToken ct) =>
        TypedResults.Ok(await silences.ListAsync(expired == true, ct));

    private static async Task<Created<SilenceView>> CreateSilence(CreateSilenceRequest body, Silences silences, TimeProvider clock, HttpContext ctx, CancellationToken ct)
    {
        var ends = body.EndsAt ?? (body.DurationMinutes is { } m ? (body.StartsAt ?? clock.GetUtcNow().UtcDateTime).AddMinutes(m) : null);
        var silence = await silences.CreateAsync(ctx.ToActor(), body.Matchers, body.StartsAt, ends, body.Comment, ct);
        return TypedResults.Created($"/api/v1/silences/{silence.Id}", silence);
    }

    private static async Task<Ok<SilenceView>> ExpireSilence(Guid id, Silences silences, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(await silences.ExpireAsync(ctx.ToActor(), id, ct));
}
