using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Tests.Migrations;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Migrations.Orchestration;
using static OpsConsole.Console.Tests.Security.MigrationAttackKit;

namespace OpsConsole.Console.Tests.Security;

/// <summary>
/// An approval approves exactly the SQL the approver was shown: a bundle uploaded after the
/// request or the approval does not run under it, and an approval too old when its job starts is
/// not used. Jobs are started here the way the scheduler would start them, at a chosen moment.
/// </summary>
public sealed class MigrationApprovalBindingTests(MigrationConsoleFactory factory) : IClassFixture<MigrationConsoleFactory>
{
    private static readonly Change Innocent = new("001_create_notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n", Revert: "DROP TABLE notes;\n");

    private static readonly Change Swapped = new("001_create_notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\nCREATE TABLE marker (id INTEGER);\n",
        Revert: "DROP TABLE marker;\nDROP TABLE notes;\n");

    /// <summary>An apply on a prod target that needs approval, requested for later so its job waits for the scheduler.</summary>
    private async Task<(Guid Id, string File, HttpClient Requester, HttpClient Approver, JsonElement Batch)> RequestLaterAsync(string service)
    {
        var file = await TargetAsync(factory, service, "prod", requiresApproval: true);
        var (_, requester) = await factory.UserClientAsync(Roles.ReleaseManager);
        var (_, approver) = await factory.UserClientAsync(Roles.ReleaseManager);
        await UploadAsync(requester, service, "1.0.0", Innocent);
        var batch = await (await requester.PostAsJsonAsync($"/api/v1/migrations/{service}/prod/apply", new { scheduledFor = DateTime.UtcNow.AddHours(1) }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Accepted)).ReadJsonAsync();
        return (batch.GetProperty("batchId").GetGuid(), file, requester, approver, batch);
    }

    private Task RunJobNowAsync(Guid id) => factory.Services.GetRequiredService<MigrationBatchExecutor>().ExecuteAsync(id);

    private async Task<JsonElement> BatchAsync(HttpClient client, Guid id) =>
        await (await client.GetAsync($"/api/v1/migration-batches/{id}").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();

    [Fact]
    public async Task The_approver_sees_the_recorded_SQL_and_a_bundle_uploaded_after_approval_does_not_run()
    {
        var (id, file, requester, approver, requested) = await RequestLaterAsync("approval-swap");
        using var admin = factory.CreateAdminClient();

        // What the approver is shown: the change, its checksum and its SQL, and the source it came from.
        var shown = await BatchAsync(approver, id);
        var change = Assert.Single(shown.GetProperty("recorded").GetProperty("changes").EnumerateArray());
        Assert.Equal("001_create_notes", change.GetProperty("name").GetString());
        Assert.Equal(Innocent.Deploy, change.GetProperty("scripts")[0].GetProperty("sql").GetString());
        Assert.Equal("bundle approval-swap 1.0.0", shown.GetProperty("sourceOrigin").GetString());
        Assert.Equal(requested.GetProperty("sourceChecksum").GetString(), shown.GetProperty("sourceChecksum").GetString());

        await approver.PostAsync($"/api/v1/migration-batches/{id}/approve", null).EnsureStatusAsync(HttpStatusCode.Accepted);
        Assert.NotEqual(JsonValueKind.Null, (await BatchAsync(approver, id)).GetProperty("approvalExpiresAt").ValueKind);
        await UploadAsync(requester, "approval-swap", "1.0.1", Swapped);
        await RunJobNowAsync(id);

        var batch = await BatchAsync(admin, id);
        Assert.Equal("Failed", batch.GetProperty("status").GetString());
        Assert.Contains("changed since the batch was requested and approved", batch.GetProperty("message").GetString());
        Assert.False(await HasTableAsync(file, "marker"));
        Assert.False(await HasTableAsync(file, "notes"));
        Assert.Empty(Names(await StatusAsync(admin, "approval-swap", "prod"), "applied"));
        Assert.True(await factory.WithStoreAsync(db => db.AuditEntries.AnyAsync(a => a.Action == "migration.run-refused" && a.Target == "approval-swap/prod")));
        await ConsoleState.AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task Approving_after_the_source_changed_is_refused()
    {
        var (id, file, requester, approver, _) = await RequestLaterAsync("approval-late-upload");
        await UploadAsync(requester, "approval-late-upload", "1.0.1", Swapped);

        var response = await approver.PostAsync($"/api/v1/migration-batches/{id}/approve", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("changed since batch", (await response.ReadJsonAsync()).GetProperty("detail").GetString());
        Assert.Equal("AwaitingApproval", (await BatchAsync(approver, id)).GetProperty("status").GetString());
        Assert.False(File.Exists(file) && await HasTableAsync(file, "marker"));
    }

    [Fact]
    public async Task An_approval_older_than_the_limit_when_the_job_starts_is_not_used_and_the_batch_waits_for_a_new_one()
    {
        var (id, file, _, approver, _) = await RequestLaterAsync("approval-expiry");
        using var admin = factory.CreateAdminClient();
        await approver.PostAsync($"/api/v1/migration-batches/{id}/approve", null).EnsureStatusAsync(HttpStatusCode.Accepted);
        // The job starts 25 hours after the approval (the default limit is 24 h).
        await factory.WithStoreAsync(db => db.MigrationBatches.Where(b => b.Id == id)
            .ExecuteUpdateAsync(u => u.SetProperty(b => b.ApprovedAt, DateTime.UtcNow.AddHours(-25))));

        await RunJobNowAsync(id);

        var batch = await BatchAsync(admin, id);
        Assert.Equal("AwaitingApproval", batch.GetProperty("status").GetString());
        Assert.Contains("expired", batch.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, batch.GetProperty("approvedBy").ValueKind);
        Assert.False(File.Exists(file) && await HasTableAsync(file, "notes"));
        Assert.True(await factory.WithStoreAsync(db => db.AuditEntries.AnyAsync(a => a.Action == "migration.approval-expired" && a.Target == "approval-expiry/prod")));
        await ConsoleState.AssertAuditIntactAsync(admin);

        // A fresh approval runs it.
        await approver.PostAsync($"/api/v1/migration-batches/{id}/approve", null).EnsureStatusAsync(HttpStatusCode.Accepted);
        await RunJobNowAsync(id);
        Assert.Equal("Succeeded", (await BatchAsync(admin, id)).GetProperty("status").GetString());
        Assert.True(await HasTableAsync(file, "notes"));
    }

    [Fact]
    public async Task A_batch_scheduled_beyond_the_approval_limit_cannot_be_approved_yet()
    {
        var file = await TargetAsync(factory, "approval-far", "prod", requiresApproval: true);
        var (_, requester) = await factory.UserClientAsync(Roles.ReleaseManager);
        var (_, approver) = await factory.UserClientAsync(Roles.ReleaseManager);
        await UploadAsync(requester, "approval-far", "1.0.0", Innocent);
        var id = (await (await requester.PostAsJsonAsync("/api/v1/migrations/approval-far/prod/apply", new { scheduledFor = DateTime.UtcNow.AddDays(3) }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Accepted)).ReadJsonAsync()).GetProperty("batchId").GetGuid();

        var response = await approver.PostAsync($"/api/v1/migration-batches/{id}/approve", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("approve it closer to its time", (await response.ReadJsonAsync()).GetProperty("detail").GetString());
        Assert.False(File.Exists(file) && await HasTableAsync(file, "notes"));
    }
}
