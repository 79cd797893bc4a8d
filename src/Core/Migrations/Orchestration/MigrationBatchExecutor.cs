using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Migrations.Evidence;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Migrations.Orchestration;

/// <summary>
/// Runs one stored batch with the engine (the job's body): marks it Running, forwards live progress,
/// then stores the results and evidence and records the run (audit entry with the evidence SHA-256,
/// event) in the same SaveChanges as the batch's final state. Safe to run again for the same batch:
/// a finished batch is left alone, and a batch left Running by a crash runs again under the same
/// batch id, which applies only what is still pending.
/// </summary>
public sealed class MigrationBatchExecutor(IDbContextFactory<OpsDbContext> dbFactory, EventOutbox outbox, MigrationCatalog catalog,
    MigrationTargets targets, MigrationRunner runner, MigrationUpdates updates, TimeProvider clock, ILogger<MigrationBatchExecutor> log,
    MigrationApprovalPolicy? approvals = null)
{
    private readonly MigrationApprovalPolicy _approvals = approvals ?? MigrationApprovalPolicy.Default;

    /// <summary>Runs after which an unexpected error marks the batch Failed instead of leaving it to a retry.</summary>
    public const int MaxAttempts = 3;

    public async Task ExecuteAsync(Guid batchId, CancellationToken ct = default)
    {
        MigrationBatch batch;
        MigrationTargetConfig config;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            batch = await db.MigrationBatches.FirstOrDefaultAsync(b => b.Id == batchId, ct) ?? throw new NotFoundException($"Migration batch {batchId}");
            if (batch.Status is not (MigrationBatchStatus.Pending or MigrationBatchStatus.Running))
            {
                log.LogInformation("Migration batch {BatchId} is {Status}: nothing to run", batchId, batch.Status);
                return;
            }
            config = await db.MigrationTargets.AsNoTracking().FirstOrDefaultAsync(t => t.Service == batch.Service && t.Environment == batch.Environment, ct)
                     ?? throw new NotFoundException($"Migration target {batch.Service}/{batch.Environment}");
            var now = clock.GetUtcNow().UtcDateTime;
            if (await RefusalAsync(db, batch, now, ct) is { } refusal)
            {
                await RefuseAsync(db, batch, refusal, now);
                return;
            }
            batch.Status = MigrationBatchStatus.Running;
            batch.StartedAt ??= now;
            batch.Attempts++;
            batch.Message = batch.Attempts > 1 ? $"Running again (attempt {batch.Attempts}): only pending changes run." : "Running.";
            batch.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
        }
        updates.Publish(batchId);

        // Checked just now against the store: the run acts with the requester's current roles.
        Actor actor;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            actor = (await StandingCheck.ReadAsync(db, batch.RequestedBy, Roles.ReleaseManager, $"migration-{batchId:N}", ct)).Actor
                    ?? new Actor(batch.RequestedBy, new HashSet<string>(), $"migration-{batchId:N}");
        MigrationRunResult result;
        Targets.ITargetDatabase? target = null;
        try
        {
            target = targets.Open(config);
            var request = new MigrationRequest
            {
                RequestedBy = actor, Source = catalog.Read(batch.Service), Target = target, Environment = batch.Environment,
                BatchId = batch.Id, Phase = batch.Phase, Waivers = batch.Waivers, ApprovedBy = batch.ApprovedBy, ApprovedAt = batch.ApprovedAt,
                ApprovedChanges = batch.Recorded!.Checksums,
            };
            var progress = new Forward(updates);
            result = batch.Kind switch
            {
                MigrationRunKind.DryRun => await runner.DryRunAsync(request, progress, ct),
                MigrationRunKind.Apply => await runner.ApplyAsync(request, ApplyOptions.Default, progress, ct),
                _ => await runner.RevertAsync(request, batch.RevertTo is { } to ? RevertTarget.To(to) : RevertTarget.Last(batch.RevertCount ?? 1), progress, ct),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Driver messages may quote the connection string: only the target's redacted text reaches the log and the job store.
            var redacted = target?.Redact(e.ToString()) ?? e.GetType().FullName;
            log.LogError("Migration batch {BatchId} failed to run (attempt {Attempt}): {Error}", batchId, batch.Attempts, redacted);
            if (batch.Attempts < MaxAttempts && e is not (InvalidInputException or NotFoundException or AccessDeniedException or ConflictException))
                throw new MigrationRunException($"Migration batch {batchId} failed to run: {target?.Redact(e.Message) ?? e.GetType().Name}");
            await FinishWithoutEvidenceAsync(batchId, e is InvalidInputException or NotFoundException or ConflictException ? e.Message : "The run hit an unexpected error; the log has the details.", ct);
            return;
        }

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var stored = await db.MigrationBatches.FirstAsync(b => b.Id == batchId, ct);
            var now = clock.GetUtcNow().UtcDateTime;
            stored.Status = result.Outcome == MigrationOutcome.Succeeded ? MigrationBatchStatus.Succeeded : MigrationBatchStatus.Failed;
            stored.Outcome = result.Outcome;
            stored.Message = result.Evidence.Summary;
            stored.Total = result.Changes.Count;
            stored.Completed = result.Changes.Count(c => c.Outcome is ChangeOutcome.Applied or ChangeOutcome.Rehearsed or ChangeOutcome.Reverted);
            stored.ResultJson = System.Text.Json.JsonSerializer.Serialize(MigrationBatchResult.From(result), MigrationBatchResult.Json);
            stored.EvidenceJson = result.Document;
            stored.EvidenceSha256 = result.Sha256;
            stored.FinishedAt = now;
            stored.UpdatedAt = now;
            MigrationRecords.Record(db, outbox, actor, result);
            await db.SaveChangesAsync(CancellationToken.None);
        }
        updates.Finished(batchId);
    }

    /// <summary>
    /// Why the batch may not run now, or null. Checked before anything touches the target: the
    /// requester (and approver) still hold their role and are enabled, the approval has not expired,
    /// and the source is the one the batch was requested and approved with.
    /// </summary>
    private async Task<Refusal?> RefusalAsync(OpsDbContext db, MigrationBatch batch, DateTime now, CancellationToken ct)
    {
        var correlation = $"migration-{batch.Id:N}";
        var requester = await StandingCheck.ReadAsync(db, batch.RequestedBy, Roles.ReleaseManager, correlation, ct);
        if (!requester.Holds)
            return new Refusal("migration.run-refused", $"Refused: the batch runs on behalf of its requester, and {requester.Refusal} Nothing was run; request it again as a ReleaseManager.");
        if (batch.ApprovedBy is { } approver)
        {
            var approval = await StandingCheck.ReadAsync(db, approver, Roles.ReleaseManager, correlation, ct);
            if (!approval.Holds)
                return new Refusal("migration.run-refused", $"Refused: the batch was approved by {approver}, and {approval.Refusal} Nothing was run; request it again.");
        }
        // A batch left Running by a crash was already started within its approval's time.
        if (batch.StartedAt is null && batch.ApprovalExpiresAt(_approvals) is { } expires && expires < now)
            return new Refusal("migration.approval-expired",
                $"The approval by {batch.ApprovedBy} at {batch.ApprovedAt:u} expired at {expires:u} ({_approvals.Validity.TotalHours:0.#} h) before the job started. " +
                "Nothing was run; the batch waits for a new approval.", BackToApproval: true);
        if (batch.SourceChecksum is null || batch.ChangesJson is null)
            return new Refusal("migration.run-refused", "Refused: the batch was requested before the console recorded the SQL of a batch. Nothing was run; request it again.");
        MigrationSource current;
        try
        {
            current = catalog.Read(batch.Service);
        }
        catch (Exception e) when (e is DomainException or IOException or InvalidDataException)
        {
            return new Refusal("migration.run-refused", $"Refused: the migrations of {batch.Service} cannot be read now ({e.Message}). Nothing was run.");
        }
        if (current.Checksum != batch.SourceChecksum)
            return new Refusal("migration.run-refused",
                $"Refused: the migrations of {batch.Service} changed since the batch was requested{(batch.ApprovedBy is null ? "" : " and approved")} " +
                $"({batch.SourceOrigin}, checksum {batch.SourceChecksum[..12]} then; {current.Origin}, checksum {current.Checksum[..12]} now). " +
                "Nothing was run; request a new batch for the new SQL.");
        return null;
    }

    private sealed record Refusal(string AuditAction, string Message, bool BackToApproval = false);

    private async Task RefuseAsync(OpsDbContext db, MigrationBatch batch, Refusal refusal, DateTime now)
    {
        var system = Actor.System($"migration-{batch.Id:N}");
        var subject = $"{batch.Service}/{batch.Environment}";
        var before = new { status = batch.Status.ToString(), batch.ApprovedBy, batch.ApprovedAt };
        batch.Message = refusal.Message;
        batch.UpdatedAt = now;
        if (refusal.BackToApproval)
        {
            batch.Status = MigrationBatchStatus.AwaitingApproval;
            batch.ApprovedBy = null;
            batch.ApprovedAt = null;
        }
        else
        {
            batch.Status = MigrationBatchStatus.Failed;
            batch.Outcome = MigrationOutcome.Blocked;
            batch.FinishedAt = now;
            outbox.Add(db, system, EventTypes.MigrationFailed, subject,
                new { batchId = batch.Id, kind = batch.Kind.ToString(), service = batch.Service, environment = batch.Environment, message = refusal.Message });
        }
        Audit.AuditTrail.Record(db, system, refusal.AuditAction, subject, before: before,
            after: new { batchId = batch.Id, status = batch.Status.ToString(), requestedBy = batch.RequestedBy, message = refusal.Message });
        await db.SaveChangesAsync(CancellationToken.None);
        log.LogWarning("Migration batch {BatchId} was not run: {Message}", batch.Id, refusal.Message);
        if (refusal.BackToApproval) updates.Publish(batch.Id);
        else updates.Finished(batch.Id);
    }

    private async Task FinishWithoutEvidenceAsync(Guid batchId, string message, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var stored = await db.MigrationBatches.FirstAsync(b => b.Id == batchId, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        stored.Status = MigrationBatchStatus.Failed;
        stored.Outcome = MigrationOutcome.Failed;
        stored.Message = message;
        stored.FinishedAt = now;
        stored.UpdatedAt = now;
        Audit.AuditTrail.Record(db, Actor.System($"migration-{batchId:N}"), "migration.run-failed", $"{stored.Service}/{stored.Environment}",
            after: new { batchId, message });
        outbox.Add(db, Actor.System($"migration-{batchId:N}"), EventTypes.MigrationFailed, $"{stored.Service}/{stored.Environment}",
            new { batchId, kind = stored.Kind.ToString(), service = stored.Service, environment = stored.Environment, message });
        await db.SaveChangesAsync(CancellationToken.None);
        updates.Finished(batchId);
    }

    /// <summary>Forwards progress synchronously (Progress&lt;T&gt; would post it to the thread pool, out of order).</summary>
    private sealed class Forward(MigrationUpdates updates) : IProgress<MigrationProgress>
    {
        public void Report(MigrationProgress value) => updates.Report(value);
    }
}
