using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Runbooks;

namespace OpsConsole.Console.Api;

public sealed record RunbookMarkdownRequest(string? Markdown, string? Comment);
public sealed record StartRunbookRunRequest(long? IncidentId);
public sealed record RunbookStepRequest(string? Note);

public sealed record RunbookView(string Slug, string Title, int Version, string Markdown, string Html, IReadOnlyList<string> Services,
    IReadOnlyList<string> Alerts, string? Severity, IReadOnlyList<string> Owners, DateOnly? LastReviewed, IReadOnlyList<string> Tags,
    string? SourceFile, DateTime UpdatedAt, string UpdatedBy, IReadOnlyList<RunbookStepView> Steps);

public sealed record RunbookStepView(int Number, string Kind, string Title, string? Action, string? Description);

public sealed record RunbookVersionView(int Number, string Author, DateTime CreatedAt, string Origin, string? Comment);

public sealed record RunbookRunView(Guid Id, string Slug, string Title, int Version, long? IncidentId, string StartedBy, DateTime StartedAt,
    DateTime UpdatedAt, bool Complete, IReadOnlyList<RunbookRunStepView> Steps)
{
    public static RunbookRunView From(RunbookRun r) => new(r.Id, r.Slug, r.Title, r.Version, r.IncidentId, r.StartedBy, r.StartedAt, r.UpdatedAt,
        r.IsComplete, r.Steps.OrderBy(s => s.Number).Select(RunbookRunStepView.From).ToList());
}

public sealed record RunbookRunStepView(int Number, string Kind, string Title, string? Action, string? Description, string State, string? By,
    DateTime? At, string? Notes, string? Output)
{
    public static RunbookRunStepView From(RunbookRunStep s) => new(s.Number, s.Kind.ToString().ToLowerInvariant(), s.Title, s.Action, s.Description,
        s.State.ToString().ToLowerInvariant(), s.By, s.At, s.Notes, s.Output);
}

public static class RunbooksApi
{
    public static RouteGroupBuilder MapRunbooksApi(this RouteGroupBuilder api)
    {
        var runbooks = api.MapGroup("/runbooks").WithTags("Runbooks");
        runbooks.MapGet("/", List).WithName("ListRunbooks").WithSummary("Runbooks by title; with q, full-text matches by relevance with highlighted snippets (snippetHtml)");
        runbooks.MapPost("/", Create).WithName("CreateRunbook").WithSummary("Create a runbook from Markdown with YAML front matter")
            .WithDescription("OnCall or Admin. Body {\"markdown\": \"---\\ntitle: ...\\n---\\n...\"}. 400 naming the problem for broken front matter, " +
                             "an invalid matcher, or a step with an unknown action or bad arguments (nothing is saved); 409 when the slug exists.")
            .RequireAuthorization(Policies.WorkRunbooks).ProducesValidationProblem().ProducesProblem(409);
        runbooks.MapGet("/staleness", Staleness).WithName("RunbookStaleness")
            .WithSummary("Runbooks not reviewed in 90 days, runbooks without an owner, and (with ?alert=Name, repeatable) alerts no runbook covers");
        runbooks.MapGet("/{slug}", Get).WithName("GetRunbook").WithSummary("A runbook: title, version, markdown and the sanitised html the page shows").ProducesProblem(404);
        runbooks.MapPut("/{slug}", Update).WithName("UpdateRunbook").WithSummary("Save new Markdown as the runbook's next version (same text: no new version)")
            .RequireAuthorization(Policies.WorkRunbooks).ProducesValidationProblem().ProducesProblem(404);
        runbooks.MapGet("/{slug}/versions", Versions).WithName("RunbookVersions").WithSummary("Every version, newest first").ProducesProblem(404);
        runbooks.MapGet("/{slug}/versions/{number:int}", Version).WithName("RunbookVersion").WithSummary("One version's Markdown").ProducesProblem(404);
        runbooks.MapGet("/{slug}/versions/{number:int}/markdown", Export).WithName("ExportRunbookVersion")
            .WithSummary("A version as a Markdown file to keep in the runbooks folder").ProducesProblem(404);
        runbooks.MapGet("/{slug}/diff", Diff).WithName("DiffRunbookVersions").WithSummary("Line diff between two versions (?from=&to=)").ProducesProblem(404);
        runbooks.MapPost("/{slug}/runs", StartRun).WithName("StartRunbookRun").WithSummary("Start following the runbook (optionally for an incident: {\"incidentId\": 7})")
            .RequireAuthorization(Policies.WorkRunbooks).ProducesProblem(403).ProducesProblem(404);
        runbooks.MapGet("/{slug}/runs", Runs).WithName("ListRunbookRuns").WithSummary("Runs of the runbook, newest first");

        var runs = api.MapGroup("/runbook-runs").WithTags("Runbooks");
        runs.MapGet("/", AllRuns).WithName("ListAllRunbookRuns").WithSummary("Runbook runs, newest first (filters: slug, incidentId)");
        runs.MapGet("/{id:guid}", GetRun).WithName("GetRunbookRun").WithSummary("A run with each step's state, who, when, notes and output").ProducesProblem(404);
        runs.MapGet("/{id:guid}/markdown", ExportRun).WithName("ExportRunbookRun").WithSummary("The run as Markdown").ProducesProblem(404);
        runs.MapPost("/{id:guid}/steps/{number:int}/run", RunStep).WithName("RunRunbookStep")
            .WithSummary("Run an action step as the caller; its output goes into the run (a failed action marks the step failed)")
            .WithDescription("OnCall or Admin, and the roles the action itself needs (e.g. a migration dry-run needs ReleaseManager). Body optional: {\"note\": \"...\"}.")
            .RequireAuthorization(Policies.WorkRunbooks).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        runs.MapPost("/{id:guid}/steps/{number:int}/done", CompleteStep).WithName("CompleteRunbookStep").WithSummary("Mark a task (done by hand) done")
            .RequireAuthorization(Policies.WorkRunbooks).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        runs.MapPost("/{id:guid}/steps/{number:int}/skip", SkipStep).WithName("SkipRunbookStep").WithSummary("Skip a step")
            .RequireAuthorization(Policies.WorkRunbooks).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        runs.MapPost("/{id:guid}/steps/{number:int}/note", NoteStep).WithName("NoteRunbookStep").WithSummary("Add a note to a step")
            .RequireAuthorization(Policies.WorkRunbooks).ProducesProblem(403).ProducesProblem(404);
        return api;
    }

