using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Rollouts.Analysis;

namespace OpsConsole.Console.Api;

public static class AnalysisTemplatesApi
{
    public static RouteGroupBuilder MapAnalysisTemplatesApi(this RouteGroupBuilder api)
    {
        var templates = api.MapGroup("/analysis-templates").WithTags("Rollouts");
        templates.MapGet("/", List).WithName("ListAnalysisTemplates").WithSummary("Analysis templates (latest versions; allVersions=true for history)")
            .WithDescription("Check URLs are shown whole to ReleaseManagers and Admins, as scheme and host to everyone else.");
        templates.MapPost("/", Save).WithName("SaveAnalysisTemplate").WithSummary("Add a template, or a new version of one")
            .WithDescription("ReleaseManager or Admin. Body: {\"name\":\"error-rate\",\"onFailure\":\"Abort|Pause\",\"metrics\":[{\"name\":\"errors\",\"source\":\"IngressErrorRate|IngressSuccessRate|IngressLatencyP50Ms|IngressLatencyP90Ms|IngressLatencyP99Ms|HttpJson\"," +
                             "\"interval\":\"1s\",\"count\":3,\"initialDelay\":\"0s\",\"successCondition\":\"result <= 0.05\",\"failureCondition\":null,\"failureLimit\":0,\"inconclusiveLimit\":0,\"consecutiveErrorLimit\":4,\"dryRun\":false,\"url\":null,\"jsonPath\":null}]}. " +
                             "Conditions are NCalc expressions over 'result'. At most 10 metrics; interval 1s to 1h; count at most 1000 (0: until stopped); initial delay at most 1h. " +
                             "HttpJson URLs on loopback, private, link-local or metadata addresses are refused unless allowed with OPS_EGRESS_ALLOW; redirects are not followed.")
            .RequireAuthorization(p => p.RequireRole(OpsConsole.Core.Access.Roles.ReleaseManager, OpsConsole.Core.Access.Roles.Admin))
            .ProducesValidationProblem();
        return api;
    }

    private static async Task<Ok<IReadOnlyList<TemplateVersionView>>> List(bool? allVersions, AnalysisTemplateLibrary library, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(await library.ListAsync(OpsConsole.Console.Auth.ActorAccessor.ToActor(ctx), allVersions == true, ct));

    private static async Task<Created<TemplateVersionView>> Save(JsonElement body, AnalysisTemplateLibrary library, HttpContext ctx, CancellationToken ct)
    {
        var saved = await library.SaveAsync(OpsConsole.Console.Auth.ActorAccessor.ToActor(ctx), body, ct);
        return TypedResults.Created($"/api/v1/analysis-templates?name={saved.Name}", saved);
    }
}
