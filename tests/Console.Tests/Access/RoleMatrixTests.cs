using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Hosting;
using OpsConsole.Console.Tests.Migrations;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Access;

/// <summary>One console, the admin's tokens each narrowed to a single role, and the things the routes act on.</summary>
public sealed class RoleMatrixFixture : IAsyncLifetime
{
    // The fake cluster lets rollouts be started and acted on without starting workload processes.
    public FakeClusterConsoleFactory Factory { get; } = new();
    public Dictionary<string, string> TokenByRole { get; } = [];
    public Guid WebhookId { get; private set; }
    public Guid DeliveryId { get; private set; }
    public Guid RolloutId { get; private set; }
    /// <summary>A finished dry-run (it has evidence), and a ReleaseManager other than the admin, whose batches the admin's tokens may approve.</summary>
    public Guid FinishedBatchId { get; private set; }
    public HttpClient OtherReleaseManager { get; private set; } = default!;
    public Guid PlanId { get; private set; }

    /// <summary>The target the read-only service routes look at.</summary>
    public const string Service = "matrix", Environment = "dev";

    public async Task InitializeAsync()
    {
        using var admin = Factory.CreateAdminClient();
        foreach (var role in Roles.All)
            TokenByRole[role] = (await admin.CreateTokenAsync(role)).Secret;
        WebhookId = await Factory.CreateWebhookAsync();
        var ping = await admin.PostAsync($"/api/v1/webhooks/{WebhookId}/ping", null).EnsureStatusAsync(HttpStatusCode.Accepted);
        DeliveryId = Guid.Parse(ping.Headers.Location!.OriginalString.Split('#')[1]);
        await Factory.SeedTargetAsync(Service, Environment);
        RolloutId = await StartRolloutAsync();

        await Factory.Services.SeedDemoMigrationTargetsAsync(Factory.Services.GetRequiredService<ConsoleSettings>());
        var other = await Factory.CreateUserAsync(Names.Password(), Roles.ReleaseManager);
        await using (var scope = Factory.Services.CreateAsyncScope())
            OtherReleaseManager = Factory.CreateTokenClient((await scope.ServiceProvider.GetRequiredService<ApiTokens>()
                .IssueAsync(new Actor(other, new HashSet<string> { Roles.ReleaseManager }, "matrix"), "matrix", [Roles.ReleaseManager], null)).Secret);
        FinishedBatchId = await MigrationConsoleFactory.PostRunAsync(admin, "/api/v1/migrations/catalog/dev/dry-run");
        await MigrationConsoleFactory.WaitForBatchAsync(admin, FinishedBatchId, "Succeeded", "Failed");
        await Factory.SeedTargetAsync("checkout", "staging");
        var plan = await OtherReleaseManager.PostAsJsonAsync("/api/v1/deployment-plans", new { service = "checkout", environment = "staging", version = "1.1.0" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created);
        PlanId = (await plan.ReadJsonAsync()).GetProperty("id").GetGuid();
    }

    /// <summary>An apply on prod requested by the other ReleaseManager: it waits for approval.</summary>
    public Task<Guid> AwaitingBatchAsync() => MigrationConsoleFactory.PostRunAsync(OtherReleaseManager, "/api/v1/migrations/checkout/prod/apply");

    /// <summary>A rollout in flight on a target of its own, started by an OnCall token (Admin alone may not start one).</summary>
    public async Task<Guid> StartRolloutAsync()
    {
        using var onCall = Factory.CreateTokenClient(TokenByRole[Roles.OnCall]);
        return await Factory.StartRolloutAsync(onCall);
    }

    public async Task DisposeAsync()
    {
        OtherReleaseManager?.Dispose();
        await Factory.DisposeAsync();
    }
}

/// <summary>
/// Every route against every role: a token holding only that role is refused (403) where the role
/// is not enough and served where it is; no credentials at all is a 401 on every API route.
/// </summary>
public sealed class RoleMatrixTests(RoleMatrixFixture fx) : IClassFixture<RoleMatrixFixture>
{
    private static readonly string[] Everyone = [.. Roles.All];
    private static readonly string[] AdminOnly = [Roles.Admin];
    private static readonly string[] RolloutActors = [Roles.OnCall, Roles.ReleaseManager];
    private static readonly string[] ReleaseManagers = [Roles.ReleaseManager];

