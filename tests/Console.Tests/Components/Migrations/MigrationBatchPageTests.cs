using System.Text.Json;
using Bunit;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using OpsConsole.Console.Components.Pages.Migrations;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Migrations;

namespace OpsConsole.Console.Tests.Components.Migrations;

/// <summary>The batch page over a real store and the real coordinator: results, live progress, and approval by someone other than the requester.</summary>
public sealed class MigrationBatchPageTests() : ComponentContext(services =>
{
    services.AddLogging();
    services.AddSingleton(TimeProvider.System);
    services.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider());
    services.AddMigrationEngine(_ => new MigrationCatalog(Path.Combine(AppContext.BaseDirectory, "migrations")));
    services.AddSingleton<RecordingQueue>();
    services.AddSingleton<IMigrationJobQueue>(sp => sp.GetRequiredService<RecordingQueue>());
})
{
    public sealed class RecordingQueue : IMigrationJobQueue
    {
        public List<Guid> Queued { get; } = [];
        public void RunNow(Guid batchId) => Queued.Add(batchId);
        public void RunAt(Guid batchId, DateTime whenUtc) => Queued.Add(batchId);
    }

    private async Task<Guid> StoreAsync(MigrationBatchStatus status, string requestedBy, MigrationBatchResult? result = null)
    {
        await using var db = NewDb();
        var batch = new MigrationBatch
        {
            Service = "checkout", Environment = "prod", Kind = result is null ? MigrationRunKind.Apply : MigrationRunKind.DryRun, Status = status,
            RequestedBy = requestedBy, RequestedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow, RequiresApproval = true, Message = "Queued.",
            ResultJson = result is null ? null : JsonSerializer.Serialize(result, MigrationBatchResult.Json),
            EvidenceJson = result is null ? null : "{}", EvidenceSha256 = result is null ? null : new string('a', 64),
        };
        // As the desk records it when the batch is requested: the source and the SQL the batch runs.
        var source = Services.GetRequiredService<MigrationCatalog>().Read("checkout");
        batch.SourceOrigin = source.Origin;
        batch.SourceChecksum = source.Checksum;
        batch.ChangesJson = JsonSerializer.Serialize(RecordedBatch.From("the pending changes", source.Changes, Core.Migrations.Sql.SqlDialect.Sqlite, []), MigrationBatchResult.Json);
        db.MigrationBatches.Add(batch);
        await db.SaveChangesAsync();
        return batch.Id;
    }

    private IRenderedComponent<MigrationBatchPage> RenderPage(Guid id) => Render<MigrationBatchPage>(p => p.Add(x => x.Id, id));

    [Fact]
    public async Task A_finished_dry_run_shows_each_change_the_lint_findings_the_schema_diff_and_evidence_links()
    {
        SignIn("vera", Roles.Viewer);
        var result = new MigrationBatchResult("Succeeded", "Dry-run of 1 change succeeded.", "sqlite:checkout-prod.db",
            [new ChangeResult("001_create_orders", "expand", "Rehearsed", 12, true, "ok", true, null, ["+ table orders"], null)],
            [new FindingResult("drop-column", "Warning", "003_x", "deploy.sql", 1, "DROP COLUMN payments.legacy", "Destroys data.", "Expand/contract.", null, null)],
            [], [], "+ table orders");
        var id = await StoreAsync(MigrationBatchStatus.Succeeded, "rita", result);

        var cut = RenderPage(id);

        cut.WaitForAssertion(() => Assert.Equal("Succeeded", cut.Find("[data-testid=batch-status]").TextContent.Trim()));
        Assert.Contains("001_create_orders", cut.Find("[data-testid=batch-changes]").TextContent);
        Assert.Contains("Rehearsed", cut.Find("[data-testid=batch-changes]").TextContent);
        Assert.Contains("drop-column", cut.Find("[data-testid=lint-findings]").TextContent);
        Assert.Contains("Expand/contract.", cut.Find("[data-testid=lint-findings]").TextContent);
        Assert.Contains("+ table orders", cut.Find("[data-testid=schema-diff]").TextContent);
        Assert.Equal($"/api/v1/migration-batches/{id}/evidence", cut.Find("[data-testid=evidence-json]").GetAttribute("href"));
        Assert.Equal($"/api/v1/migration-batches/{id}/evidence?format=markdown", cut.Find("[data-testid=evidence-markdown]").GetAttribute("href"));
        Assert.Equal(new string('a', 64), cut.Find("[data-testid=evidence-sha]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=approve]"));
    }

    [Fact]
    public async Task Live_progress_of_a_running_batch_appears_without_a_reload()
    {
        SignIn("vera", Roles.Viewer);
        var id = await StoreAsync(MigrationBatchStatus.Running, "rita");
        var cut = RenderPage(id);
        cut.WaitForAssertion(() => Assert.Contains("Queued.", cut.Find("[data-testid=batch-progress]").TextContent));

        Services.GetRequiredService<MigrationUpdates>().Report(new MigrationProgress(id, MigrationRunKind.Apply, "apply", "002_add_order_status", 1, 3, "Applying 002_add_order_status."));

        cut.WaitForAssertion(() => Assert.Contains("1 of 3 changes, now 002_add_order_status", cut.Find("[data-testid=batch-progress]").TextContent));
        Assert.Contains("Applying 002_add_order_status.", cut.Find("[data-testid=batch-progress]").TextContent);
    }

    [Fact]
    public async Task The_requester_cannot_approve_their_own_batch()
    {
        SignIn("rita", Roles.ReleaseManager);
        var id = await StoreAsync(MigrationBatchStatus.AwaitingApproval, "rita");
        var cut = RenderPage(id);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=self-approval-note]")));
        Assert.Empty(cut.FindAll("[data-testid=approve]"));
    }

    [Fact]
    public async Task An_approver_sees_the_SQL_the_batch_will_run_with_its_source_and_checksums()
    {
        SignIn("maria", Roles.ReleaseManager);
        var id = await StoreAsync(MigrationBatchStatus.AwaitingApproval, "rita");
        var source = Services.GetRequiredService<MigrationCatalog>().Read("checkout");

        var cut = RenderPage(id);

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=recorded-sql]")));
        Assert.Equal(source.Checksum, cut.Find("[data-testid=source-checksum]").TextContent);
        Assert.Equal(source.Origin, cut.Find("[data-testid=source-origin]").TextContent);
        Assert.Equal(source.Changes.Select(c => c.Name), cut.FindAll("[data-testid=recorded-change]").Select(e => e.TextContent));
        Assert.Contains(cut.FindAll("[data-testid=recorded-script]"), e => e.TextContent == source.Changes[0].Deploy.Sql);
    }

    [Fact]
    public async Task Another_release_manager_approves_after_confirming_and_the_batch_is_queued()
    {
        SignIn("maria", Roles.ReleaseManager);
        var id = await StoreAsync(MigrationBatchStatus.AwaitingApproval, "rita");
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderPage(id);

        cut.WaitForElement("[data-testid=approve]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("requested by rita", dialogs.Find("[data-testid=confirm-dialog]").TextContent));
        await using (var db = NewDb())
            Assert.Equal(MigrationBatchStatus.AwaitingApproval, (await db.MigrationBatches.SingleAsync(b => b.Id == id)).Status); // nothing before confirming
        dialogs.Find("[data-testid=confirm-action]").Click();

        cut.WaitForAssertion(() => Assert.Equal("Pending", cut.Find("[data-testid=batch-status]").TextContent.Trim()));
        await using var check = NewDb();
        var stored = await check.MigrationBatches.SingleAsync(b => b.Id == id);
        Assert.Equal("maria", stored.ApprovedBy);
        Assert.Equal([id], Services.GetRequiredService<RecordingQueue>().Queued);
        Assert.Contains(await check.AuditEntries.ToListAsync(), a => a.Action == "migration.approve" && a.Actor == "maria");
    }
}
