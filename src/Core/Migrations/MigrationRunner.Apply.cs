using System.Data.Common;
using System.Diagnostics;
using OpsConsole.Core.Migrations.Evidence;
using OpsConsole.Core.Migrations.Sql;
using OpsConsole.Core.Migrations.Targets;

namespace OpsConsole.Core.Migrations;

/// <summary>Apply: the pending changes in order, each verified; a failure rolls back what this batch applied where it can.</summary>
public sealed partial class MigrationRunner
{
    private async Task ApplyBodyAsync(Run run, ApplyOptions apply, CancellationToken ct)
    {
        var session = run.Session!;
        var request = run.Request;
        run.Report("preflight", null, 0, "Checking the target.");
        run.Preflight = await InspectAsync(session, request, holdsLock: true, ct);
        var batch = run.Preflight.Batch.Select(n => request.Source.Find(n)!).ToList();
        run.Total = batch.Count;
        if (!run.Preflight.Passed)
        {
            run.Block($"Preflight refused the batch: {run.Preflight.Blockers[0]}", run.Preflight.Blockers);
            return;
        }
        await session.EnsureHistoryAsync(null, ct);
        run.Before = await session.SnapshotAsync(null, ct);
        if (batch.Count == 0)
        {
            run.After = run.Before;
            run.Summary = "Nothing to apply: every change is already applied.";
            return;
        }

        var appliedHere = new List<MigrationChange>();
        for (var i = 0; i < batch.Count; i++)
        {
            var change = batch[i];
            run.Report("change-started", change.Name, i, $"Applying {change.Name}.");
            var evidence = await ApplyChangeAsync(session, run, change, ct);
            run.Changes.Add(evidence);
            run.Report("change-finished", change.Name, i + 1, $"{change.Name}: {evidence.Outcome}.");
            if (evidence.Outcome == ChangeOutcome.Applied)
            {
                appliedHere.Add(change);
                continue;
            }
            run.Fail($"{change.Name}: {evidence.Error?.ToString() ?? evidence.Note}");
            run.Changes.AddRange(batch.Skip(i + 1).Select(c => NotRun(c, "Not run: an earlier change of the batch failed.")));
            if (apply.RevertAppliedOnFailure && appliedHere.Count > 0)
                await RollBackBatchAsync(session, run, appliedHere, ct);
            break;
        }
        run.After = await SnapshotAfterAsync(session, run, ct);
        var applied = run.Changes.Count(c => c.Outcome == ChangeOutcome.Applied);
        run.Summary = run.Outcome == MigrationOutcome.Succeeded
            ? $"Applied {applied} change(s) to {request.Target.Description}."
            : $"Failed at {run.Changes.First(c => c.Outcome == ChangeOutcome.Failed).Name}; {applied} change(s) of this batch stay applied"
              + (run.Changes.Any(c => c.Outcome == ChangeOutcome.RolledBack) ? ", the others were reverted." : ".");
    }

    private async Task<ChangeEvidence> ApplyChangeAsync(ITargetSession session, Run run, MigrationChange change, CancellationToken ct)
    {
        var started = run.Clock.GetUtcNow().UtcDateTime;
        var watch = Stopwatch.StartNew();
        var dialect = run.Request.Target.Dialect;
        DbTransaction? tx = change.Transactional ? await session.BeginAsync(ct) : null;
        VerifyEvidence? verify = null;
        try
        {
            AppliedChange Record() => new(run.Request.Source.Service, change.Name, change.Sequence, change.Phase, change.Checksum, change.FileChecksums,
                run.Clock.GetUtcNow().UtcDateTime, run.Request.RequestedBy.Name, run.Request.BatchId, watch.ElapsedMilliseconds);
            await ExecuteAsync(session, tx, change.Deploy, dialect, ct);
            // In a transaction the history rows travel with the last verify statement.
            var recordWithVerify = tx is not null && SqlSplitter.Split(change.Verify.Sql, dialect).Count > 0;
            verify = await VerifyAsync(session, tx, change, dialect, ct, recordWithVerify ? Record : null);
            if (!recordWithVerify) await session.RecordDeployAsync(tx, Record(), ct);
            if (tx is not null) await tx.CommitAsync(ct);
            return Evidence(change, ChangeOutcome.Applied, started, watch, verify, null, null, null, null);
        }
        catch (StepFailure failure)
        {
            await RollbackQuietlyAsync(tx);
            return Evidence(change, ChangeOutcome.Failed, started, watch, failure.Verify ?? verify, null, null, failure.Error,
                change.Transactional ? "Rolled back: the target is as it was before this change."
                    : "Declared transactional: false, so statements before the failing one stay applied.");
        }
        finally
        {
            if (tx is not null) await tx.DisposeAsync();
        }
    }

    private async Task RollBackBatchAsync(ITargetSession session, Run run, List<MigrationChange> appliedHere, CancellationToken ct)
    {
        var history = (await session.ReadHistoryAsync(run.Request.Source.Service, null, ct)).ToDictionary(a => a.Name);
        foreach (var change in Enumerable.Reverse(appliedHere))
        {
            run.Report("reverting", change.Name, run.Changes.Count, $"Reverting {change.Name} after the failure.");
            var index = run.Changes.FindIndex(c => c.Name == change.Name);
            if (change.Revert is null || !history.TryGetValue(change.Name, out var applied))
            {
                run.Errors.Add($"{change.Name} could not be reverted: it has no revert.sql.");
                run.Changes[index] = run.Changes[index] with { Note = "Stays applied: no revert.sql to undo it." };
                break;
            }
            var result = await RevertChangeAsync(session, run, change, applied, ct);
            if (result.Outcome != ChangeOutcome.Reverted)
            {
                run.Errors.Add($"{change.Name} could not be reverted: {result.Error}");
                run.Changes[index] = run.Changes[index] with { Note = $"Stays applied: its revert failed ({result.Error})." };
                break;
            }
            run.Changes[index] = run.Changes[index] with { Outcome = ChangeOutcome.RolledBack, Note = $"Reverted after a later change failed ({result.DurationMs} ms)." };
        }
    }
}
