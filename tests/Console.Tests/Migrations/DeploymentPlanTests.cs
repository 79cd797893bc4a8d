using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Hosting;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Console.Tests.Shared;

namespace OpsConsole.Console.Tests.Migrations;

/// <summary>Deployment plans over the fake cluster and the demo's SQLite targets: expand, rollout, contract.</summary>
public sealed class DeploymentPlanTests(FakeClusterConsoleFactory factory) : IClassFixture<FakeClusterConsoleFactory>
{
    private async Task SeedAsync(string service, string environment)
    {
        await factory.Services.SeedDemoMigrationTargetsAsync(factory.Services.GetRequiredService<ConsoleSettings>());
        await factory.SeedTargetAsync(service, environment);
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

    private static string[] Names(JsonElement status, string list) => [.. status.GetProperty(list).EnumerateArray().Select(e => e.GetProperty("name").GetString()!)];

    [Fact]
    public async Task Expand_changes_run_before_the_rollout_and_contract_changes_after_it_succeeded()
    {
        await SeedAsync("payments", "dev");
        using var admin = factory.CreateAdminClient();
        var created = await admin.PostAsJsonAsync("/api/v1/deployment-plans", new { service = "payments", environment = "dev", version = "1.1.0" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created);
        var id = (await created.ReadJsonAsync()).GetProperty("id").GetGuid();

        var rolling = await WaitForPlanAsync(admin, id, "RollingOut", "Failed");
        Assert.Equal("RollingOut", rolling.GetProperty("status").GetString());
        var status = await (await admin.GetAsync("/api/v1/migrations/payments/dev")).ReadJsonAsync();
        Assert.Equal(["001_create_payments", "002_create_refunds"], Names(status, "applied"));
        Assert.Equal(["003_drop_legacy_gateway_ref"], Names(status, "pending")); // contract waits for the rollout

        var rolloutId = rolling.GetProperty("rolloutId").GetGuid();
        await admin.PostAsync($"/api/v1/rollouts/{rolloutId}/promote-full", null).EnsureStatusAsync(HttpStatusCode.OK);

        var done = await WaitForPlanAsync(admin, id, "Succeeded", "Failed");
        Assert.Equal("Succeeded", done.GetProperty("status").GetString());
        var contract = await (await admin.GetAsync($"/api/v1/migration-batches/{done.GetProperty("contractBatchId").GetGuid()}")).ReadJsonAsync();
        Assert.Equal("contract", Assert.Single(contract.GetProperty("changes").EnumerateArray()).GetProperty("phase").GetString());
        Assert.Empty((await (await admin.GetAsync("/api/v1/migrations/payments/dev")).ReadJsonAsync()).GetProperty("pending").EnumerateArray());
    }

    [Fact]
    public async Task A_failed_expand_stops_the_rollout_from_starting()
    {
        await SeedAsync("payments", "staging");
        using var admin = factory.CreateAdminClient();
        // A target that cannot be opened: the file does not exist and may not be created.
        var missing = Path.Combine(factory.DataDirectory, "missing", "payments-staging.db");
        await admin.PutAsJsonAsync("/api/v1/migrations/payments/staging/target",
            new { provider = "sqlite", connectionString = $"Data Source={missing};Mode=ReadWrite" }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);

        // The status of an unreachable target is a 409 naming it, not a 500.
        var unreadable = await admin.GetAsync("/api/v1/migrations/payments/staging");
        Assert.Equal(HttpStatusCode.Conflict, unreadable.StatusCode);

        var response = await admin.PostAsJsonAsync("/api/v1/deployment-plans", new { service = "payments", environment = "staging", version = "1.1.0" }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created);
        var plan = await WaitForPlanAsync(admin, (await response.ReadJsonAsync()).GetProperty("id").GetGuid(), "Failed", "RollingOut");
        Assert.Equal("Failed", plan.GetProperty("status").GetString());
        Assert.Contains("rollout was not started", plan.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, plan.GetProperty("rolloutId").ValueKind);
        var expand = await (await admin.GetAsync($"/api/v1/migration-batches/{plan.GetProperty("expandBatchId").GetGuid()}")).ReadJsonAsync();
        Assert.Equal("Failed", expand.GetProperty("status").GetString());
        await admin.GetAsync($"/api/v1/migration-batches/{plan.GetProperty("expandBatchId").GetGuid()}/evidence").EnsureStatusAsync(HttpStatusCode.OK);
        Assert.False(await factory.WithStoreAsync(db => db.Rollouts.AnyAsync(r => r.Service == "payments" && r.Environment == "staging")));
    }
}
