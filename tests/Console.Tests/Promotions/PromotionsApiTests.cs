using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Promotions;
using OpsConsole.Core.Releases;
using static OpsConsole.Console.Tests.Promotions.PromotionConsoleFactory;

namespace OpsConsole.Console.Tests.Promotions;

/// <summary>Promotions through the API: gates with reasons, 201/404/409, the four-eyes rule on the server, freezes, rejection, Ci tokens.</summary>
public sealed class PromotionsApiTests(PromotionConsoleFactory factory) : IClassFixture<PromotionConsoleFactory>
{
    [Fact]
    public async Task A_request_answers_201_and_waits_at_its_gates_with_their_reasons()
    {
        var service = await factory.SeedPipelineAsync(dev: s => s.RequiredChecks = "unit");
        var (_, rm) = await factory.UserClientAsync(Roles.ReleaseManager);
        var response = await rm.PostAsJsonAsync("/api/v1/promotions", new { service, version = "1.0.0", environment = "dev" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created);
        var ticket = await response.ReadJsonAsync();
        Assert.Equal("WaitingForGates", ticket.GetProperty("status").GetString());
        var id = ticket.GetProperty("id").GetGuid();
        Assert.EndsWith($"/api/v1/promotions/{id}", response.Headers.Location!.ToString());

        var promotion = await GetAsync(rm, id);
        var checks = GateOf(promotion, "checks");
        Assert.False(checks.GetProperty("passed").GetBoolean());
        Assert.Contains("Not reported yet: unit", checks.GetProperty("reason").GetString());
        Assert.True(GateOf(promotion, "previous-stage").GetProperty("passed").GetBoolean());
        Assert.Equal(1, await factory.CountEventsAsync(EventTypes.PromotionRequested, id));
        Assert.Equal(1, await factory.CountAuditAsync("promotion.request", $"{service}/dev"));

        // The list filters by service and status.
        var listed = await (await rm.GetAsync($"/api/v1/promotions?service={service}&status=WaitingForGates")).ReadJsonAsync();
        Assert.Equal(id, Assert.Single(listed.EnumerateArray()).GetProperty("id").GetGuid());
        await rm.GetAsync("/api/v1/promotions?status=Sideways").EnsureStatusAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Unknown_releases_stages_and_promotions_are_404_and_a_second_request_in_flight_is_409()
    {
        var service = await factory.SeedPipelineAsync(dev: s => s.RequiredChecks = "unit");
        var (_, rm) = await factory.UserClientAsync(Roles.ReleaseManager);
        await rm.PostAsJsonAsync("/api/v1/promotions", new { service, version = "9.9.9", environment = "dev" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.NotFound);
        await rm.PostAsJsonAsync("/api/v1/promotions", new { service, version = "1.0.0", environment = "moon" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.NotFound);
        await rm.GetAsync($"/api/v1/promotions/{Guid.NewGuid()}").EnsureStatusAsync(HttpStatusCode.NotFound);
        await rm.PostAsJsonAsync("/api/v1/promotions", new { service, version = "", environment = "dev" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.BadRequest);

        var first = await RequestAsync(rm, service, "dev");
        var again = await rm.PostAsJsonAsync("/api/v1/promotions", new { service, version = "1.0.0", environment = "dev" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Conflict);
        Assert.Contains(first.ToString(), await again.Content.ReadAsStringAsync());

        // Cancelled, the slot is free again.
        await rm.PostAsync($"/api/v1/promotions/{first}/cancel", null).EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("Cancelled", (await GetAsync(rm, first)).GetProperty("status").GetString());
        await RequestAsync(rm, service, "dev");
    }

    [Fact]
    public async Task The_requester_cannot_approve_their_own_promotion_nor_can_a_Viewer_and_another_ReleaseManager_can()
    {
        var service = await factory.SeedPipelineAsync(dev: s => s.RequiredApprovals = 1);
        var (alice, aliceClient) = await factory.UserClientAsync(Roles.ReleaseManager);
        var (_, viewer) = await factory.UserClientAsync(Roles.Viewer);
        var (bob, bobClient) = await factory.UserClientAsync(Roles.ReleaseManager);
        var id = await RequestAsync(aliceClient, service, "dev");
        var waiting = await GetAsync(aliceClient, id);
        Assert.Equal("AwaitingApproval", waiting.GetProperty("status").GetString());
        Assert.Contains($"other than the requester {alice}", GateOf(waiting, "approvals").GetProperty("reason").GetString());

        var own = await aliceClient.PostAsJsonAsync($"/api/v1/promotions/{id}/approve", new { comment = "lgtm" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Forbidden);
        var problem = await own.ReadJsonAsync();
        Assert.Contains("four-eyes", problem.GetProperty("detail").GetString());
        await viewer.PostAsJsonAsync($"/api/v1/promotions/{id}/approve", new { comment = "me too" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Forbidden);
        await aliceClient.PostAsJsonAsync($"/api/v1/promotions/{id}/reject", new { comment = "no" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Forbidden);

        var unchanged = await GetAsync(aliceClient, id);
        Assert.Equal("AwaitingApproval", unchanged.GetProperty("status").GetString());
        Assert.Empty(unchanged.GetProperty("approvals").EnumerateArray());
        Assert.Equal(0, await factory.CountEventsAsync(EventTypes.PromotionApproved, id));

        await bobClient.PostAsJsonAsync($"/api/v1/promotions/{id}/approve", new { comment = "ship it" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        var done = await WaitForAsync(bobClient, id, "Succeeded", "Failed");
        Assert.Equal("Succeeded", done.GetProperty("status").GetString());
        Assert.Equal(bob, Assert.Single(done.GetProperty("approvals").EnumerateArray()).GetProperty("by").GetString());
        Assert.NotEqual(JsonValueKindNull, done.GetProperty("planId").ValueKind);
        Assert.NotEqual(JsonValueKindNull, done.GetProperty("rolloutId").ValueKind);
        Assert.Equal(1, await factory.CountEventsAsync(EventTypes.PromotionApproved, id));
        Assert.Equal(1, await factory.CountEventsAsync(EventTypes.PromotionCompleted, id));

        // The release now runs in dev: the next stage's previous-stage gate passes.
        var running = await factory.WithStoreAsync(db => Task.FromResult(db.ReleaseEnvironments.Single(r => r.Service == service && r.Environment == "dev")));
        Assert.NotNull(running.HealthySince);
        var next = await RequestAsync(aliceClient, service, "prod");
        Assert.True(GateOf(await GetAsync(aliceClient, next), "previous-stage").GetProperty("passed").GetBoolean());
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    [Fact]
    public async Task Approvals_become_void_when_the_config_changes()
    {
        var service = await factory.SeedPipelineAsync(dev: s => { s.RequiredApprovals = 2; });
        var (_, alice) = await factory.UserClientAsync(Roles.ReleaseManager);
        var (_, bob) = await factory.UserClientAsync(Roles.ReleaseManager);
        var (_, carol) = await factory.UserClientAsync(Roles.ReleaseManager);
        var id = await RequestAsync(alice, service, "dev");
        await bob.PostAsJsonAsync($"/api/v1/promotions/{id}/approve", new { comment = "ok" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        factory.Configs.Configs[$"{service}/dev"] = new() { ["FEATURE_X"] = "on" };
        await carol.PostAsJsonAsync($"/api/v1/promotions/{id}/approve", new { comment = "ok" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        var promotion = await GetAsync(alice, id);
        Assert.Equal("AwaitingApproval", promotion.GetProperty("status").GetString());
        var gate = GateOf(promotion, "approvals").GetProperty("reason").GetString();
        Assert.Contains("1 of 2", gate);
        Assert.Contains("1 void", gate);
    }

    [Fact]
    public async Task Promoting_during_a_freeze_waits_with_the_freeze_reason_until_an_Admin_breaks_the_glass()
    {
        var service = await factory.SeedPipelineAsync();
        factory.Freezes.Frozen[$"{service}/dev"] = "Weekend freeze";
        var (_, rm) = await factory.UserClientAsync(Roles.ReleaseManager);
        var id = await RequestAsync(rm, service, "dev");
        var frozen = await GetAsync(rm, id);
        Assert.Equal("WaitingForGates", frozen.GetProperty("status").GetString());
        var gate = GateOf(frozen, "freeze");
        Assert.False(gate.GetProperty("passed").GetBoolean());
        Assert.Contains("Weekend freeze", gate.GetProperty("reason").GetString());

        // Only an Admin, only with a reason.
        await rm.PostAsJsonAsync($"/api/v1/promotions/{id}/override-freeze", new { reason = "hotfix" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Forbidden);
        using var admin = factory.CreateAdminClient();
        await admin.PostAsJsonAsync($"/api/v1/promotions/{id}/override-freeze", new { reason = " " }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.BadRequest);
        Assert.Equal("WaitingForGates", (await GetAsync(rm, id)).GetProperty("status").GetString());
        Assert.Equal(0, await factory.CountEventsAsync(EventTypes.FreezeOverridden, id));

        await admin.PostAsJsonAsync($"/api/v1/promotions/{id}/override-freeze", new { reason = "security hotfix CVE-1" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        var done = await WaitForAsync(rm, id, "Succeeded", "Failed");
        Assert.Equal("Succeeded", done.GetProperty("status").GetString());
        Assert.Contains("security hotfix CVE-1", GateOf(done, "freeze").GetProperty("reason").GetString());
        Assert.Equal(1, await factory.CountEventsAsync(EventTypes.FreezeOverridden, id));
        Assert.Equal(1, await factory.CountAuditAsync("promotion.override-freeze", $"{service}/dev"));
    }

    [Fact]
    public async Task A_failed_deployment_rejects_the_release_for_the_pipeline_until_a_ReleaseManager_lifts_it()
    {
        var service = await factory.SeedPipelineAsync(strategy: WaitingStrategy);
        var (_, rm) = await factory.UserClientAsync(Roles.ReleaseManager);
        var id = await RequestAsync(rm, service, "dev");
        var rolloutId = Guid.Empty;
        await Wait.UntilAsync(async () =>
        {
            var p = await GetAsync(rm, id);
            if (p.GetProperty("rolloutId").ValueKind != JsonValueKindNull) rolloutId = p.GetProperty("rolloutId").GetGuid();
            return rolloutId != Guid.Empty;
        }, "the promotion's rollout to start", TimeSpan.FromSeconds(30));
        using var admin = factory.CreateAdminClient();
        await admin.PostAsync($"/api/v1/rollouts/{rolloutId}/abort", null).EnsureStatusAsync(HttpStatusCode.OK);

        var failed = await WaitForAsync(rm, id, "Failed", "Succeeded");
        Assert.Equal("Failed", failed.GetProperty("status").GetString());
        Assert.Equal(1, await factory.CountEventsAsync(EventTypes.PromotionFailed, id));

        var refused = await rm.PostAsJsonAsync("/api/v1/promotions", new { service, version = "1.0.0", environment = "dev" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Conflict);
        Assert.Contains("rejected for the pipeline", await refused.Content.ReadAsStringAsync());

        await rm.PostAsJsonAsync("/api/v1/promotions/lift-rejection", new { service, version = "1.0.0", reason = "flaky probe fixed" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(1, await factory.CountAuditAsync("promotion.lift-rejection", $"{service}/1.0.0"));
        await RequestAsync(rm, service, "dev");
    }

    [Fact]
    public async Task A_rejection_ends_the_promotion()
    {
        var service = await factory.SeedPipelineAsync(dev: s => s.RequiredApprovals = 1);
        var (_, alice) = await factory.UserClientAsync(Roles.ReleaseManager);
        var (_, bob) = await factory.UserClientAsync(Roles.ReleaseManager);
        var id = await RequestAsync(alice, service, "dev");
        await bob.PostAsJsonAsync($"/api/v1/promotions/{id}/reject", new { comment = "" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.BadRequest);
        await bob.PostAsJsonAsync($"/api/v1/promotions/{id}/reject", new { comment = "changelog is empty" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("Rejected", (await GetAsync(alice, id)).GetProperty("status").GetString());
        await bob.PostAsJsonAsync($"/api/v1/promotions/{id}/approve", new { comment = "too late" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Conflict);
        Assert.Equal(1, await factory.CountEventsAsync(EventTypes.PromotionRejected, id));
    }

    [Fact]
    public async Task A_Ci_token_requests_and_follows_a_promotion_but_cannot_approve()
    {
        var service = await factory.SeedPipelineAsync(dev: s => { s.RequiredChecks = "unit"; });
        var (alice, _) = await factory.UserClientAsync(Roles.ReleaseManager);
        using var ci = await factory.CiClientAsync(alice);
        var id = await RequestAsync(ci, service, "dev");
        Assert.Equal(alice, (await GetAsync(ci, id)).GetProperty("requestedBy").GetString());
        await ci.PostAsJsonAsync($"/api/v1/promotions/{id}/approve", new { comment = "self" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Forbidden);
        await ci.GetAsync("/api/v1/rollouts").EnsureStatusAsync(HttpStatusCode.Forbidden); // nothing beyond its scope

        // The check arrives later (as the releases code reports it): the promotion proceeds by itself.
        await factory.WithStoreAsync(async db =>
        {
            var release = db.Releases.Single(r => r.Service == service);
            db.ReleaseChecks.Add(new ReleaseCheck { ReleaseId = release.Id, Name = "unit", Passed = true, Tests = 4, ReportedBy = alice, ReportedAt = DateTime.UtcNow });
            factory.Services.GetRequiredService<EventOutbox>().Add(db, Actor.System("test"), EventTypes.ReleaseChecksReported, service,
                new { service, version = "1.0.0", names = new[] { "unit" } });
            return await db.SaveChangesAsync();
        });
        var done = await WaitForAsync(ci, id, "Succeeded", "Failed");
        Assert.Equal("Succeeded", done.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Two_evaluations_at_once_start_one_plan()
    {
        var service = await factory.SeedPipelineAsync(dev: s => s.RequiredChecks = "unit", strategy: WaitingStrategy);
        var (_, rm) = await factory.UserClientAsync(Roles.ReleaseManager);
        var id = await RequestAsync(rm, service, "dev");
        await factory.WithStoreAsync(async db =>
        {
            var release = db.Releases.Single(r => r.Service == service);
            db.ReleaseChecks.Add(new ReleaseCheck { ReleaseId = release.Id, Name = "unit", Passed = true, Tests = 1, ReportedBy = "ci", ReportedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var scope = factory.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<PromotionDesk>().EvaluateAsync(id);
        }));
        await WaitForAsync(rm, id, "Deploying");
        var plans = await factory.WithStoreAsync(db => Task.FromResult(db.DeploymentPlans.Count(p => p.Service == service)));
        Assert.Equal(1, plans);
    }
}