    private static async Task<Ok<IReadOnlyList<RunbookListItem>>> List(string? q, int? limit, RunbookLibrary library, CancellationToken ct) =>
        TypedResults.Ok(await library.ListAsync(q, limit ?? 100, ct));

    private static async Task<Created<object>> Create(RunbookMarkdownRequest body, RunbookLibrary library, HttpContext ctx, CancellationToken ct)
    {
        var runbook = await library.CreateAsync(ctx.ToActor(), body.Markdown, ct);
        return TypedResults.Created($"/api/v1/runbooks/{runbook.Slug}", (object)new { slug = runbook.Slug, version = runbook.Version });
    }

    private static async Task<Ok<RunbookView>> Update(string slug, RunbookMarkdownRequest body, RunbookLibrary library, HttpContext ctx, CancellationToken ct)
    {
        var runbook = await library.UpdateAsync(ctx.ToActor(), slug, body.Markdown, body.Comment, ct);
        return TypedResults.Ok(View(runbook, library));
    }

    private static async Task<Ok<RunbookView>> Get(string slug, RunbookLibrary library, CancellationToken ct) =>
        TypedResults.Ok(View(await library.GetAsync(slug, ct), library));

    private static RunbookView View(Runbook r, RunbookLibrary library)
    {
        var doc = RunbookDocument.Parse(r.Markdown, r.Slug);
        var rendered = library.Renderer.Render(doc);
        return new RunbookView(r.Slug, r.Title, r.Version, r.Markdown, rendered.Html, r.Services, r.Alerts, r.Severity, r.Owners, r.LastReviewed,
            r.Tags, r.SourceFile, r.UpdatedAt, r.UpdatedBy,
            doc.Steps.Select(s => new RunbookStepView(s.Number, s.Kind.ToString().ToLowerInvariant(), s.Title, s.Action,
                s.Kind == RunbookStepKind.Action ? library.Renderer.Describe(s) : null)).ToList());
    }

    private static async Task<Ok<List<RunbookVersionView>>> Versions(string slug, RunbookLibrary library, CancellationToken ct) =>
        TypedResults.Ok((await library.VersionsAsync(slug, ct)).Select(v => new RunbookVersionView(v.Number, v.Author, v.CreatedAt, v.Origin, v.Comment)).ToList());

    private static async Task<Ok<object>> Version(string slug, int number, RunbookLibrary library, CancellationToken ct)
    {
        var v = await library.VersionAsync(slug, number, ct);
        return TypedResults.Ok((object)new { number = v.Number, author = v.Author, createdAt = v.CreatedAt, origin = v.Origin, comment = v.Comment, markdown = v.Markdown });
    }

