using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Hosting;
using OpsConsole.Console.Tests.Migrations;
using OpsConsole.Console.Tests.OnCall;
using OpsConsole.Console.Tests.Releases;
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
    private static readonly string[] ReleaseWriters = [Roles.ReleaseManager, Roles.Admin];
    private static readonly string[] IncidentManagers = [Roles.OnCall, Roles.Admin];
    private static readonly string[] GameDayRunners = [Roles.Facilitator, Roles.Admin];

    /// <summary>A fresh SEV2 incident opened by the admin, for a route that changes one.</summary>
    private static async Task<long> OpenIncidentAsync(RoleMatrixFixture f)
    {
        using var admin = f.Factory.CreateAdminClient();
        var response = await admin.PostAsJsonAsync("/api/v1/incidents", new { title = "Matrix", severity = "SEV2", services = new[] { "matrix" } }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created);
        return (await response.ReadJsonAsync()).GetProperty("id").GetInt64();
    }

    private static readonly string[] AlertActors = [Roles.OnCall, Roles.Admin];

    /// <summary>An alert posted by the admin; returns its fingerprint.</summary>
    private static async Task<string> MatrixAlertAsync(RoleMatrixFixture f, string name = "MatrixRead")
    {
        using var admin = f.Factory.CreateAdminClient();
        var labels = MatrixAlertLabels(name);
        await admin.PostAsJsonAsync("/api/v1/alerts", new { labels }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        return OpsConsole.Core.Alerting.AlertFingerprint.Compute(labels);
    }

    private static Dictionary<string, string> MatrixAlertLabels(string name) => new() { ["alertname"] = name, ["service"] = "matrix" };

    private static readonly string[] SloEditors = [Roles.ReleaseManager, Roles.Facilitator, Roles.Admin];

    /// <summary>An SLO of matrix/dev unique per call (SLOs that repeat one another are refused).</summary>
    private static object MatrixSlo(string role) => new
    {
        service = RoleMatrixFixture.Service, environment = RoleMatrixFixture.Environment, kind = "availability",
        objective = 0.9 + Random.Shared.Next(1, 9000) / 100_000.0, windowDays = Roles.All.ToList().IndexOf(role) + 2,
    };

    /// <summary>An SLO created by the admin; returns its id.</summary>
    private static async Task<long> MatrixSloAsync(RoleMatrixFixture f)
    {
        using var admin = f.Factory.CreateAdminClient();
        var response = await admin.PostAsJsonAsync("/api/v1/slos", MatrixSlo(Roles.Admin), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        return (await response.ReadJsonAsync()).GetProperty("id").GetInt64();
    }

    private static readonly string[] RunbookEditors = [Roles.OnCall, Roles.Admin];

    private static readonly string[] DrillRunners = [Roles.Facilitator, Roles.Admin];

    private static object MatrixDrillBody() => new
    {
        service = RoleMatrixFixture.Service, environment = RoleMatrixFixture.Environment,
        fault = new Dictionary<string, string> { ["FAULT_ERROR_RATE"] = "0.5" }, cron = "0 3 * * 1", targetSeconds = 60, enabled = false,
    };

    /// <summary>A drill on the matrix target created by the admin (disabled: never scheduled); returns its id.</summary>
    private static async Task<Guid> MatrixDrillAsync(RoleMatrixFixture f)
    {
        using var admin = f.Factory.CreateAdminClient();
        var created = await admin.PostAsJsonAsync("/api/v1/drills", MatrixDrillBody(), TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        return (await created.ReadJsonAsync()).GetProperty("id").GetGuid();
    }

    /// <summary>A runbook (a task, then a silence.create step) with a fresh slug; step 1 is done by hand, step 2 runs the action.</summary>
    private static string MatrixRunbook(string slug) =>
        $"---\ntitle: Matrix {slug}\nslug: {slug}\nowners: [sre]\n---\n\n- [ ] Look at the dashboard\n\n```action\nname: silence.create\nmatchers: service=matrix\nduration: 5m\ncomment: matrix\n```\n";

    /// <summary>A runbook created by the admin; returns its slug.</summary>
    private static async Task<string> MatrixRunbookAsync(RoleMatrixFixture f)
    {
        using var admin = f.Factory.CreateAdminClient();
        var slug = Names.Unique("matrix-rb").ToLowerInvariant();
        await admin.PostAsJsonAsync("/api/v1/runbooks", new { markdown = MatrixRunbook(slug) }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Created);
        return slug;
    }

    /// <summary>A run of a fresh runbook started by the admin; returns the run's id.</summary>
    private static async Task<Guid> MatrixRunAsync(RoleMatrixFixture f)
    {
        var slug = await MatrixRunbookAsync(f);
        using var admin = f.Factory.CreateAdminClient();
        var run = await admin.PostAsync($"/api/v1/runbooks/{slug}/runs", null).EnsureStatusAsync(HttpStatusCode.Created);
        return (await run.ReadJsonAsync()).GetProperty("id").GetGuid();
    }

    /// <summary>A route: how to call it (path and body may need fresh things to act on), who may, and what success looks like.</summary>
    private sealed record Route(string Method, Func<RoleMatrixFixture, string, Task<string>> Path, Func<string, object?> Body, string[] Allowed, HttpStatusCode Success);

    private static Route R(string method, string path, string[] allowed, HttpStatusCode success, Func<string, object?>? body = null) =>
        new(method, (_, _) => Task.FromResult(path), body ?? (_ => null), allowed, success);

    private static Route R(string method, Func<RoleMatrixFixture, string, Task<string>> path, string[] allowed, HttpStatusCode success, Func<string, object?>? body = null) =>
        new(method, path, body ?? (_ => null), allowed, success);

    private static async Task<string> FreshUser(RoleMatrixFixture fx) => await fx.Factory.CreateUserAsync(Names.Password(), Roles.Viewer);

    /// <summary>Each role that may start a rollout starts it on a target of its own: one rollout per target may be in flight.</summary>
    private static string StartTarget(string role) => $"start-{role.ToLowerInvariant()}";

    private static readonly Dictionary<string, Route> Routes = new()
    {
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
        ["GET /api/v1/rollouts/{id}/manifests"] = R("GET", (f, _) => Task.FromResult($"/api/v1/rollouts/{f.RolloutId}/manifests"), Everyone, HttpStatusCode.OK),
        ["GET /api/v1/clusters"] = R("GET", "/api/v1/clusters", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/dora"] = R("GET", "/api/v1/dora", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/metrics/{service}/{environment}"] = R("GET",
            $"/api/v1/metrics/{RoleMatrixFixture.Service}/{RoleMatrixFixture.Environment}", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/drills"] = R("GET", "/api/v1/drills", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/drills"] = R("POST", "/api/v1/drills", DrillRunners, HttpStatusCode.Created, _ => MatrixDrillBody()),
        ["GET /api/v1/drills/{id}"] = R("GET", async (f, _) => $"/api/v1/drills/{await MatrixDrillAsync(f)}", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/drills/{id}/run"] = R("POST", async (f, _) => $"/api/v1/drills/{await MatrixDrillAsync(f)}/run", DrillRunners, HttpStatusCode.Accepted),
        ["POST /api/v1/drills/{id}/enable"] = R("POST", async (f, _) => $"/api/v1/drills/{await MatrixDrillAsync(f)}/enable", DrillRunners, HttpStatusCode.OK),
        ["POST /api/v1/drills/{id}/disable"] = R("POST", async (f, _) => $"/api/v1/drills/{await MatrixDrillAsync(f)}/disable", DrillRunners, HttpStatusCode.OK),
        ["DELETE /api/v1/drills/{id}"] = R("DELETE", async (f, _) => $"/api/v1/drills/{await MatrixDrillAsync(f)}", DrillRunners, HttpStatusCode.NoContent),
        ["GET /api/v1/drill-runs/{id}"] = R("GET", async (f, _) =>
        {
            using var admin = f.Factory.CreateAdminClient();
            var run = await admin.PostAsync($"/api/v1/drills/{await MatrixDrillAsync(f)}/run", null).EnsureStatusAsync(HttpStatusCode.Accepted);
            return $"/api/v1/drill-runs/{(await run.ReadJsonAsync()).GetProperty("runId").GetGuid()}";
        }, Everyone, HttpStatusCode.OK),
        ["GET /api/v1/alert-fatigue"] = R("GET", "/api/v1/alert-fatigue", Everyone, HttpStatusCode.OK),
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
        // Promotions: requested by a pipeline that is not the admin, so the admin's ReleaseManager token may decide (four-eyes).
        ["GET /api/v1/promotions"] = R("GET", "/api/v1/promotions", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/promotions/{id}"] = R("GET", async (f, _) => $"/api/v1/promotions/{await Promotions.PromotionSeeds.AwaitingApprovalAsync(f.Factory)}", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/promotions"] = R("POST", async (f, role) =>
        {
            await Promotions.PromotionSeeds.SeedServiceAsync(f.Factory, "promo-" + role.ToLowerInvariant());
            return "/api/v1/promotions";
        }, ReleaseManagers, HttpStatusCode.Created, role => new { service = "promo-" + role.ToLowerInvariant(), version = "1.0.0", environment = "dev" }),
        ["POST /api/v1/promotions/{id}/approve"] = R("POST", async (f, _) => $"/api/v1/promotions/{await Promotions.PromotionSeeds.AwaitingApprovalAsync(f.Factory)}/approve",
            ReleaseManagers, HttpStatusCode.OK, _ => new { comment = "ok" }),
        ["POST /api/v1/promotions/{id}/reject"] = R("POST", async (f, _) => $"/api/v1/promotions/{await Promotions.PromotionSeeds.AwaitingApprovalAsync(f.Factory)}/reject",
            ReleaseManagers, HttpStatusCode.OK, _ => new { comment = "no" }),
        ["POST /api/v1/promotions/{id}/override-freeze"] = R("POST", async (f, _) => $"/api/v1/promotions/{await Promotions.PromotionSeeds.AwaitingApprovalAsync(f.Factory)}/override-freeze",
            AdminOnly, HttpStatusCode.OK, _ => new { reason = "break glass" }),
        ["POST /api/v1/promotions/{id}/cancel"] = R("POST", async (f, _) => $"/api/v1/promotions/{await Promotions.PromotionSeeds.AwaitingApprovalAsync(f.Factory)}/cancel",
            [Roles.ReleaseManager, Roles.Admin], HttpStatusCode.OK),
        ["POST /api/v1/promotions/lift-rejection"] = R("POST", async (f, role) =>
        {
            await Promotions.PromotionSeeds.SeedServiceAsync(f.Factory, "lift-" + role.ToLowerInvariant(), rejected: true);
            return "/api/v1/promotions/lift-rejection";
        }, ReleaseManagers, HttpStatusCode.NoContent, role => new { service = "lift-" + role.ToLowerInvariant(), version = "1.0.0", reason = "fixed" }),
        ["GET /api/v1/deployment-plans/{id}"] = R("GET", (f, _) => Task.FromResult($"/api/v1/deployment-plans/{f.PlanId}"), Everyone, HttpStatusCode.OK),
        ["POST /api/v1/deployment-plans"] = R("POST", async (f, _) =>
        {
            await f.Factory.SeedTargetAsync("catalog", "staging");
            return "/api/v1/deployment-plans";
        }, ReleaseManagers, HttpStatusCode.Created, _ => new { service = "catalog", environment = "staging", version = "1.1.0" }),
        ["POST /api/v1/migrations/{service}/bundles"] = R("POST", "/api/v1/migrations/matrix-bundle/bundles?version=1.0.0", ReleaseManagers, HttpStatusCode.Created,
            _ => MatrixBundle!.Value),
        ["GET /api/v1/incidents"] = R("GET", "/api/v1/incidents", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/incidents"] = R("POST", "/api/v1/incidents", IncidentManagers, HttpStatusCode.Created,
            _ => new { title = "Matrix incident", severity = "SEV3", services = new[] { "matrix/dev" } }),
        // Each role opens an incident for an alert of its own (a second call for the same alert answers 200 with the same incident).
        ["POST /api/v1/incidents/from-alert"] = R("POST", async (f, role) =>
        {
            await MatrixAlertAsync(f, $"MatrixIncident-{role}");
            return "/api/v1/incidents/from-alert";
        }, IncidentManagers, HttpStatusCode.Created,
            role => new { fingerprint = OpsConsole.Core.Alerting.AlertFingerprint.Compute(MatrixAlertLabels($"MatrixIncident-{role}")), severity = "SEV3" }),
        ["GET /api/v1/incidents/{id}"] = R("GET", async (f, _) => $"/api/v1/incidents/{await OpenIncidentAsync(f)}", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/incidents/{id}/postmortem"] = R("GET", async (f, _) => $"/api/v1/incidents/{await OpenIncidentAsync(f)}/postmortem", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/incidents/{id}/ack"] = R("POST", async (f, _) => $"/api/v1/incidents/{await OpenIncidentAsync(f)}/ack", IncidentManagers, HttpStatusCode.OK),
        ["POST /api/v1/incidents/{id}/mitigate"] = R("POST", async (f, _) => $"/api/v1/incidents/{await OpenIncidentAsync(f)}/mitigate", IncidentManagers, HttpStatusCode.OK),
        ["POST /api/v1/incidents/{id}/resolve"] = R("POST", async (f, _) => $"/api/v1/incidents/{await OpenIncidentAsync(f)}/resolve", IncidentManagers, HttpStatusCode.OK),
        ["POST /api/v1/incidents/{id}/notes"] = R("POST", async (f, _) => $"/api/v1/incidents/{await OpenIncidentAsync(f)}/notes", IncidentManagers, HttpStatusCode.OK,
            _ => new { text = "matrix note" }),
        ["PUT /api/v1/incidents/{id}/commander"] = R("PUT", async (f, _) => $"/api/v1/incidents/{await OpenIncidentAsync(f)}/commander", IncidentManagers, HttpStatusCode.OK,
            _ => new { commander = "admin" }),
        ["PUT /api/v1/incidents/{id}/severity"] = R("PUT", async (f, _) => $"/api/v1/incidents/{await OpenIncidentAsync(f)}/severity", IncidentManagers, HttpStatusCode.OK,
            _ => new { severity = "SEV1" }),
        ["GET /api/v1/oncall"] = R("GET", "/api/v1/oncall?at=2026-03-29T07:00:00Z", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/oncall/schedules"] = R("GET", "/api/v1/oncall/schedules", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/oncall/schedules/{id}"] = R("GET", async (f, _) => $"/api/v1/oncall/schedules/{await OnCallMatrix.ScheduleAsync(f.Factory)}", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/oncall/schedules/{id}/timeline"] = R("GET", async (f, _) => $"/api/v1/oncall/schedules/{await OnCallMatrix.ScheduleAsync(f.Factory)}/timeline", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/oncall/schedules"] = R("POST", "/api/v1/oncall/schedules", AdminOnly, HttpStatusCode.Created, _ => OnCallMatrix.ScheduleBody()),
        ["PUT /api/v1/oncall/schedules/{id}"] = R("PUT", async (f, _) => $"/api/v1/oncall/schedules/{await OnCallMatrix.ScheduleAsync(f.Factory)}", AdminOnly, HttpStatusCode.OK,
            _ => OnCallMatrix.ScheduleBody()),
        ["DELETE /api/v1/oncall/schedules/{id}"] = R("DELETE", async (f, _) => $"/api/v1/oncall/schedules/{await OnCallMatrix.ScheduleAsync(f.Factory)}", AdminOnly, HttpStatusCode.NoContent),
        ["POST /api/v1/oncall/schedules/{id}/overrides"] = R("POST", async (f, _) => $"/api/v1/oncall/schedules/{await OnCallMatrix.ScheduleAsync(f.Factory)}/overrides", AdminOnly,
            HttpStatusCode.OK, _ => OnCallMatrix.OverrideBody()),
        ["DELETE /api/v1/oncall/schedules/{id}/overrides/{id}"] = R("DELETE", (f, _) => OnCallMatrix.OverridePathAsync(f.Factory), AdminOnly, HttpStatusCode.OK),
        ["GET /api/v1/oncall/policies"] = R("GET", "/api/v1/oncall/policies", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/oncall/policies"] = R("POST", "/api/v1/oncall/policies", AdminOnly, HttpStatusCode.OK,
            _ => new { name = Names.Unique("policy"), levels = new[] { new { targets = new[] { new { kind = "User", name = "admin" } }, delayMinutes = 5 } } }),
        ["PUT /api/v1/oncall/policies/{id}"] = R("PUT", async (f, _) => $"/api/v1/oncall/policies/{await OnCallMatrix.PolicyAsync(f.Factory)}", AdminOnly, HttpStatusCode.OK,
            _ => new { name = Names.Unique("policy"), levels = new[] { new { targets = new[] { new { kind = "User", name = "admin" } }, delayMinutes = 7 } }, repeatCount = 1 }),
        ["DELETE /api/v1/oncall/policies/{id}"] = R("DELETE", async (f, _) => $"/api/v1/oncall/policies/{await OnCallMatrix.PolicyAsync(f.Factory)}", AdminOnly, HttpStatusCode.NoContent),
        ["GET /api/v1/oncall/receivers"] = R("GET", "/api/v1/oncall/receivers", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/oncall/receivers"] = R("POST", "/api/v1/oncall/receivers", AdminOnly, HttpStatusCode.OK, _ => OnCallMatrix.ReceiverBody()),
        ["PUT /api/v1/oncall/receivers/{id}"] = R("PUT", async (f, _) => $"/api/v1/oncall/receivers/{await OnCallMatrix.ReceiverAsync(f.Factory)}", AdminOnly, HttpStatusCode.OK,
            _ => OnCallMatrix.ReceiverBody()),
        ["DELETE /api/v1/oncall/receivers/{id}"] = R("DELETE", async (f, _) => $"/api/v1/oncall/receivers/{await OnCallMatrix.ReceiverAsync(f.Factory)}", AdminOnly, HttpStatusCode.NoContent),
        ["GET /api/v1/oncall/notifications"] = R("GET", "/api/v1/oncall/notifications", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/pages"] = R("GET", "/api/v1/pages?open=true", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/pages/{id}"] = R("GET", async (f, _) => $"/api/v1/pages/{await OnCallMatrix.PageAsync(f.Factory)}", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/pages/{id}/ack"] = R("POST", async (f, _) => $"/api/v1/pages/{await OnCallMatrix.PageAsync(f.Factory)}/ack", [Roles.OnCall, Roles.Admin], HttpStatusCode.OK),
        ["GET /api/v1/alerts"] = R("GET", "/api/v1/alerts?status=firing", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/alerts/{fingerprint}"] = R("GET", async (f, _) => $"/api/v1/alerts/{await MatrixAlertAsync(f)}", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/alerts/{fingerprint}/incident"] = R("POST", async (f, role) => $"/api/v1/alerts/{await MatrixAlertAsync(f, $"MatrixOpen-{role}")}/incident", AlertActors, HttpStatusCode.OK,
            _ => new { severity = "sev3" }),
        ["POST /api/v1/alerts"] = R("POST", "/api/v1/alerts", AlertActors, HttpStatusCode.OK, role => new { labels = new { alertname = "Matrix", role } }),
        ["POST /api/v1/alerts/alertmanager"] = R("POST", "/api/v1/alerts/alertmanager", AlertActors, HttpStatusCode.OK,
            role => new { version = "4", status = "firing", receiver = "matrix", alerts = new[] { new { status = "firing", labels = new { alertname = "MatrixAm", role } } } }),
        ["GET /api/v1/alert-routes"] = R("GET", "/api/v1/alert-routes", Everyone, HttpStatusCode.OK),
        ["PUT /api/v1/alert-routes"] = R("PUT", "/api/v1/alert-routes", AdminOnly, HttpStatusCode.OK, _ => new { alertmanagerYaml = "receiver: matrix\n" }),
        ["POST /api/v1/alert-routes/match"] = R("POST", "/api/v1/alert-routes/match", Everyone, HttpStatusCode.OK, _ => new { labels = new { service = "checkout" } }),
        ["GET /api/v1/silences"] = R("GET", "/api/v1/silences?expired=true", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/silences"] = R("POST", "/api/v1/silences", AlertActors, HttpStatusCode.Created,
            role => new { matchers = $"service=\"matrix-{role}\"", durationMinutes = 5, comment = "matrix" }),
        ["POST /api/v1/silences/{id}/expire"] = R("POST", async (f, _) =>
        {
            using var admin = f.Factory.CreateAdminClient();
            var created = await admin.PostAsJsonAsync("/api/v1/silences", new { matchers = "service=\"matrix\"", durationMinutes = 5, comment = "matrix" }, TestApi.Json)
                .EnsureStatusAsync(HttpStatusCode.Created);
            return $"/api/v1/silences/{(await created.ReadJsonAsync()).GetProperty("id").GetGuid()}/expire";
        }, AlertActors, HttpStatusCode.OK),
        ["GET /api/v1/runbooks/"] = R("GET", "/api/v1/runbooks/?q=matrix", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/runbooks/"] = R("POST", "/api/v1/runbooks/", RunbookEditors, HttpStatusCode.Created, _ => new { markdown = MatrixRunbook(Names.Unique("matrix-new").ToLowerInvariant()) }),
        ["GET /api/v1/runbooks/staleness"] = R("GET", "/api/v1/runbooks/staleness", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/runbooks/{slug}"] = R("GET", async (f, _) => $"/api/v1/runbooks/{await MatrixRunbookAsync(f)}", Everyone, HttpStatusCode.OK),
        ["PUT /api/v1/runbooks/{slug}"] = R("PUT", async (f, role) => $"/api/v1/runbooks/{await MatrixRunbookAsync(f)}", RunbookEditors, HttpStatusCode.OK,
            role => new { markdown = $"---\ntitle: Matrix edited\nowners: [sre]\n---\n\n- [ ] Edited by {role}\n" }),
        ["GET /api/v1/runbooks/{slug}/versions"] = R("GET", async (f, _) => $"/api/v1/runbooks/{await MatrixRunbookAsync(f)}/versions", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/runbooks/{slug}/versions/{number}"] = R("GET", async (f, _) => $"/api/v1/runbooks/{await MatrixRunbookAsync(f)}/versions/1", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/runbooks/{slug}/versions/{number}/markdown"] = R("GET", async (f, _) => $"/api/v1/runbooks/{await MatrixRunbookAsync(f)}/versions/1/markdown", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/runbooks/{slug}/diff"] = R("GET", async (f, _) => $"/api/v1/runbooks/{await MatrixRunbookAsync(f)}/diff?from=1&to=1", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/runbooks/{slug}/runs"] = R("POST", async (f, _) => $"/api/v1/runbooks/{await MatrixRunbookAsync(f)}/runs", RunbookEditors, HttpStatusCode.Created),
        ["GET /api/v1/runbooks/{slug}/runs"] = R("GET", async (f, _) => $"/api/v1/runbooks/{await MatrixRunbookAsync(f)}/runs", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/runbook-runs/"] = R("GET", "/api/v1/runbook-runs/", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/runbook-runs/{id}"] = R("GET", async (f, _) => $"/api/v1/runbook-runs/{await MatrixRunAsync(f)}", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/runbook-runs/{id}/markdown"] = R("GET", async (f, _) => $"/api/v1/runbook-runs/{await MatrixRunAsync(f)}/markdown", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/runbook-runs/{id}/steps/{number}/run"] = R("POST", async (f, _) => $"/api/v1/runbook-runs/{await MatrixRunAsync(f)}/steps/2/run", RunbookEditors, HttpStatusCode.OK),
        ["POST /api/v1/runbook-runs/{id}/steps/{number}/done"] = R("POST", async (f, _) => $"/api/v1/runbook-runs/{await MatrixRunAsync(f)}/steps/1/done", RunbookEditors, HttpStatusCode.OK),
        ["POST /api/v1/runbook-runs/{id}/steps/{number}/skip"] = R("POST", async (f, _) => $"/api/v1/runbook-runs/{await MatrixRunAsync(f)}/steps/1/skip", RunbookEditors, HttpStatusCode.OK),
        ["POST /api/v1/runbook-runs/{id}/steps/{number}/note"] = R("POST", async (f, _) => $"/api/v1/runbook-runs/{await MatrixRunAsync(f)}/steps/1/note", RunbookEditors, HttpStatusCode.OK,
            _ => new { note = "matrix" }),
        ["POST /api/v1/releases"] = R("POST", "/api/v1/releases", ReleaseWriters, HttpStatusCode.Created, _ => ReleasesMatrix.Registration(ReleasesMatrix.Fresh("m"))),
        ["GET /api/v1/releases"] = R("GET", "/api/v1/releases?service=matrix", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/releases/{service}/{version}"] = R("GET", async (f, _) => $"/api/v1/releases/matrix/{await ReleasesMatrix.ReleaseAsync(f.Factory)}", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/releases/{service}/{version}/timeline"] = R("GET", async (f, _) => $"/api/v1/releases/matrix/{await ReleasesMatrix.ReleaseAsync(f.Factory)}/timeline", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/releases/{service}/{version}/checks"] = R("POST", async (f, _) => $"/api/v1/releases/matrix/{await ReleasesMatrix.ReleaseAsync(f.Factory)}/checks?name=unit",
            ReleaseWriters, HttpStatusCode.OK, _ => ReleasesMatrix.JUnit),
        ["GET /api/v1/services/{service}/pipeline"] = R("GET", "/api/v1/services/matrix/pipeline", Everyone, HttpStatusCode.OK),
        ["PUT /api/v1/services/{service}/pipeline"] = R("PUT", "/api/v1/services/matrix/pipeline", ReleaseWriters, HttpStatusCode.OK,
            _ => new { stages = new[] { new { environment = "dev" } } }),
        ["GET /api/v1/services/{service}/profile"] = R("GET", async (f, _) => $"/api/v1/services/{await ReleasesMatrix.ProfileAsync(f.Factory)}/profile", Everyone, HttpStatusCode.OK),
        ["PUT /api/v1/services/{service}/profile"] = R("PUT", "/api/v1/services/matrix/profile", ReleaseWriters, HttpStatusCode.OK, role => new { owner = role }),
        ["GET /api/v1/freezes"] = R("GET", "/api/v1/freezes", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/freezes"] = R("POST", "/api/v1/freezes", ReleaseWriters, HttpStatusCode.Created, _ => ReleasesMatrix.Freeze()),
        ["DELETE /api/v1/freezes/{id}"] = R("DELETE", async (f, _) => $"/api/v1/freezes/{await ReleasesMatrix.FreezeAsync(f.Factory)}", ReleaseWriters, HttpStatusCode.NoContent),
        ["GET /api/v1/freezes/state"] = R("GET", "/api/v1/freezes/state?service=matrix&environment=dev", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/freezes/occurrences"] = R("GET", "/api/v1/freezes/occurrences", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/config/diff"] = R("GET", "/api/v1/config/diff?service=matrix&from=dev&to=dev", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/config/{service}/{environment}"] = R("GET", "/api/v1/config/matrix/dev", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/config/{service}/{environment}/snapshot"] = R("GET", "/api/v1/config/matrix/dev/snapshot", Everyone, HttpStatusCode.OK),
        ["PUT /api/v1/config/{service}/{environment}/{key}"] = R("PUT", "/api/v1/config/matrix/dev/MATRIX_FLAG", ReleaseWriters, HttpStatusCode.OK, role => new { value = role }),
        ["DELETE /api/v1/config/{service}/{environment}/{key}"] = R("DELETE", async (f, _) => $"/api/v1/config/matrix/dev/{await ReleasesMatrix.ConfigKeyAsync(f.Factory)}",
            ReleaseWriters, HttpStatusCode.NoContent),
        ["GET /api/v1/slos"] = R("GET", "/api/v1/slos", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/slos"] = R("POST", "/api/v1/slos", SloEditors, HttpStatusCode.Created, role => MatrixSlo(role)),
        ["GET /api/v1/slos/{id}"] = R("GET", async (f, _) => $"/api/v1/slos/{await MatrixSloAsync(f)}", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/slos/{id}/burn-down"] = R("GET", async (f, _) => $"/api/v1/slos/{await MatrixSloAsync(f)}/burn-down", Everyone, HttpStatusCode.OK),
        ["DELETE /api/v1/slos/{id}"] = R("DELETE", async (f, _) => $"/api/v1/slos/{await MatrixSloAsync(f)}", SloEditors, HttpStatusCode.NoContent),
        ["GET /api/v1/slos/prometheus-rules"] = R("GET", "/api/v1/slos/prometheus-rules?service=matrix", Everyone, HttpStatusCode.OK),
        ["GET /api/v1/gamedays"] = R("GET", "/api/v1/gamedays", Everyone, HttpStatusCode.OK),
        ["POST /api/v1/gamedays"] = R("POST", "/api/v1/gamedays", GameDayRunners, HttpStatusCode.Created, _ => GameDays.GameDaysMatrix.Plan()),
        ["GET /api/v1/gamedays/{id}"] = R("GET", async (f, _) => $"/api/v1/gamedays/{await GameDays.GameDaysMatrix.PlannedAsync(f.Factory)}", Everyone, HttpStatusCode.OK),
        ["PUT /api/v1/gamedays/{id}"] = R("PUT", async (f, _) => $"/api/v1/gamedays/{await GameDays.GameDaysMatrix.PlannedAsync(f.Factory)}", GameDayRunners, HttpStatusCode.OK,
            _ => GameDays.GameDaysMatrix.Plan()),
        ["POST /api/v1/gamedays/{id}/start"] = R("POST", async (f, _) => $"/api/v1/gamedays/{await GameDays.GameDaysMatrix.PlannedAsync(f.Factory)}/start", GameDayRunners, HttpStatusCode.OK),
        ["POST /api/v1/gamedays/{id}/abort"] = R("POST", async (f, _) => $"/api/v1/gamedays/{await GameDays.GameDaysMatrix.StartedAsync(f.Factory)}/abort", GameDayRunners, HttpStatusCode.OK,
            _ => new { reason = "matrix" }),
        ["POST /api/v1/gamedays/{id}/complete"] = R("POST", async (f, _) => $"/api/v1/gamedays/{await GameDays.GameDaysMatrix.StartedAsync(f.Factory)}/complete", GameDayRunners, HttpStatusCode.OK),
        ["POST /api/v1/gamedays/{id}/notes"] = R("POST", async (f, _) => $"/api/v1/gamedays/{await GameDays.GameDaysMatrix.PlannedAsync(f.Factory)}/notes", GameDayRunners, HttpStatusCode.OK,
            role => new { text = $"note by {role}" }),
        ["POST /api/v1/gamedays/{id}/action-items"] = R("POST", async (f, _) => $"/api/v1/gamedays/{await GameDays.GameDaysMatrix.FinishedAsync(f.Factory)}/action-items", GameDayRunners,
            HttpStatusCode.OK, role => new { text = "Add a runbook link", owner = role, dueDate = "2026-12-31" }),
        ["PUT /api/v1/gamedays/{id}/observations"] = R("PUT", async (f, _) => $"/api/v1/gamedays/{await GameDays.GameDaysMatrix.FinishedAsync(f.Factory)}/observations", GameDayRunners,
            HttpStatusCode.OK, _ => new { observations = "The alert fired late." }),
        ["GET /api/v1/gamedays/{id}/report"] = R("GET", async (f, _) => $"/api/v1/gamedays/{await GameDays.GameDaysMatrix.FinishedAsync(f.Factory)}/report?format=markdown", Everyone,
            HttpStatusCode.OK),
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
        // Incident, SLO and game-day ids are numbers (a GUID would match no route and fall through to the 404 fallback).
        .Replace("/incidents/{id}", "/incidents/1")
        .Replace("/slos/{id}", "/slos/1")
        .Replace("/gamedays/{id}", "/gamedays/1")
        .Replace("{userName}", "admin").Replace("{id}", Guid.NewGuid().ToString()).Replace("{number}", "1").Replace("{slug}", "matrix")
        .Replace("{service}", RoleMatrixFixture.Service).Replace("{environment}", RoleMatrixFixture.Environment) switch
    {
        "/hubs/events/negotiate" => "/hubs/events/negotiate?negotiateVersion=1",
        var p => p,
    };
}
