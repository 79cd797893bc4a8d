using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Config;

namespace OpsConsole.Console.Api;

public sealed record SetConfigRequest(string? Value, bool Secret = false);

public sealed record ConfigItemApiView(string Key, bool Secret, string? Value, string Display, int Version, string UpdatedBy, DateTime UpdatedAt)
{
    public static ConfigItemApiView From(ConfigItemView v) => new(v.Key, v.Secret, v.Value, v.Display, v.Version, v.UpdatedBy, v.UpdatedAt);
}

public sealed record ConfigDiffView(string Service, string From, string To, IReadOnlyList<ConfigDiffLine> Lines);

public static class ConfigApi
{
    public static RouteGroupBuilder MapConfigApi(this RouteGroupBuilder api)
    {
        var config = api.MapGroup("/config").WithTags("Config");
        config.MapGet("/diff", Diff).WithName("DiffConfig").WithSummary("Config diff between two environments (from, to) or two deployed releases (fromVersion, toVersion, environment?)")
            .WithDescription("Each key is added, removed, changed or unchanged; secrets only say whether they changed, never a value.").ProducesValidationProblem().ProducesProblem(404);
        config.MapGet("/{service}/{environment}", List).WithName("ListConfig").WithSummary("Config keys of a service in an environment; secrets are masked (version, who set them, when)");
        config.MapGet("/{service}/{environment}/snapshot", Snapshot).WithName("GetConfigSnapshot")
            .WithSummary("What a deployment would get now: plain values and ${secret:NAME@VERSION} references, with the hash approvals are given for");
        config.MapPut("/{service}/{environment}/{key}", Set).WithName("SetConfig").WithSummary("Set a plain value or a secret (Admin or ReleaseManager)")
            .WithDescription("Body: {\"value\": \"...\", \"secret\": false}. Keys follow the workload config rule (^[A-Z][A-Z0-9_]{0,63}$, no loader/runtime variables). " +
                             "A secret is encrypted at rest and never returned; each change gets a new version.")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404);
        config.MapDelete("/{service}/{environment}/{key}", Delete).WithName("DeleteConfig").WithSummary("Remove a key (Admin or ReleaseManager)").ProducesProblem(403).ProducesProblem(404);
        return api;
    }

    private static async Task<Ok<List<ConfigItemApiView>>> List(string service, string environment, ConfigStore store, CancellationToken ct) =>
        TypedResults.Ok((await store.ListAsync(service, environment, ct)).Select(ConfigItemApiView.From).ToList());

    private static async Task<Ok<ConfigSnapshot>> Snapshot(string service, string environment, ConfigStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.CurrentAsync(service, environment, ct));

    private static async Task<Ok<ConfigItemApiView>> Set(string service, string environment, string key, SetConfigRequest body, ConfigStore store, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(ConfigItemApiView.From(await store.SetAsync(ctx.ToActor(), service, environment, key, body.Value, body.Secret, ct)));

    private static async Task<NoContent> Delete(string service, string environment, string key, ConfigStore store, HttpContext ctx, CancellationToken ct)
    {
        await store.DeleteAsync(ctx.ToActor(), service, environment, key, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<ConfigDiffView>> Diff(string service, string? from, string? to, string? fromVersion, string? toVersion, string? environment,
        ConfigStore store, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(fromVersion) && !string.IsNullOrEmpty(toVersion))
            return TypedResults.Ok(new ConfigDiffView(service, fromVersion, toVersion, await store.DiffReleasesAsync(service, environment, fromVersion, toVersion, ct)));
        if (string.IsNullOrEmpty(from) || string.IsNullOrEmpty(to))
            throw new OpsConsole.Core.Domain.InvalidInputException("from", "Name two environments (from, to) or two versions (fromVersion, toVersion).");
        return TypedResults.Ok(new ConfigDiffView(service, from, to, await store.DiffEnvironmentsAsync(service, from, to, ct)));
    }
}
