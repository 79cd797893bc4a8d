using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Migrations.Orchestration;

namespace OpsConsole.Console.Tests.Migrations;

/// <summary>The migrations API contract on the demo's SQLite targets, through Hangfire jobs, as a script would use it.</summary>
public sealed class MigrationsApiTests(MigrationConsoleFactory factory) : IClassFixture<MigrationConsoleFactory>
{
    private static string[] Names(JsonElement list, string property = "name") =>
        [.. list.EnumerateArray().Select(e => e.GetProperty(property).GetString()!)];

    [Fact]
    public async Task Status_lists_applied_pending_and_drift()
    {
        using var admin = factory.CreateAdminClient();
        var status = await (await admin.GetAsync("/api/v1/migrations/checkout/staging").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        Assert.Empty(status.GetProperty("applied").EnumerateArray());
        Assert.Equal(["001_create_orders", "002_add_order_status", "003_create_order_lines"], Names(status.GetProperty("pending")));
        Assert.Empty(status.GetProperty("drift").EnumerateArray());
        Assert.DoesNotContain("Data Source", status.GetRawText());

        await admin.GetAsync("/api/v1/migrations/checkout/nowhere").EnsureStatusAsync(HttpStatusCode.NotFound);
        await admin.GetAsync("/api/v1/migrations/nothing/dev").EnsureStatusAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_dry_run_is_accepted_runs_as_a_job_and_reports_the_schema_diff_without_changing_the_target()
    {
        using var admin = factory.CreateAdminClient();
        var id = await MigrationConsoleFactory.PostRunAsync(admin, "/api/v1/migrations/catalog/dev/dry-run");
        var batch = await MigrationConsoleFactory.WaitForBatchAsync(admin, id, "Succeeded", "Failed");

        Assert.Equal("Succeeded", batch.GetProperty("status").GetString());
        Assert.Equal("dry-run", batch.GetProperty("kind").GetString());
        var changes = batch.GetProperty("changes");
        Assert.Equal(3, changes.GetArrayLength());
        Assert.All(changes.EnumerateArray(), c => Assert.Equal("Rehearsed", c.GetProperty("outcome").GetString()));
        Assert.Contains("products", batch.GetProperty("diff").GetString());

        var status = await (await admin.GetAsync("/api/v1/migrations/catalog/dev")).ReadJsonAsync();
        Assert.Empty(status.GetProperty("applied").EnumerateArray());
        Assert.Equal(3, status.GetProperty("pending").GetArrayLength());
    }

    [Fact]
    public async Task Apply_on_prod_waits_for_a_second_release_manager_then_applies_with_evidence_in_the_audit_chain()
    {
        using var admin = factory.CreateAdminClient();
        var (approver, approverClient) = await factory.UserClientAsync(Core.Access.Roles.ReleaseManager);
        using var _ = approverClient;

        var accepted = await admin.PostAsJsonAsync("/api/v1/migrations/checkout/prod/apply", new { }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.Accepted);
        var body = await accepted.ReadJsonAsync();
        var id = body.GetProperty("batchId").GetGuid();
        Assert.Equal("AwaitingApproval", body.GetProperty("status").GetString());

        // Nothing runs while it waits.
        await Task.Delay(1500);
        Assert.Equal("AwaitingApproval", (await (await admin.GetAsync($"/api/v1/migration-batches/{id}")).ReadJsonAsync()).GetProperty("status").GetString());
        Assert.Equal(3, (await (await admin.GetAsync("/api/v1/migrations/checkout/prod")).ReadJsonAsync()).GetProperty("pending").GetArrayLength());

        // The requester may not approve their own batch; evidence does not exist yet.
        var self = await admin.PostAsync($"/api/v1/migration-batches/{id}/approve", null);
        Assert.Equal(HttpStatusCode.Conflict, self.StatusCode);
        Assert.Contains("may not approve", (await self.ReadJsonAsync()).GetProperty("detail").GetString());
        await admin.GetAsync($"/api/v1/migration-batches/{id}/evidence").EnsureStatusAsync(HttpStatusCode.Conflict);

        await approverClient.PostAsync($"/api/v1/migration-batches/{id}/approve", null).EnsureStatusAsync(HttpStatusCode.Accepted);
        var batch = await MigrationConsoleFactory.WaitForBatchAsync(admin, id, "Succeeded", "Failed");
        Assert.Equal("Succeeded", batch.GetProperty("status").GetString());
        Assert.Equal(approver, batch.GetProperty("approvedBy").GetString());
        Assert.All(batch.GetProperty("changes").EnumerateArray(), c => Assert.Equal("Applied", c.GetProperty("outcome").GetString()));
        // Approving again is a conflict: it already ran.
        await approverClient.PostAsync($"/api/v1/migration-batches/{id}/approve", null).EnsureStatusAsync(HttpStatusCode.Conflict);

        var status = await (await admin.GetAsync("/api/v1/migrations/checkout/prod")).ReadJsonAsync();
        Assert.Equal(3, status.GetProperty("applied").GetArrayLength());
        Assert.Empty(status.GetProperty("pending").EnumerateArray());

        var evidenceResponse = await admin.GetAsync($"/api/v1/migration-batches/{id}/evidence").EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("application/json", evidenceResponse.Content.Headers.ContentType?.MediaType);
        var evidence = await evidenceResponse.ReadJsonAsync();
        var sha = evidence.GetProperty("sha256").GetString();
        Assert.Equal(batch.GetProperty("evidenceSha256").GetString(), sha);
        Assert.Equal(approver, evidence.GetProperty("approvedBy").GetString());
        Assert.DoesNotContain("Data Source", evidence.GetRawText());

        var audit = await factory.WithStoreAsync(db => db.AuditEntries.AsNoTracking()
            .Where(a => a.Action == "migration.apply" && a.Target == "checkout/prod").ToListAsync());
        var entry = Assert.Single(audit);
        Assert.Equal(sha, JsonDocument.Parse(entry.After!).RootElement.GetProperty("evidenceSha256").GetString());
        Assert.True(await factory.WithStoreAsync(db => db.OutboxEvents.AnyAsync(e => e.Type == "migration.applied" && e.Subject == "checkout/prod")));

        var markdown = await (await admin.GetAsync($"/api/v1/migration-batches/{id}/evidence?format=markdown").EnsureStatusAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync();
        Assert.Contains(sha!, markdown);
        Assert.Contains("# Migration apply of checkout in prod: Succeeded", markdown);
    }

    [Fact]
    public async Task Lint_findings_and_a_release_manager_s_waiver_are_reported_and_kept_in_the_evidence()
    {
        using var admin = factory.CreateAdminClient();
        var waivers = new[] { new { change = "003_drop_legacy_gateway_ref", ruleId = "drop-column", reason = "column unused since 2.0" } };
        var batch = await MigrationConsoleFactory.WaitForBatchAsync(admin,
            await MigrationConsoleFactory.PostRunAsync(admin, "/api/v1/migrations/payments/dev/apply", new { waivers }), "Succeeded", "Failed");

        Assert.Equal("Succeeded", batch.GetProperty("status").GetString());
        var finding = Assert.Single(batch.GetProperty("findings").EnumerateArray(), f => f.GetProperty("ruleId").GetString() == "drop-column");
        Assert.Equal("003_drop_legacy_gateway_ref", finding.GetProperty("change").GetString());
        Assert.Equal("column unused since 2.0", finding.GetProperty("waiverReason").GetString());
        Assert.False(string.IsNullOrEmpty(finding.GetProperty("safePattern").GetString()));
        var waiver = Assert.Single(batch.GetProperty("waivers").EnumerateArray());
        Assert.Equal("admin", waiver.GetProperty("by").GetString());

        var evidence = await (await admin.GetAsync($"/api/v1/migration-batches/{batch.GetProperty("batchId").GetGuid()}/evidence")).ReadJsonAsync();
        Assert.Equal("column unused since 2.0", Assert.Single(evidence.GetProperty("waivers").EnumerateArray()).GetProperty("reason").GetString());
        Assert.Empty((await (await admin.GetAsync("/api/v1/migrations/payments/dev")).ReadJsonAsync()).GetProperty("pending").EnumerateArray());
    }

    [Fact]
    public async Task A_batch_run_again_after_a_crash_applies_only_what_is_still_pending()
    {
        using var admin = factory.CreateAdminClient();
        var id = await MigrationConsoleFactory.PostRunAsync(admin, "/api/v1/migrations/catalog/staging/apply");
        await MigrationConsoleFactory.WaitForBatchAsync(admin, id, "Succeeded", "Failed");

        // As if the process died after the engine committed the changes but before the batch's final state was saved.
        await factory.WithStoreAsync(db => db.MigrationBatches.Where(b => b.Id == id)
            .ExecuteUpdateAsync(u => u.SetProperty(b => b.Status, MigrationBatchStatus.Running).SetProperty(b => b.EvidenceJson, (string?)null)));
        await factory.Services.GetRequiredService<MigrationBatchExecutor>().ExecuteAsync(id);

        var batch = await (await admin.GetAsync($"/api/v1/migration-batches/{id}")).ReadJsonAsync();
        Assert.Equal("Succeeded", batch.GetProperty("status").GetString());
        Assert.Equal(2, batch.GetProperty("attempts").GetInt32());
        Assert.DoesNotContain(batch.GetProperty("changes").EnumerateArray(), c => c.GetProperty("outcome").GetString() == "Applied");
        var status = await (await admin.GetAsync("/api/v1/migrations/catalog/staging")).ReadJsonAsync();
        Assert.Equal(3, status.GetProperty("applied").GetArrayLength());
        Assert.All(status.GetProperty("applied").EnumerateArray(), a => Assert.Equal(id, a.GetProperty("batchId").GetGuid()));
        await admin.GetAsync($"/api/v1/migration-batches/{id}/evidence").EnsureStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Bad_input_is_a_400_and_writes_nothing()
    {
        using var admin = factory.CreateAdminClient();
        var batches = await factory.CountAsync<MigrationBatch>();
        var audit = await factory.CountAsync<AuditEntry>();

        var unknownRule = await admin.PostAsJsonAsync("/api/v1/migrations/payments/staging/apply",
            new { waivers = new[] { new { change = "003_drop_legacy_gateway_ref", ruleId = "no-such-rule", reason = "x" } } }, TestApi.Json);
        Assert.Equal(HttpStatusCode.BadRequest, unknownRule.StatusCode);
        var noReason = await admin.PostAsJsonAsync("/api/v1/migrations/payments/staging/apply",
            new { waivers = new[] { new { change = "003_drop_legacy_gateway_ref", ruleId = "drop-column", reason = " " } } }, TestApi.Json);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        var unknownChange = await admin.PostAsJsonAsync("/api/v1/migrations/payments/staging/apply",
            new { waivers = new[] { new { change = "999_nothing", ruleId = "drop-column", reason = "x" } } }, TestApi.Json);
        Assert.Equal(HttpStatusCode.BadRequest, unknownChange.StatusCode);
        var notJson = await admin.PostAsync("/api/v1/migrations/payments/staging/apply", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        var badProvider = await admin.PutAsJsonAsync("/api/v1/migrations/payments/staging/target", new { provider = "oracle", connectionString = "x" }, TestApi.Json);
        Assert.Equal(HttpStatusCode.BadRequest, badProvider.StatusCode);
        await admin.PostAsync("/api/v1/migrations/nothing/dev/dry-run", null).EnsureStatusAsync(HttpStatusCode.NotFound);

        Assert.Equal(batches, await factory.CountAsync<MigrationBatch>());
        Assert.Equal(audit, await factory.CountAsync<AuditEntry>());
    }

    [Fact]
    public async Task A_target_can_point_at_postgres_and_its_connection_string_is_never_echoed_or_stored_in_clear()
    {
        using var admin = factory.CreateAdminClient();
        const string secret = "s3cret-pw-never-shown";
        var connectionString = $"Host=127.0.0.1;Port=1;Database=shop;Username=ops;Password={secret}";
        var response = await admin.PutAsJsonAsync("/api/v1/migrations/catalog/qa/target",
            new { provider = "postgres", connectionString, requiresApproval = true }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(secret, text);
        var view = await response.ReadJsonAsync();
        Assert.Equal("postgres", view.GetProperty("provider").GetString());
        Assert.True(view.GetProperty("requiresApproval").GetBoolean());

        var stored = await factory.WithStoreAsync(db => db.MigrationTargets.AsNoTracking().SingleAsync(t => t.Service == "catalog" && t.Environment == "qa"));
        Assert.DoesNotContain(secret, stored.ProtectedConnectionString);
        Assert.DoesNotContain(secret, stored.Description);
        Assert.DoesNotContain(secret, await (await admin.GetAsync("/api/v1/migrations")).Content.ReadAsStringAsync());
        var auditText = string.Join("\n", await factory.WithStoreAsync(db => db.AuditEntries.AsNoTracking().Select(a => a.After ?? "").ToListAsync()));
        Assert.DoesNotContain(secret, auditText);
        Assert.DoesNotContain(factory.Logs.Entries.Select(e => e.Text), m => m.Contains(secret, StringComparison.Ordinal));
    }
}