    /// <summary>A route: how to call it (path and body may need fresh things to act on), who may, and what success looks like.</summary>
    private sealed record Route(string Method, Func<RoleMatrixFixture, string, Task<string>> Path, Func<string, object?> Body, string[] Allowed, HttpStatusCode Success);

    private static Route R(string method, string path, string[] allowed, HttpStatusCode success, Func<string, object?>? body = null) =>
        new(method, (_, _) => Task.FromResult(path), body ?? (_ => null), allowed, success);

    private static Route R(string method, Func<RoleMatrixFixture, string, Task<string>> path, string[] allowed, HttpStatusCode success, Func<string, object?>? body = null) =>
        new(method, path, body ?? (_ => null), allowed, success);

    private static async Task<string> FreshUser(RoleMatrixFixture fx) => await fx.Factory.CreateUserAsync(Names.Password(), Roles.Viewer);

    /// <summary>Each role that may start a rollout starts it on a target of its own: one rollout per target may be in flight.</summary>
    private static string StartTarget(string role) => $"start-{role.ToLowerInvariant()}";

    private static readonly string[] RunbookWorkers = [Roles.OnCall, Roles.Admin];

    /// <summary>A runbook of its own (a task, then an HTTP check of the placeholder address, which fails fast); returns its slug.</summary>
    private static async Task<string> FreshRunbook(RoleMatrixFixture fx)
    {
        var slug = Names.Unique("rb").ToLowerInvariant();
        using var admin = fx.Factory.CreateAdminClient();
        await admin.PostAsJsonAsync("/api/v1/runbooks", new { markdown = RunbookMarkdown(slug) }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        return slug;
    }

    private static string RunbookMarkdown(string slug, string text = "text") =>
        $"---\ntitle: Matrix {slug}\nslug: {slug}\n---\n{text}\n\n- [ ] a task\n\n```action\nname: http.check\nurl: http://127.0.0.1:9/x\n```\n";

    private static async Task<Guid> FreshRun(RoleMatrixFixture fx)
    {
        var slug = await FreshRunbook(fx);
        using var admin = fx.Factory.CreateAdminClient();
        var run = await admin.PostAsJsonAsync($"/api/v1/runbooks/{slug}/runs", new { }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        return (await run.ReadJsonAsync()).GetProperty("id").GetGuid();
    }

    private static readonly Dictionary<string, Route> Routes = new()
    {
        ["GET /api/v1/runbooks"] = R("GET", "/api/v1/runbooks?q=matrix", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/runbooks"] = R("POST", "/api/v1/runbooks", RunbookWorkers, HttpStatusCode.Created,
            _ => new { markdown = RunbookMarkdown(Names.Unique("rb").ToLowerInvariant()) }),
        ["GET /api/v1/runbooks/staleness"] = R("GET", "/api/v1/runbooks/staleness?alert=Nobody", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/runbooks/{slug}"] = R("GET", async (f, _) => $"/api/v1/runbooks/{await FreshRunbook(f)}", Everyone, HttpStatusCode.OK),
        ["PUT /api/v1/runbooks/{slug}"] = R("PUT", async (f, _) => $"/api/v1/runbooks/{await FreshRunbook(f)}", RunbookWorkers, HttpStatusCode.OK,
            _ => new { markdown = "---\ntitle: Changed\n---\nchanged\n" }),
        ["GET /api/v1/runbooks/{slug}/versions"] = R("GET", async (f, _) => $"/api/v1/runbooks/{await FreshRunbook(f)}/versions", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/runbooks/{slug}/versions/{number}"] = R("GET", async (f, _) => $"/api/v1/runbooks/{await FreshRunbook(f)}/versions/1", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/runbooks/{slug}/versions/{number}/markdown"] = R("GET", async (f, _) => $"/api/v1/runbooks/{await FreshRunbook(f)}/versions/1/markdown", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/runbooks/{slug}/diff"] = R("GET", async (f, _) => $"/api/v1/runbooks/{await FreshRunbook(f)}/diff?from=1&to=1", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/runbooks/{slug}/runs"] = R("POST", async (f, _) => $"/api/v1/runbooks/{await FreshRunbook(f)}/runs", RunbookWorkers, HttpStatusCode.Created, _ => new { }),
        ["GET /api/v1/runbooks/{slug}/runs"] = R("GET", async (f, _) => $"/api/v1/runbooks/{await FreshRunbook(f)}/runs", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/runbook-runs"] = R("GET", "/api/v1/runbook-runs", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/runbook-runs/{id}"] = R("GET", async (f, _) => $"/api/v1/runbook-runs/{await FreshRun(f)}", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/runbook-runs/{id}/markdown"] = R("GET", async (f, _) => $"/api/v1/runbook-runs/{await FreshRun(f)}/markdown", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/runbook-runs/{id}/steps/{number}/run"] = R("POST", async (f, _) => $"/api/v1/runbook-runs/{await FreshRun(f)}/steps/2/run", RunbookWorkers, HttpStatusCode.OK),
        ["POST /api/v1/runbook-runs/{id}/steps/{number}/done"] = R("POST", async (f, _) => $"/api/v1/runbook-runs/{await FreshRun(f)}/steps/1/done", RunbookWorkers, HttpStatusCode.OK),
        ["POST /api/v1/runbook-runs/{id}/steps/{number}/skip"] = R("POST", async (f, _) => $"/api/v1/runbook-runs/{await FreshRun(f)}/steps/1/skip", RunbookWorkers, HttpStatusCode.OK),
        ["POST /api/v1/runbook-runs/{id}/steps/{number}/note"] = R("POST", async (f, _) => $"/api/v1/runbook-runs/{await FreshRun(f)}/steps/1/note", RunbookWorkers, HttpStatusCode.OK,
            _ => new { note = "matrix" }),
        ["GET /api/v1/me"] = R("GET", "/api/v1/me", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/me/antiforgery"] = R("GET", "/api/v1/me/antiforgery", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/users"] = R("GET", "/api/v1/users", AdminOnly, HttpStatusCode.OK),
        ["POST /api/v1/users"] = R("POST", "/api/v1/users", AdminOnly, HttpStatusCode.Created,
            _ => new { userName = Names.Unique("made"), password = Names.Password(), roles = new[] { Roles.Viewer } }),
        ["PUT /api/v1/users/{userName}/roles"] = R("PUT", async (f, _) => $"/api/v1/users/{await FreshUser(f)}/roles", AdminOnly, HttpStatusCode.OK,
            _ => new { roles = new[] { Roles.Viewer, Roles.OnCall } }),
        ["POST /api/v1/users/{userName}/disable"] = R("POST", async (f, _) => $"/api/v1/users/{await FreshUser(f)}/disable", AdminOnly, HttpStatusCode.NoContent),
        ["POST /api/v1/users/{userName}/enable"] = R("POST", async (f, _) => $"/api/v1/users/{await FreshUser(f)}/enable", AdminOnly, HttpStatusCode.NoContent),
        ["POST /api/v1/users/{userName}/password"] = R("POST", async (f, _) => $"/api/v1/users/{await FreshUser(f)}/password", AdminOnly, HttpStatusCode.NoContent,
            _ => new { password = Names.Password() }),
        ["GET /api/v1/tokens"] = R("GET", "/api/v1/tokens", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/tokens?all=true"] = R("GET", "/api/v1/tokens?all=true", AdminOnly, HttpStatusCode.OK),
        // A token may only carry the caller's roles, so each caller asks for the one it holds.
        ["POST /api/v1/tokens"] = R("POST", "/api/v1/tokens", Everyone, HttpStatusCode.Created,
            role => new { name = Names.Unique("token"), roles = new[] { role } }),
        // The callers are all the admin's tokens, so the token to revoke is the caller's own.
        ["DELETE /api/v1/tokens/{id}"] = R("DELETE", async (f, _) =>
        {
            using var admin = f.Factory.CreateAdminClient();
            return $"/api/v1/tokens/{(await admin.CreateTokenAsync(Roles.Viewer)).Id}";
        }, Everyone, HttpStatusCode.NoContent),
        ["GET /api/v1/audit"] = R("GET", "/api/v1/audit", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/audit/export?format=csv"] = R("GET", "/api/v1/audit/export?format=csv", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/audit/export?format=json"] = R("GET", "/api/v1/audit/export?format=json", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/audit/verify"] = R("POST", "/api/v1/audit/verify", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/webhooks"] = R("GET", "/api/v1/webhooks", AdminOnly, HttpStatusCode.OK),
        ["POST /api/v1/webhooks"] = R("POST", "/api/v1/webhooks", AdminOnly, HttpStatusCode.Created,
            _ => new { name = Names.Unique("hook"), url = "http://127.0.0.1:9/hook", eventTypes = new[] { "test.never" } }),
        ["DELETE /api/v1/webhooks/{id}"] = R("DELETE", async (f, _) => $"/api/v1/webhooks/{await f.Factory.CreateWebhookAsync()}", AdminOnly, HttpStatusCode.NoContent),
        ["GET /api/v1/webhooks/{id}/deliveries"] = R("GET", (f, _) => Task.FromResult($"/api/v1/webhooks/{f.WebhookId}/deliveries"), AdminOnly, HttpStatusCode.OK),
        ["POST /api/v1/webhooks/{id}/ping"] = R("POST", (f, _) => Task.FromResult($"/api/v1/webhooks/{f.WebhookId}/ping"), AdminOnly, HttpStatusCode.Accepted),
        ["POST /api/v1/webhooks/deliveries/{id}/redeliver"] = R("POST", (f, _) => Task.FromResult($"/api/v1/webhooks/deliveries/{f.DeliveryId}/redeliver"), AdminOnly, HttpStatusCode.Accepted),
        ["GET /api/v1/events"] = R("GET", "/api/v1/events", Everyone, HttpStatusCode.OK),
        ["GET /hangfire"] = R("GET", "/hangfire", AdminOnly, HttpStatusCode.OK),
        ["GET /api/v1/analysis-templates"] = R("GET", "/api/v1/analysis-templates", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/analysis-templates"] = R("POST", "/api/v1/analysis-templates", [Roles.ReleaseManager, Roles.Admin], HttpStatusCode.Created,
            _ => new { name = Names.Unique("tpl").ToLowerInvariant(), metrics = new[] { new { name = "errors", successCondition = "result < 0.05" } } }),
        ["GET /api/v1/rollouts"] = R("GET", "/api/v1/rollouts", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/rollouts/{id}"] = R("GET", (f, _) => Task.FromResult($"/api/v1/rollouts/{f.RolloutId}"), Everyone, HttpStatusCode.OK),
        ["POST /api/v1/rollouts"] = R("POST", async (f, role) =>
        {
            await f.Factory.SeedTargetAsync(StartTarget(role));
            return "/api/v1/rollouts";
        }, RolloutActors, HttpStatusCode.Created, role => new { service = StartTarget(role), environment = "dev", version = "1.1.0" }),
        ["POST /api/v1/rollouts/{id}/abort"] = R("POST", async (f, _) => $"/api/v1/rollouts/{await f.StartRolloutAsync()}/abort", RolloutActors, HttpStatusCode.OK),
        // Promoting straight to 100% is the one action OnCall may not take.
        ["POST /api/v1/rollouts/{id}/promote-full"] = R("POST", async (f, _) => $"/api/v1/rollouts/{await f.StartRolloutAsync()}/promote-full",
            [Roles.ReleaseManager], HttpStatusCode.OK),
        ["GET /api/v1/services"] = R("GET", "/api/v1/services", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/services/{service}/environments/{environment}"] = R("GET",
            $"/api/v1/services/{RoleMatrixFixture.Service}/environments/{RoleMatrixFixture.Environment}", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/migrations"] = R("GET", "/api/v1/migrations", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/migrations/{service}/{environment}"] = R("GET", "/api/v1/migrations/checkout/dev", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/migrations/{service}/{environment}/dry-run"] = R("POST", "/api/v1/migrations/checkout/dev/dry-run", ReleaseManagers, HttpStatusCode.Accepted),
        // On prod an apply or revert waits for approval: nothing runs.
        ["POST /api/v1/migrations/{service}/{environment}/apply"] = R("POST", "/api/v1/migrations/checkout/prod/apply", ReleaseManagers, HttpStatusCode.Accepted, _ => new { }),
        ["POST /api/v1/migrations/{service}/{environment}/revert"] = R("POST", "/api/v1/migrations/checkout/prod/revert", ReleaseManagers, HttpStatusCode.Accepted, _ => new { count = 1 }),
        ["PUT /api/v1/migrations/{service}/{environment}/target"] = R("PUT", "/api/v1/migrations/matrix/dev/target", AdminOnly, HttpStatusCode.OK,
            _ => new { provider = "sqlite", connectionString = "Data Source=matrix-target.db" }),
        ["GET /api/v1/migration-batches"] = R("GET", "/api/v1/migration-batches", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/migration-batches/{id}"] = R("GET", (f, _) => Task.FromResult($"/api/v1/migration-batches/{f.FinishedBatchId}"), Everyone, HttpStatusCode.OK),
        ["GET /api/v1/migration-batches/{id}/evidence"] = R("GET", (f, _) => Task.FromResult($"/api/v1/migration-batches/{f.FinishedBatchId}/evidence"), Everyone, HttpStatusCode.OK),
        ["POST /api/v1/migration-batches/{id}/approve"] = R("POST", async (f, _) => $"/api/v1/migration-batches/{await f.AwaitingBatchAsync()}/approve",
            ReleaseManagers, HttpStatusCode.Accepted),
        ["GET /api/v1/deployment-plans/{id}"] = R("GET", (f, _) => Task.FromResult($"/api/v1/deployment-plans/{f.PlanId}"), Everyone, HttpStatusCode.OK),
        ["POST /api/v1/deployment-plans"] = R("POST", async (f, _) =>
        {
            await f.Factory.SeedTargetAsync("catalog", "staging");
            return "/api/v1/deployment-plans";
        }, ReleaseManagers, HttpStatusCode.Created, _ => new { service = "catalog", environment = "staging", version = "1.1.0" }),
        ["POST /api/v1/migrations/{service}/bundles"] = R("POST", "/api/v1/migrations/matrix-bundle/bundles?version=1.0.0", ReleaseManagers, HttpStatusCode.Created,
            _ => MatrixBundle!.Value),
        ["POST /hubs/events/negotiate"] = R("POST", "/hubs/events/negotiate?negotiateVersion=1", Everyone, HttpStatusCode.OK),
    };

    public static TheoryData<string, string> RouteAndRole()
    {
        var data = new TheoryData<string, string>();
        foreach (var route in Routes.Keys)
            foreach (var role in Roles.All)
                data.Add(route, role);
        return data;
    }

    public static TheoryData<string> AllRoutes() => [.. Routes.Keys];

    /// <summary>A minimal valid migration bundle (one change), as a zip.</summary>
    private static readonly Lazy<byte[]> MatrixBundle = new(() =>
    {
        using var buffer = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, sql) in new[] { ("deploy.sql", "CREATE TABLE t (id INTEGER);"), ("verify.sql", "SELECT 1;"), ("revert.sql", "DROP TABLE t;") })
            {
                using var w = new StreamWriter(zip.CreateEntry($"001_create_t/{name}").Open());
                w.Write(sql);
            }
        }
        return buffer.ToArray();
    });

    /// <summary>Every API route the console maps is in the table above, so a new route cannot skip the matrix.</summary>
    [Fact]
    public void Every_api_route_is_in_the_matrix()
    {
        var endpoints = fx.Factory.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1") == true)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .ToList();
        Assert.NotEmpty(endpoints);
        var keys = Routes.Keys.Select(k => (Method: k[..k.IndexOf(' ')], Path: k[(k.IndexOf(' ') + 1)..].Split('?')[0])).ToList();
        var missing = endpoints.Where(e =>
        {
            var pattern = "^" + System.Text.RegularExpressions.Regex.Replace(e.Pattern.TrimEnd('/'), @"\{[^}]+\}", "[^/]+") + "/?$";
            return !keys.Any(k => k.Method == e.Method && System.Text.RegularExpressions.Regex.IsMatch(k.Path, pattern));
        }).Select(e => $"{e.Method} {e.Pattern}").ToList();
        Assert.True(missing.Count == 0, "Routes missing from the role matrix: " + string.Join(", ", missing));
    }

    private static async Task<HttpResponseMessage> CallAsync(HttpClient client, Route route, string path, string role)
    {
        using var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
        if (route.Body(role) is byte[] bytes)
            request.Content = new ByteArrayContent(bytes) { Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/zip") } };
        else if (route.Body(role) is { } body) request.Content = JsonContent.Create(body, options: TestApi.Json);
        return await client.SendAsync(request);
    }

    [Theory]
    [MemberData(nameof(RouteAndRole))]
    public async Task A_token_with_a_single_role_is_served_or_refused_by_the_route_s_rule(string routeName, string role)
    {
        var route = Routes[routeName];
        using var client = fx.Factory.CreateTokenClient(fx.TokenByRole[role]);
        var response = await CallAsync(client, route, await route.Path(fx, role), role);
        var body = await response.Content.ReadAsStringAsync();
        if (body.Length > 300) body = body[..300] + "...";

        if (route.Allowed.Contains(role))
        {
            Assert.True(route.Success == response.StatusCode, $"{routeName} as {role}: expected {(int)route.Success}, got {(int)response.StatusCode} {body}");
        }
        else
        {
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{routeName} as {role}: expected 403, got {(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task Without_credentials_every_route_is_refused(string routeName)
    {
        var route = Routes[routeName];
        using var client = fx.Factory.CreateAnonymousClient();
        // Paths that name a thing use a made-up one: the refusal comes before anything is looked up.
        var response = await CallAsync(client, route, AnonymousPath(routeName), Roles.Viewer);

        if (routeName == "GET /hangfire")
        {
            // A person opening the dashboard is sent to sign in.
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/account/login", new Uri(client.BaseAddress!, response.Headers.Location!).AbsolutePath);
            return;
        }
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task An_unknown_token_is_refused_with_401()
    {
        using var client = fx.Factory.CreateTokenClient("opc_" + Guid.NewGuid().ToString("N"));
        var response = await client.GetAsync("/api/v1/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    private static string AnonymousPath(string routeName) => routeName.Split(' ')[1]
        .Replace("{userName}", "admin").Replace("{number}", "1").Replace("{slug}", "a-runbook").Replace("{id}", Guid.NewGuid().ToString())
        .Replace("{service}", RoleMatrixFixture.Service).Replace("{environment}", RoleMatrixFixture.Environment) switch
    {
        "/hubs/events/negotiate" => "/hubs/events/negotiate?negotiateVersion=1",
        var p => p,
    };
}
