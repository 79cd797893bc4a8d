using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Incidents;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Api;

public sealed record OpenIncidentRequest(string? Title, JsonElement? Severity, List<string?>? Services, string? Environment);
public sealed record OpenIncidentFromAlertRequest(string? Fingerprint, JsonElement? Severity);
public sealed record IncidentNoteRequest(string? Text);
public sealed record IncidentCommanderRequest(string? Commander);
public sealed record IncidentSeverityRequest(JsonElement? Severity);

public static class IncidentsApi
{
    public static RouteGroupBuilder MapIncidentsApi(this RouteGroupBuilder api)
    {
        var incidents = api.MapGroup("/incidents").WithTags("Incidents");
        incidents.MapGet("/", List).WithName("ListIncidents")
            .WithSummary("Incidents, newest first (filters: status = open | acknowledged | mitigated | resolved | active, service, limit)")
            .ProducesValidationProblem();
        incidents.MapPost("/", Open).WithName("OpenIncident").WithSummary("Open an incident by hand")
            .WithDescription("OnCall or Admin. Body: title (1–200 characters), severity (SEV1–SEV4), services (\"checkout\" or \"checkout/prod\"; " +
                             "a bare name takes environment when given). 201 with the incident; 400 and nothing saved when a field is not valid.")
            .ProducesValidationProblem().ProducesProblem(403);
        incidents.MapPost("/from-alert", OpenFromAlert).WithName("OpenIncidentFromAlert").WithSummary("Open an incident for a received alert")
            .WithDescription("OnCall or Admin. Body: fingerprint, severity. Answers 200 with the open incident that already holds the alert, " +
                             "else 201 with a new one (its services from the alert's service and environment labels, runbooks matched from its labels). 404 for an unknown alert.")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404);
        incidents.MapGet("/{id:long}", Get).WithName("GetIncident").WithSummary("An incident with its timeline")
            .WithDescription("The timeline: the incident's own moves and notes, events tied to it (pages, runbook steps, its alerts firing and resolving), and every " +
                             "deploy, rollback, rollout step and migration of its services from two hours before it opened (beforeOpening: \"what changed\").")
            .ProducesProblem(404);
        incidents.MapGet("/{id:long}/postmortem", Postmortem).WithName("IncidentPostmortem").WithSummary("A postmortem draft in Markdown (text/markdown)")
            .Produces<string>(200, "text/markdown").ProducesProblem(404);
        incidents.MapPost("/{id:long}/{action}", Move).WithName("MoveIncident").WithSummary("ack | mitigate | resolve")
            .WithDescription("OnCall or Admin. The status only moves forward (open → acknowledged → mitigated → resolved; a step may be skipped); " +
                             "anything else answers 409 and changes nothing.")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        incidents.MapPost("/{id:long}/notes", AddNote).WithName("AddIncidentNote").WithSummary("Write a note on the timeline (OnCall or Admin; text up to 4000 characters)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404);
        incidents.MapPut("/{id:long}/commander", SetCommander).WithName("SetIncidentCommander")
            .WithSummary("Name the incident commander (a user of this console; empty clears it; OnCall or Admin)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        incidents.MapPut("/{id:long}/severity", SetSeverity).WithName("SetIncidentSeverity").WithSummary("Change the severity (SEV1–SEV4; OnCall or Admin)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        return api;
    }

    private static async Task<Ok<List<IncidentView>>> List(string? status, string? service, int? limit, OpsDbContext db, CancellationToken ct)
    {
        var rows = await IncidentQueries.ListAsync(db, status, service, limit ?? 100, ct);
        return TypedResults.Ok(rows.Select(i => IncidentView.From(i)).ToList());
    }

    private static async Task<Created<IncidentView>> Open(OpenIncidentRequest body, IncidentDesk desk, HttpContext ctx, CancellationToken ct)
    {
        var incident = await desk.OpenAsync(ctx.ToActor(), body.Title, SeverityText(body.Severity), body.Services, body.Environment, ct);
        return TypedResults.Created($"/api/v1/incidents/{incident.Id}", IncidentView.From(incident));
    }

    private static async Task<Results<Created<IncidentView>, Ok<IncidentView>>> OpenFromAlert(OpenIncidentFromAlertRequest body, IncidentDesk desk, OpsDbContext db,
        HttpContext ctx, CancellationToken ct)
    {
        var before = await IncidentQueries.NextIdAsync(db, ct);
        var id = await desk.OpenFromFingerprintAsync(ctx.ToActor(), body.Fingerprint, SeverityText(body.Severity), ct);
        var view = IncidentView.From((await IncidentQueries.LoadAsync(db, id, ct: ct))!);
        return id >= before ? TypedResults.Created($"/api/v1/incidents/{id}", view) : TypedResults.Ok(view);
    }

    private static async Task<Ok<IncidentView>> Get(long id, OpsDbContext db, CancellationToken ct)
    {
        var incident = await IncidentQueries.LoadAsync(db, id, ct: ct) ?? throw new NotFoundException($"Incident {id}");
        return TypedResults.Ok(IncidentView.From(incident, await IncidentTimeline.BuildAsync(db, incident, ct)));
    }

    private static async Task<ContentHttpResult> Postmortem(long id, OpsDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var incident = await IncidentQueries.LoadAsync(db, id, ct: ct) ?? throw new NotFoundException($"Incident {id}");
        var markdown = IncidentPostmortem.Draft(incident, await IncidentTimeline.BuildAsync(db, incident, ct), clock.GetUtcNow().UtcDateTime);
        return TypedResults.Text(markdown, "text/markdown; charset=utf-8", Encoding.UTF8);
    }

    private static async Task<Ok<IncidentView>> Move(long id, string action, IncidentDesk desk, HttpContext ctx, CancellationToken ct)
    {
        var target = action switch
        {
            "ack" or "acknowledge" => IncidentStatus.Acknowledged,
            "mitigate" => IncidentStatus.Mitigated,
            "resolve" => IncidentStatus.Resolved,
            _ => throw new InvalidInputException("action", $"Unknown action '{action}': use ack, mitigate or resolve."),
        };
        return TypedResults.Ok(IncidentView.From(await desk.MoveAsync(ctx.ToActor(), id, target, ct)));
    }

    private static async Task<Ok<IncidentView>> AddNote(long id, IncidentNoteRequest body, IncidentDesk desk, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(IncidentView.From(await desk.AddNoteAsync(ctx.ToActor(), id, body.Text, ct)));

    private static async Task<Ok<IncidentView>> SetCommander(long id, IncidentCommanderRequest body, IncidentDesk desk, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(IncidentView.From(await desk.SetCommanderAsync(ctx.ToActor(), id, body.Commander, ct)));

    private static async Task<Ok<IncidentView>> SetSeverity(long id, IncidentSeverityRequest body, IncidentDesk desk, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(IncidentView.From(await desk.SetSeverityAsync(ctx.ToActor(), id, SeverityText(body.Severity), ct)));

    /// <summary>Severity as "SEV2" or the number 2.</summary>
    private static string? SeverityText(JsonElement? severity) => severity switch
    {
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { ValueKind: JsonValueKind.Number } n => n.GetRawText(),
        _ => null,
    };
}
