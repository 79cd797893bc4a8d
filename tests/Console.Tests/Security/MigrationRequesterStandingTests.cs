using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Tests.Migrations;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Migrations.Orchestration;
using static OpsConsole.Console.Tests.Security.MigrationAttackKit;

namespace OpsConsole.Console.Tests.Security;

/// <summary>
/// A scheduled batch runs with its requester's roles as they are when it runs: a ReleaseManager
/// demoted or disabled after scheduling cannot have the batch run on their behalf later.
/// </summary>
public sealed class MigrationRequesterStandingTests(MigrationConsoleFactory factory) : IClassFixture<MigrationConsoleFactory>
{
    private static readonly Change Create = new("001_create_notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY);\n", Revert: "DROP TABLE notes;\n");

    private async Task<(Guid Id, string File, string UserName)> ScheduleAsync(string service)
    {
        var file = await TargetAsync(factory, service);
        var (name, rm) = await factory.UserClientAsync(Roles.ReleaseManager);
        await UploadAsync(rm, service, "1.0.0", Create);
        var batch = await (await rm.PostAsJsonAsync($"/api/v1/migrations/{service}/dev/apply", new { scheduledFor = DateTime.UtcNow.AddHours(1) }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Accepted)).ReadJsonAsync();
        Assert.Equal("Pending", batch.GetProperty("status").GetString());
        return (batch.GetProperty("batchId").GetGuid(), file, name);
    }

    private async Task AssertRefusedAsync(Guid id, string service, string file, string reason)
    {
        // When the scheduler starts the job.
        await factory.Services.GetRequiredService<MigrationBatchExecutor>().ExecuteAsync(id);

        using var admin = factory.CreateAdminClient();
        var batch = await (await admin.GetAsync($"/api/v1/migration-batches/{id}")).ReadJsonAsync();
        Assert.Equal("Failed", batch.GetProperty("status").GetString());
        Assert.Contains(reason, batch.GetProperty("message").GetString());
        Assert.Contains("Nothing was run", batch.GetProperty("message").GetString());
        Assert.False(await HasTableAsync(file, "notes"));
        Assert.Empty(Names(await StatusAsync(admin, service), "applied"));
        Assert.True(await factory.WithStoreAsync(db => db.AuditEntries.AnyAsync(a => a.Action == "migration.run-refused" && a.Target == $"{service}/dev")));
        await ConsoleState.AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task A_requester_demoted_after_scheduling_has_the_batch_refused_when_it_runs()
    {
        var (id, file, name) = await ScheduleAsync("standing-demoted");
        using var admin = factory.CreateAdminClient();
        await admin.PutAsJsonAsync($"/api/v1/users/{name}/roles", new { roles = new[] { Roles.Viewer } }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);

        await AssertRefusedAsync(id, "standing-demoted", file, $"{name} no longer holds the role ReleaseManager");
    }

    [Fact]
    public async Task A_requester_disabled_after_scheduling_has_the_batch_refused_when_it_runs()
    {
        var (id, file, name) = await ScheduleAsync("standing-disabled");
        using var admin = factory.CreateAdminClient();
        await admin.PostAsync($"/api/v1/users/{name}/disable", null).EnsureStatusAsync(HttpStatusCode.NoContent);

        await AssertRefusedAsync(id, "standing-disabled", file, $"{name} is disabled");
    }
}
