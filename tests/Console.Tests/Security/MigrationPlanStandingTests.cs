using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Hosting;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using static OpsConsole.Console.Tests.Security.MigrationAttackKit;

namespace OpsConsole.Console.Tests.Security;

/// <summary>
/// A deployment plan's later steps (its expand batch after approval, its contract batch after the
/// rollout) run on behalf of the ReleaseManager who created it as they are at that moment: once
/// demoted, the plan stops and no migration runs for it.
/// </summary>
public sealed class MigrationPlanStandingTests(FakeClusterConsoleFactory factory) : IClassFixture<FakeClusterConsoleFactory>
{
    private async Task SeedAsync(string environment)
    {
        await factory.Services.SeedDemoMigrationTargetsAsync(factory.Services.GetRequiredService<ConsoleSettings>());
        await factory.SeedTargetAsync("payments", environment);
    }

    private async Task<(string Name, HttpClient Client)> ReleaseManagerAsync()
    {
        var name = await factory.CreateUserAsync(Shared.Names.Password(), Roles.ReleaseManager);
        await using var scope = factory.Services.CreateAsyncScope();
        var issued = await scope.ServiceProvider.GetRequiredService<ApiTokens>()
            .IssueAsync(new Actor(name, new HashSet<string> { Roles.ReleaseManager }, "test"), "plans", [Roles.ReleaseManager], null);
        return (name, factory.CreateTokenClient(issued.Secret));
    }

    private static async Task<JsonElement> WaitForPlanAsync(HttpClient client, Guid id, params string[] statuses)
    {
        JsonElement plan = default;
        await Wait.UntilAsync(async () =>
        {
            plan = await (await client.GetAsync($"/api/v1/deployment-plans/{id}")).ReadJsonAsync();
            return statuses.Contains(plan.GetProperty("status").GetString());
        }, $"plan {id} to be {string.Join(" or ", statuses)}", TimeSpan.FromSeconds(30));
        return plan;
    }

    private async Task DemoteAsync(string name)
    {
        using var admin = factory.CreateAdminClient();
        await admin.PutAsJsonAsync($"/api/v1/users/{name}/roles", new { roles = new[] { Roles.Viewer } }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_plan_whose_creator_was_demoted_does_not_run_its_contract_changes_after_the_rollout()
    {
        await SeedAsync("dev");
        var (name, rm) = await ReleaseManagerAsync();
        using var admin = factory.CreateAdminClient();
        var created = await (await rm.PostAsJsonAsync("/api/v1/deployment-plans", new { service = "payments", environment = "dev", version = "1.1.0" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        var id = created.GetProperty("id").GetGuid();
        var rolling = await WaitForPlanAsync(admin, id, "RollingOut", "Failed");
        Assert.Equal("RollingOut", rolling.GetProperty("status").GetString());

        await DemoteAsync(name);
        await admin.PostAsync($"/api/v1/rollouts/{rolling.GetProperty("rolloutId").GetGuid()}/promote-full", null).EnsureStatusAsync(HttpStatusCode.OK);

        var plan = await WaitForPlanAsync(admin, id, "Failed", "Succeeded");
        Assert.Equal("Failed", plan.GetProperty("status").GetString());
        Assert.Contains($"{name} no longer holds the role ReleaseManager", plan.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, plan.GetProperty("contractBatchId").ValueKind);
        Assert.Equal(["003_drop_legacy_gateway_ref"], Names(await StatusAsync(admin, "payments", "dev"), "pending"));
        await ConsoleState.AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task An_approved_expand_batch_of_a_demoted_creator_is_refused_and_the_rollout_never_starts()
    {
        await SeedAsync("prod");
        var (name, rm) = await ReleaseManagerAsync();
        var (_, approver) = await ReleaseManagerAsync();
        using var admin = factory.CreateAdminClient();
        var created = await (await rm.PostAsJsonAsync("/api/v1/deployment-plans", new { service = "payments", environment = "prod", version = "1.1.0" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        var id = created.GetProperty("id").GetGuid();
        var expand = created.GetProperty("expandBatchId").GetGuid();

        await DemoteAsync(name);
        await approver.PostAsync($"/api/v1/migration-batches/{expand}/approve", null).EnsureStatusAsync(HttpStatusCode.Accepted);

        var plan = await WaitForPlanAsync(admin, id, "Failed", "RollingOut");
        Assert.Equal("Failed", plan.GetProperty("status").GetString());
        Assert.Contains("no longer holds the role ReleaseManager", plan.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, plan.GetProperty("rolloutId").ValueKind);
        Assert.Empty(Names(await StatusAsync(admin, "payments", "prod"), "applied"));
        Assert.False(await factory.WithStoreAsync(db => db.Rollouts.AnyAsync(r => r.Service == "payments" && r.Environment == "prod")));
        await ConsoleState.AssertAuditIntactAsync(admin);
    }
}
