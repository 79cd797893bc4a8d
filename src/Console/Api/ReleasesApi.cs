using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Releases;

namespace OpsConsole.Console.Api;

public sealed record ReleaseCheckView(string Name, bool Passed, int Tests, int Failures, int Errors, int Skipped, double DurationSeconds,
    IReadOnlyList<string> FailedTests, string ReportedBy, DateTime ReportedAt)
{
    public static ReleaseCheckView From(ReleaseCheck c) => new(c.Name, c.Passed, c.Tests, c.Failures, c.Errors, c.Skipped, c.DurationSeconds,
        JsonSerializer.Deserialize<List<string>>(c.FailedTestsJson) ?? [], c.ReportedBy, c.ReportedAt);
}

public sealed record AutoDeployView(Guid? PromotionId, string? Status, string? Error);

public sealed record ReleaseView(Guid Id, string Service, string Version, string Commit, DateTime CommitTime, string? BuildUrl, string? ArtifactRef,
    string Changelog, string RegisteredBy, DateTime RegisteredAt, IReadOnlyList<ReleaseCheckView> Checks, AutoDeployView? AutoDeploy = null)
{
    public static ReleaseView From(Release r, AutoDeployView? autoDeploy = null) => new(r.Id, r.Service, r.Version, r.CommitSha, r.CommitTime, r.BuildUrl, r.ArtifactRef,
        r.Changelog, r.RegisteredBy, r.RegisteredAt, r.Checks.OrderBy(c => c.Name, StringComparer.Ordinal).Select(ReleaseCheckView.From).ToList(), autoDeploy);
}

public sealed record PipelineView(string Service, IReadOnlyList<PipelineStageView> Stages);

public sealed record PipelineStageView(string Environment, int Order, IReadOnlyList<string> RequiredChecks, int SoakMinutes, int RequiredApprovals, bool AutoDeploy, string? AnalysisTemplate,
    ErrorBudgetSetting? ErrorBudget = null)
{
    public static PipelineStageView From(PipelineStage s) => new(s.Environment, s.Order, s.RequiredCheckNames, s.SoakMinutes, s.RequiredApprovals, s.AutoDeploy, s.AnalysisTemplate,
        s.ErrorBudgetRequired ? new ErrorBudgetSetting(true, s.ErrorBudgetMaxBurnRate) : null);
}

public sealed record SavePipelineRequest(List<PipelineStageRequest>? Stages);

public sealed record ServiceProfileView(string Service, string Owner, string? RepositoryUrl, IReadOnlyList<string> Runbooks, DateTime UpdatedAt)
{
    public static ServiceProfileView From(ServiceProfile p) =>
        new(p.Service, p.Owner, p.RepositoryUrl, p.Runbooks.Split(',', StringSplitOptions.RemoveEmptyEntries), p.UpdatedAt);
}

public static class ReleasesApi
{
    /// <summary>
    /// Releases (what CI calls: register, report checks, read; open to a Ci-scoped token), the
    /// service catalogue and pipelines, freeze windows and config (Read, role checks in Core).
    /// </summary>
    public static IEndpointRouteBuilder MapReleasesApi(this IEndpointRouteBuilder app)
    {
        // Outside the Read group: a Ci token holds no console role.
        var ci = app.MapGroup("/api/v1/releases").WithTags("Releases").RequireAuthorization(Policies.Pipeline);
        ci.MapPost("/", Register).WithName("RegisterRelease").WithSummary("Register a build as a release (ReleaseManager, Admin or a Ci token)")
            .WithDescription("Body: {service, version, commit, commitTime, buildUrl?, changelog?, artifactRef?}. 201 with the release; 200 with the same release for an identical repeat; " +
                             "409 when the service and version are registered with different content; 400 for an unknown service, a version with spaces, a commit that is not a hex SHA (7-64), " +
                             "a build URL that is not http(s), or a changelog over 20000 characters. When the service's first pipeline stage deploys automatically, a promotion is requested (autoDeploy).")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(409);
        ci.MapGet("/", List).WithName("ListReleases").WithSummary("Releases, newest first (filter: service)");
        ci.MapGet("/{service}/{version}", Get).WithName("GetRelease").WithSummary("A release with its checks").ProducesProblem(404);
        ci.MapPost("/{service}/{version}/checks", ReportCheck).WithName("ReportReleaseChecks")
            .WithSummary("Report test results as JUnit XML under a check name (?name=unit)")
            .WithDescription($"The body is the JUnit XML report (testsuites or testsuite root), at most {JUnitReport.MaxBytes} bytes. Counts come from the testcase elements. " +
                             "Any content type is read as XML (curl --data-binary sends form encoding). A later report under the same name replaces the earlier one. 400 for a malformed report or one with a DTD, 413 for one over the limit; nothing is saved then.")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(JUnitReport.MaxBytes + 1024))
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(413);
        ci.MapGet("/{service}/{version}/timeline", Timeline).WithName("GetReleaseTimeline").WithSummary("The release's events: registered, checks, promotions, deploys");

