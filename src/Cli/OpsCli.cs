using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace OpsConsole.Cli;

/// <summary>The <c>ops</c> commands. <see cref="RunAsync"/> parses, runs and returns the exit code (<see cref="ExitCodes"/>).</summary>
public static class OpsCli
{
    /// <summary>JUnit reports and changelogs larger than this are refused before sending (the console takes 1 MiB bodies).</summary>
    public const long MaxFileBytes = 1024 * 1024;

    public static async Task<int> RunAsync(string[] args, CliContext ctx, CancellationToken ct = default)
    {
        var root = Build(ctx);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) await ctx.Error.WriteLineAsync($"error: {e.Message}");
            await ctx.Error.WriteLineAsync("Run 'ops --help' for usage.");
            return ExitCodes.Usage;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = ctx.Out, Error = ctx.Error, EnableDefaultExceptionHandler = false }, ct);
    }

    public static RootCommand Build(CliContext ctx)
    {
        var root = new RootCommand("ops: the OpsConsole client for CI pipelines. Settings: 'ops login', or OPS_URL and OPS_TOKEN (which win).");
        root.Add(Login(ctx));
        root.Add(ReleaseCommands(ctx));
        root.Add(Promote(ctx));
        root.Add(RolloutCommands(ctx));
        return root;
    }

    private static Option<string> Required(string name, string description) => new(name) { Description = description, Required = true };

    private static Option<string> Optional(string name, string description) => new(name) { Description = description };

    private static Command Login(CliContext ctx)
    {
        var url = Required("--url", "The console's address, e.g. https://ops.example.com");
        var token = Required("--token", "An API token (Settings → API tokens; a Ci-scoped one for pipelines)");
        var command = new Command("login", "Check and save the console address and token for later commands (file readable by you only)") { url, token };
        command.SetAction((p, ct) => Guard(ctx, async () =>
        {
            var address = CliConfig.CheckUrl(p.GetValue(url)!)
                          ?? throw new ApiException($"'{p.GetValue(url)}' is not an http(s) address.", ExitCodes.Usage);
            var config = new CliConfig(address, p.GetValue(token)!.Trim());
            using var api = new OpsApi(config);
            string who;
            try
            {
                var me = await api.GetAsync("api/v1/me", ct);
                who = $"as {OpsApi.Str(me.Body, "name") ?? OpsApi.Str(me.Body, "userName") ?? "a user"}";
            }
            catch (ApiException e) when (e.ExitCode == ExitCodes.NotAllowed && !e.Message.StartsWith("401", StringComparison.Ordinal))
            {
                who = "with a token scoped to pipeline calls";
            }
            config.Save(ctx);
            await ctx.Out.WriteLineAsync($"Logged in to {address} {who}; saved to {CliConfig.PathIn(ctx)}.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command ReleaseCommands(CliContext ctx)
    {
        var release = new Command("release", "Register releases and report their test results");

        var service = Required("--service", "The service");
        var version = Required("--version", "The release's version, e.g. 1.4.2");
        var commit = Required("--commit", "The commit SHA the release was built from");
        var commitTime = Optional("--commit-time", "When that commit was made (ISO 8601); lead time for changes starts here");
        var buildUrl = Optional("--build-url", "A link to the CI build");
        var changelogFile = Optional("--changelog-file", "A file with the changelog (Markdown)");
        var create = new Command("create", "Register a release (a repeat with the same content is fine; a different one for the same version is refused)")
        {
            service, version, commit, commitTime, buildUrl, changelogFile,
        };
        create.SetAction((p, ct) => WithApi(ctx, async api =>
        {
            DateTimeOffset? when = null;
            if (p.GetValue(commitTime) is { Length: > 0 } t)
                when = DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                    ? parsed : throw new ApiException($"--commit-time '{t}' is not an ISO 8601 time.", ExitCodes.Usage);
            string? changelog = null;
            if (p.GetValue(changelogFile) is { Length: > 0 } file) changelog = Encoding.UTF8.GetString(await ReadFileAsync(file, ct));
            var answer = await api.PostJsonAsync("api/v1/releases", new
            {
                service = p.GetValue(service), version = p.GetValue(version), commit = p.GetValue(commit), commitTime = when?.UtcDateTime,
                buildUrl = p.GetValue(buildUrl), changelog,
            }, ct);
            await ctx.Out.WriteLineAsync(answer.Status == HttpStatusCode.Created
                ? $"Registered {p.GetValue(service)} {p.GetValue(version)}."
                : $"{p.GetValue(service)} {p.GetValue(version)} was already registered with the same content.");
            return ExitCodes.Ok;
        }, ct));
        release.Add(create);

        var cService = Required("--service", "The service");
        var cVersion = Required("--version", "The release's version");
        var name = Required("--name", "The check's name, e.g. unit, e2e, perf");
        var junit = Required("--junit", "The JUnit XML report file");
        var checks = new Command("checks", "Report a check's test results (JUnit XML) for a release") { cService, cVersion, name, junit };
        checks.SetAction((p, ct) => WithApi(ctx, async api =>
        {
            var bytes = await ReadFileAsync(p.GetValue(junit)!, ct);
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
            var path = $"api/v1/releases/{Uri.EscapeDataString(p.GetValue(cService)!)}/{Uri.EscapeDataString(p.GetValue(cVersion)!)}/checks?name={Uri.EscapeDataString(p.GetValue(name)!)}";
            var answer = await api.PostAsync(path, content, ct);
            await ctx.Out.WriteLineAsync($"Reported check '{p.GetValue(name)}' for {p.GetValue(cService)} {p.GetValue(cVersion)}: {CheckSummary(answer.Body)}.");
            return ExitCodes.Ok;
        }, ct));
        release.Add(checks);
        return release;
    }

    internal static string CheckSummary(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) return "stored";
        var passed = body.TryGetProperty("passed", out var p) && p.ValueKind == JsonValueKind.True;
        var parts = new List<string> { passed ? "passed" : "failed" };
        foreach (var field in new[] { "tests", "failures", "errors", "skipped" })
            if (body.TryGetProperty(field, out var n) && n.ValueKind == JsonValueKind.Number) parts.Add($"{n.GetInt32()} {field}");
        return string.Join(", ", parts);
    }

    private static Command Promote(CliContext ctx)
    {
        var service = Required("--service", "The service");
        var version = Required("--version", "The release's version");
        var to = Required("--to", "The environment to promote to, e.g. staging");
        var wait = new Option<bool>("--wait") { Description = "Follow the promotion until it ends: exit 0 on success, non-zero with the reason otherwise" };
        var timeout = new Option<string>("--timeout") { Description = "How long --wait waits, e.g. 30m, 90s, 1h30m", DefaultValueFactory = _ => "30m" };
        var command = new Command("promote", "Request a promotion of a release to an environment (it waits at the environment's gates)")
        {
            service, version, to, wait, timeout,
        };
        command.SetAction((p, ct) => WithApi(ctx, async api =>
        {
            var limit = Durations.Parse(p.GetValue(timeout))
                        ?? throw new ApiException($"--timeout '{p.GetValue(timeout)}' is not a duration such as 30m, 90s or 1h30m (at most 2 days).", ExitCodes.Usage);
            var (s, v, e) = (p.GetValue(service)!, p.GetValue(version)!, p.GetValue(to)!);
            // A re-run of the pipeline, or a stage that deploys by itself when the release arrives: follow what is there.
            var existing = await FindPromotionAsync(api, s, v, e, ct);
            string id;
            if (existing is { } found && OpsApi.Str(found, "status") is "WaitingForGates" or "AwaitingApproval" or "Deploying" or "Succeeded")
            {
                id = IdOf(found)!;
                await ctx.Out.WriteLineAsync($"Promotion {id}: {s} {v} -> {e} was already requested, {OpsApi.Str(found, "status")}.");
            }
            else
            {
                var answer = await api.PostJsonAsync("api/v1/promotions", new { service = s, version = v, environment = e }, ct);
                id = IdOf(answer.Body) ?? throw new ApiException("The console did not say which promotion it created.", ExitCodes.Error);
                await ctx.Out.WriteLineAsync($"Promotion {id}: {s} {v} -> {e}, {OpsApi.Str(answer.Body, "status") ?? "requested"}.");
            }
            if (!p.GetValue(wait)) return ExitCodes.Ok;
            return await new PromotionWatch(api, ctx, id, s, e).RunAsync(limit, ct);
        }, ct));
        return command;
    }

    private static string? IdOf(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("id", out var i) && i.ValueKind is JsonValueKind.String ? i.GetString() : null;

    /// <summary>The newest promotion of this release to this environment, if the console lists one.</summary>
    private static async Task<JsonElement?> FindPromotionAsync(OpsApi api, string service, string version, string environment, CancellationToken ct)
    {
        try
        {
            var list = await api.GetAsync(
                $"api/v1/promotions?service={Uri.EscapeDataString(service)}&environment={Uri.EscapeDataString(environment)}&version={Uri.EscapeDataString(version)}&limit=1", ct);
            return list.Body.ValueKind == JsonValueKind.Array && list.Body.GetArrayLength() > 0 ? list.Body[0] : null;
        }
        catch (ApiException e) when (e.ExitCode != ExitCodes.NotAllowed)
        {
            return null; // a console that cannot list promotions: request one
        }
    }

    private static Command RolloutCommands(CliContext ctx)
    {
        var rollout = new Command("rollout", "Follow or stop a service's rollout in an environment");
        foreach (var (name, description) in new[] { ("status", "Show the newest rollout of the service in the environment"), ("abort", "Abort the rollout in flight: all traffic back to the stable version") })
        {
            var service = Required("--service", "The service");
            var environment = Required("--environment", "The environment");
            var command = new Command(name, description) { service, environment };
            var abort = name == "abort";
            command.SetAction((p, ct) => WithApi(ctx, async api =>
            {
                var query = $"api/v1/rollouts?service={Uri.EscapeDataString(p.GetValue(service)!)}&environment={Uri.EscapeDataString(p.GetValue(environment)!)}&limit=1"
                            + (abort ? "&active=true" : "");
                var list = await api.GetAsync(query, ct);
                var newest = list.Body.ValueKind == JsonValueKind.Array ? list.Body.EnumerateArray().FirstOrDefault() : default;
                if (newest.ValueKind != JsonValueKind.Object)
                {
                    await ctx.Error.WriteLineAsync(abort
                        ? $"error: no rollout of {p.GetValue(service)} in {p.GetValue(environment)} is in flight."
                        : $"No rollout of {p.GetValue(service)} in {p.GetValue(environment)} yet.");
                    return abort ? ExitCodes.Error : ExitCodes.Ok;
                }
                if (abort)
                {
                    var done = await api.PostJsonAsync($"api/v1/rollouts/{OpsApi.Str(newest, "id")}/abort", null, ct);
                    await ctx.Out.WriteLineAsync("Aborted. " + DescribeRollout(done.Body));
                }
                else await ctx.Out.WriteLineAsync(DescribeRollout(newest));
                return ExitCodes.Ok;
            }, ct));
            rollout.Add(command);
        }
        return rollout;
    }

    internal static string DescribeRollout(JsonElement r)
    {
        var weights = r.TryGetProperty("weights", out var w) && w.ValueKind == JsonValueKind.Object
            ? string.Join(", ", w.EnumerateObject().Select(x => $"{x.Name} {x.Value}%")) : "";
        return $"{OpsApi.Str(r, "service")}/{OpsApi.Str(r, "environment")} {OpsApi.Str(r, "version")}: {OpsApi.Str(r, "phase")}"
               + (weights.Length > 0 ? $" (traffic: {weights})" : "")
               + (OpsApi.Str(r, "message") is { Length: > 0 } m ? $" — {m}" : "")
               + $" [rollout {OpsApi.Str(r, "id")}]";
    }

    private static async Task<byte[]> ReadFileAsync(string path, CancellationToken ct)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new ApiException($"File '{path}' does not exist.", ExitCodes.Usage);
        if (info.Length > MaxFileBytes) throw new ApiException($"File '{path}' is larger than {MaxFileBytes / 1024} KiB.", ExitCodes.Usage);
        return await File.ReadAllBytesAsync(path, ct);
    }

    private static Task<int> WithApi(CliContext ctx, Func<OpsApi, Task<int>> work, CancellationToken ct) => Guard(ctx, async () =>
    {
        var (config, problem) = CliConfig.Resolve(ctx);
        if (config is null) throw new ApiException(problem!, ExitCodes.Usage);
        using var api = new OpsApi(config);
        try
        {
            return await work(api);
        }
        catch (ApiException e)
        {
            throw new ApiException(api.Scrub(e.Message), e.ExitCode);
        }
    });

    private static async Task<int> Guard(CliContext ctx, Func<Task<int>> work)
    {
        try
        {
            return await work();
        }
        catch (ApiException e)
        {
            await ctx.Error.WriteLineAsync($"error: {e.Message}");
            return e.ExitCode;
        }
    }
}