    private static async Task<FileContentHttpResult> Export(string slug, int number, RunbookLibrary library, CancellationToken ct)
    {
        var (name, markdown) = await library.ExportAsync(slug, number, ct);
        return TypedResults.File(Encoding.UTF8.GetBytes(markdown), "text/markdown; charset=utf-8", name);
    }

    private static async Task<Ok<RunbookDiff>> Diff(string slug, int from, int to, RunbookLibrary library, CancellationToken ct) =>
        TypedResults.Ok(await library.DiffAsync(slug, from, to, ct));

    /// <summary>With <c>alert</c> names given, those are checked; else the alerts the console has received.</summary>
    private static async Task<Ok<StalenessReport>> Staleness(string[]? alert, RunbookStaleness staleness, HttpContext ctx, CancellationToken ct)
    {
        if (alert is { Length: > 0 }) return TypedResults.Ok(await staleness.ReportForAlertNamesAsync(alert, ct));
        var seen = ctx.RequestServices.GetService<OpsConsole.Core.Alerting.AlertQueries>() is { } alerts ? await alerts.SeenLabelSetsAsync(ct: ct) : null;
        return TypedResults.Ok(await staleness.ReportAsync(seen, ct));
    }

    private static async Task<Created<RunbookRunView>> StartRun(string slug, RunbookRunner runner, HttpContext ctx, CancellationToken ct)
    {
        var body = await OptionalBodyAsync<StartRunbookRunRequest>(ctx, ct);
        var run = await runner.StartAsync(ctx.ToActor(), slug, body?.IncidentId, ct);
        return TypedResults.Created($"/api/v1/runbook-runs/{run.Id}", RunbookRunView.From(run));
    }

    private static async Task<Ok<List<RunbookRunView>>> Runs(string slug, RunbookRunner runner, CancellationToken ct) =>
        TypedResults.Ok((await runner.ListAsync(slug, null, 50, ct)).Select(RunbookRunView.From).ToList());

    private static async Task<Ok<List<RunbookRunView>>> AllRuns(string? slug, long? incidentId, int? limit, RunbookRunner runner, CancellationToken ct) =>
        TypedResults.Ok((await runner.ListAsync(slug, incidentId, limit ?? 50, ct)).Select(RunbookRunView.From).ToList());

    private static async Task<Ok<RunbookRunView>> GetRun(Guid id, RunbookRunner runner, CancellationToken ct) =>
        TypedResults.Ok(RunbookRunView.From(await runner.GetAsync(id, ct)));

    private static async Task<FileContentHttpResult> ExportRun(Guid id, RunbookRunner runner, CancellationToken ct)
    {
        var run = await runner.GetAsync(id, ct);
        return TypedResults.File(Encoding.UTF8.GetBytes(RunbookRunner.ToMarkdown(run)), "text/markdown; charset=utf-8", $"{run.Slug}-run-{run.Id:N}.md");
    }

    private static async Task<Ok<RunbookRunStepView>> RunStep(Guid id, int number, RunbookRunner runner, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(RunbookRunStepView.From(await runner.RunStepAsync(ctx.ToActor(), id, number, (await OptionalBodyAsync<RunbookStepRequest>(ctx, ct))?.Note, ct)));

    private static async Task<Ok<RunbookRunStepView>> CompleteStep(Guid id, int number, RunbookRunner runner, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(RunbookRunStepView.From(await runner.CompleteTaskAsync(ctx.ToActor(), id, number, (await OptionalBodyAsync<RunbookStepRequest>(ctx, ct))?.Note, ct)));

    private static async Task<Ok<RunbookRunStepView>> SkipStep(Guid id, int number, RunbookRunner runner, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(RunbookRunStepView.From(await runner.SkipStepAsync(ctx.ToActor(), id, number, (await OptionalBodyAsync<RunbookStepRequest>(ctx, ct))?.Note, ct)));

    /// <summary>A JSON body when one was sent (these routes work without one, e.g. a bare POST from a script).</summary>
    private static async Task<T?> OptionalBodyAsync<T>(HttpContext ctx, CancellationToken ct) where T : class
    {
        if (ctx.Request.ContentLength is 0 or null && ctx.Request.Headers.TransferEncoding.Count == 0) return null;
        try
        {
            return await ctx.Request.ReadFromJsonAsync<T>(System.Text.Json.JsonSerializerOptions.Web, ct);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new Core.Domain.InvalidInputException("body", $"The body is not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException)
        {
            return null; // not JSON (no or another content type)
        }
    }

    private static async Task<Ok<RunbookRunStepView>> NoteStep(Guid id, int number, RunbookStepRequest body, RunbookRunner runner, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(RunbookRunStepView.From(await runner.AddNoteAsync(ctx.ToActor(), id, number, body.Note, ct)));
}