        var api = app.MapGroup("/api/v1").RequireAuthorization(Policies.Read);
        var services = api.MapGroup("/services").WithTags("Services");
        services.MapGet("/{service}/pipeline", GetPipeline).WithName("GetPipeline").WithSummary("The service's promotion pipeline, stages in order");
        services.MapPut("/{service}/pipeline", PutPipeline).WithName("SavePipeline").WithSummary("Replace the service's pipeline (Admin or ReleaseManager)")
            .WithDescription("Body: {stages: [{environment, requiredChecks: [\"unit\"], soakMinutes, requiredApprovals, autoDeploy, analysisTemplate, errorBudget: {required, maxBurnRate}}]} in pipeline order. " +
                             "Every environment must be a deploy target of the service; only the first stage may deploy automatically.")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404);
        services.MapGet("/{service}/profile", GetProfile).WithName("GetServiceProfile").WithSummary("The service's catalogue entry: owner, repository, runbooks").ProducesProblem(404);
        services.MapPut("/{service}/profile", PutProfile).WithName("SaveServiceProfile").WithSummary("Save the service's catalogue entry (Admin or ReleaseManager)")
            .WithDescription("Body: {owner, repositoryUrl (http or https), runbooks: [slug]}.").ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404);
        api.MapFreezeApi();
        api.MapConfigApi();
        return app;
    }

    private static async Task<Results<Created<ReleaseView>, Ok<ReleaseView>>> Register(ReleaseRegistration body, ReleaseRegistry registry, HttpContext ctx, CancellationToken ct)
    {
        var result = await registry.RegisterAsync(ctx.ToActor(), body, ct);
        var auto = result.AutoDeploy is { } t ? new AutoDeployView(t.Id, t.Status, null) : result.AutoDeployError is { } e ? new AutoDeployView(null, null, e) : null;
        var view = ReleaseView.From(result.Release, auto);
        return result.Created
            ? TypedResults.Created($"/api/v1/releases/{Uri.EscapeDataString(view.Service)}/{Uri.EscapeDataString(view.Version)}", view)
            : TypedResults.Ok(view);
    }

    private static async Task<Ok<List<ReleaseView>>> List(string? service, int? limit, ReleaseRegistry registry, CancellationToken ct) =>
        TypedResults.Ok((await registry.ListAsync(service, limit ?? 50, ct)).Select(r => ReleaseView.From(r)).ToList());

    private static async Task<Results<Ok<ReleaseView>, ProblemHttpResult>> Get(string service, string version, ReleaseRegistry registry, CancellationToken ct) =>
        await registry.FindAsync(service, version, ct) is { } r
            ? TypedResults.Ok(ReleaseView.From(r))
            : TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"Release {service} {version} was not found.");

    private static async Task<Ok<ReleaseCheckView>> ReportCheck(string service, string version, string? name, HttpContext ctx, ReleaseRegistry registry, CancellationToken ct)
    {
        var body = await ReadBodyAsync(ctx.Request, JUnitReport.MaxBytes, ct);
        return TypedResults.Ok(ReleaseCheckView.From(await registry.ReportCheckAsync(ctx.ToActor(), service, version, name, body, ct)));
    }

    private static async Task<Ok<IReadOnlyList<ReleaseTimelineEntry>>> Timeline(string service, string version, ReleaseTimeline timeline, CancellationToken ct) =>
        TypedResults.Ok(await timeline.BuildAsync(service, version, ct));

    private static async Task<Ok<PipelineView>> GetPipeline(string service, ServiceCatalogue catalogue, CancellationToken ct) =>
        TypedResults.Ok(new PipelineView(service, (await catalogue.PipelineAsync(service, ct)).Select(PipelineStageView.From).ToList()));

    private static async Task<Ok<PipelineView>> PutPipeline(string service, SavePipelineRequest body, ServiceCatalogue catalogue, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(new PipelineView(service, (await catalogue.SavePipelineAsync(ctx.ToActor(), service, body.Stages ?? [], ct)).Select(PipelineStageView.From).ToList()));

    private static async Task<Results<Ok<ServiceProfileView>, ProblemHttpResult>> GetProfile(string service, ServiceCatalogue catalogue, CancellationToken ct) =>
        await catalogue.ProfileAsync(service, ct) is { } p
            ? TypedResults.Ok(ServiceProfileView.From(p))
            : TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"Service '{service}' has no catalogue entry.");

    private static async Task<Ok<ServiceProfileView>> PutProfile(string service, ServiceProfileRequest body, ServiceCatalogue catalogue, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(ServiceProfileView.From(await catalogue.SaveProfileAsync(ctx.ToActor(), service, body, ct)));

    /// <summary>Reads at most <paramref name="max"/> bytes; a longer body is refused with 413 before anything is parsed.</summary>
    internal static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, int max, CancellationToken ct)
    {
        if (request.ContentLength > max)
            throw new BadHttpRequestException($"The body is {request.ContentLength} bytes; at most {max} bytes are accepted.", StatusCodes.Status413PayloadTooLarge);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max)
                throw new BadHttpRequestException($"The body is over {max} bytes, the most this route accepts.", StatusCodes.Status413PayloadTooLarge);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
