using System.Data.Common;
using System.Diagnostics;
using OpsConsole.Core.Migrations.Evidence;
using OpsConsole.Core.Migrations.Sql;
using OpsConsole.Core.Migrations.Targets;

namespace OpsConsole.Core.Migrations;

/// <summary>Dry-run: the batch on the real target inside a transaction that is always rolled back, with row counts and a reversibility check.</summary>
public sealed partial class MigrationRunner
{
    private async Task DryRunBodyAsync(Run run, CancellationToken ct)
    {
        var session = run.Session!;
        var request = run.Request;
        var dialect = request.Target.Dialect;
        run.Report("preflight", null, 0, "Checking the target.");
        run.Preflight = await InspectAsync(session, request, holdsLock: true, ct);
        var batch = run.Preflight.Batch.Select(n => request.Source.Find(n)!).ToList();
        run.Total = batch.Count;
        if (!run.Preflight.Passed)
        {
            // A rehearsal runs the change's SQL on the real target: one that preflight refused must not run even there.
            run.Block($"Preflight refused the dry-run: {run.Preflight.Blockers[0]}", run.Preflight.Blockers);
            return;
        }
        var touched = TouchedTables.Of(batch, dialect);
        var countsBefore = await CountRowsAsync(session, touched, ct);

        await using (var tx = await session.BeginAsync(ct))
        {
            // The history table is created inside the rehearsal too, so recording each change is rehearsed (and rolled back).
            await session.EnsureHistoryAsync(tx, ct);
            run.Before = await session.SnapshotAsync(tx, ct);
            var current = run.Before;
            for (var i = 0; i < batch.Count; i++)
            {
                var change = batch[i];
                run.Report("change-started", change.Name, i, $"Rehearsing {change.Name}.");
                if (!change.Transactional)
                {
                    run.Changes.Add(Evidence(change, ChangeOutcome.Skipped, null, null, null, null, null, null,
                        "Declared transactional: false: it cannot run inside the rehearsal's transaction, so it was not rehearsed."));
                    continue;
                }
                var started = run.Clock.GetUtcNow().UtcDateTime;
                var watch = Stopwatch.StartNew();
                await tx.SaveAsync("opsconsole_change", ct);
                VerifyEvidence? verify = null;
                try
                {
                    await ExecuteAsync(session, tx, change.Deploy, dialect, ct);
                    verify = await VerifyAsync(session, tx, change, dialect, ct);
                    await session.RecordDeployAsync(tx, new AppliedChange(request.Source.Service, change.Name, change.Sequence, change.Phase, change.Checksum,
                        change.FileChecksums, started, request.RequestedBy.Name, request.BatchId, watch.ElapsedMilliseconds), ct);
                }
                catch (StepFailure failure)
                {
                    await tx.RollbackAsync("opsconsole_change", ct);
                    run.Changes.Add(Evidence(change, ChangeOutcome.Failed, started, watch, failure.Verify ?? verify, null, null, failure.Error,
                        "The dry-run stopped here: later changes build on this one."));
                    run.Fail($"{change.Name}: {failure.Error}");
                    run.Changes.AddRange(batch.Skip(i + 1).Select(c => NotRun(c, "Not rehearsed: an earlier change failed.")));
                    break;
                }
                var deployed = await session.SnapshotAsync(tx, ct);
                var reversibility = await CheckReversibilityAsync(session, tx, change, current, dialect, ct);
                if (reversibility is { Checked: true, Restored: false }) run.Fail($"{change.Name}: {reversibility.Note}");
                await tx.ReleaseAsync("opsconsole_change", ct);
                run.Changes.Add(Evidence(change, ChangeOutcome.Rehearsed, started, watch, verify, reversibility, SchemaDiff.Compare(current, deployed), null, null));
                run.Report("change-finished", change.Name, i + 1, $"{change.Name}: rehearsed.");
                current = deployed;
            }
            run.After = current;
            await tx.RollbackAsync(CancellationToken.None);
        }

        // The rehearsal must leave no trace: compare the committed schema with the one it started from.
        var untouched = SchemaDiff.Compare(run.Before, await session.SnapshotAsync(null, ct));
        if (!untouched.IsEmpty) run.Fail("The dry-run left changes behind (a statement committed outside the rehearsal's transaction): " + string.Join("; ", untouched.Changes));
        var countsAfter = await CountRowsAsync(session, touched, ct);
        run.RowCounts = countsBefore.Select(b => new TableRowCount(b.Key, b.Value, countsAfter.GetValueOrDefault(b.Key))).ToList();
        var changed = run.RowCounts.Where(c => c.Before != c.After).ToList();
        if (changed.Count > 0)
            run.Fail("The dry-run left data changes behind: " + string.Join("; ", changed.Select(c => $"{c.Table} had {c.Before} row(s), now {c.After}")));
        var rehearsed = run.Changes.Count(c => c.Outcome == ChangeOutcome.Rehearsed);
        run.Summary = run.Outcome == MigrationOutcome.Succeeded
            ? batch.Count == 0 ? "Nothing to rehearse: every change is already applied." : $"Rehearsed {rehearsed} change(s); all verified and reversible; nothing was kept."
            : $"The batch would not apply cleanly: {run.Errors[0]}";
    }

    /// <summary>Row counts of the tables a batch writes that exist now (a table the batch creates has nothing to compare).</summary>
    private static async Task<Dictionary<string, long?>> CountRowsAsync(ITargetSession session, IReadOnlyList<string> tables, CancellationToken ct)
    {
        var counts = new Dictionary<string, long?>(StringComparer.Ordinal);
        if (tables.Count == 0) return counts;
        var schema = await session.SnapshotAsync(null, ct);
        foreach (var table in tables)
        {
            var found = schema.Tables.FirstOrDefault(t => t.Kind == "table" && (t.Name == table || t.Name.EndsWith("." + table, StringComparison.Ordinal)));
            if (found is not null && !counts.ContainsKey(found.Name)) counts[found.Name] = await session.CountRowsAsync(null, found.Name, ct);
        }
        return counts;
    }

    private static async Task<ReversibilityEvidence> CheckReversibilityAsync(ITargetSession session, DbTransaction tx, MigrationChange change, SchemaSnapshot before,
        SqlDialect dialect, CancellationToken ct)
    {
        if (change.Revert is null) return new ReversibilityEvidence(false, false, "Not checked: the change has no revert.sql.", []);
        await tx.SaveAsync("opsconsole_revert", ct);
        try
        {
            await ExecuteAsync(session, tx, change.Revert, dialect, ct);
            var reverted = await session.SnapshotAsync(tx, ct);
            var diff = SchemaDiff.Compare(before, reverted);
            return diff.IsEmpty
                ? new ReversibilityEvidence(true, true, "deploy -> verify -> revert gives back the schema from before the change.", [])
                : new ReversibilityEvidence(true, false, $"revert.sql does not restore the schema: {string.Join("; ", diff.Changes)}", diff.Changes);
        }
        catch (StepFailure failure)
        {
            return new ReversibilityEvidence(true, false, $"revert.sql failed: {failure.Error}", []);
        }
        finally
        {
            await tx.RollbackAsync("opsconsole_revert", ct);
            await tx.ReleaseAsync("opsconsole_revert", ct);
        }
    }
}
