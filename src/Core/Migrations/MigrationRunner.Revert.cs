using System.Data.Common;
using System.Diagnostics;
using OpsConsole.Core.Migrations.Evidence;
using OpsConsole.Core.Migrations.Sql;
using OpsConsole.Core.Migrations.Targets;

namespace OpsConsole.Core.Migrations;

/// <summary>Revert: applied changes undone newest first, each by its revert script.</summary>
public sealed partial class MigrationRunner
{
    private async Task RevertBodyAsync(Run run, RevertTarget target, CancellationToken ct)
    {
        var session = run.Session!;
        var request = run.Request;
        run.Report("preflight", null, 0, "Checking the target.");
        var permissions = await session.CheckPermissionsAsync(ct);
        var applied = await session.ReadHistoryAsync(request.Source.Service, null, ct);
        var status = MigrationStatus.Compare(request.Source, applied);
        var newestFirst = applied.Reverse().ToList();
        var blockers = new List<string>(permissions);
        List<AppliedChange> chosen;
        if (target.ToChange is { } to)
        {
            var at = newestFirst.FindIndex(a => a.Name == to);
            if (at < 0) blockers.Add($"{to} is not applied on {request.Target.Description}: there is nothing to revert back to.");
            chosen = at < 0 ? [] : newestFirst.Take(at).ToList();
        }
        else
        {
            if (target.Count > newestFirst.Count) blockers.Add($"Only {newestFirst.Count} change(s) are applied; {target.Count} cannot be reverted.");
            chosen = newestFirst.Take(target.Count!.Value).ToList();
        }
        foreach (var a in chosen)
        {
            var change = request.Source.Find(a.Name);
            if (change is null) blockers.Add($"{a.Name} is applied but missing from the source: its revert script is unknown.");
            else if (change.Revert is null) blockers.Add($"{a.Name} has no revert.sql: it cannot be reverted by the console.");
            else if (change.Checksum != a.Checksum)
                blockers.Add($"Drift: {a.Name} changed after it was applied ({string.Join(", ", status.Drift.First(d => d.Change == a.Name).Files)}); its revert may not match what ran.");
        }
        var toRevert = chosen.Select(a => request.Source.Find(a.Name)).OfType<MigrationChange>().ToList();
        blockers.AddRange(StatementGuard.Scan(toRevert, request.Target.Dialect, c => c.Revert is null ? [] : [c.Revert]).Select(r => r.ToString()));
        blockers.AddRange(NotApproved(request, toRevert));
        run.Total = chosen.Count;
        run.Preflight = new PreflightReport(request.Target.Description, true, permissions, applied, status.Pending, chosen.Select(c => c.Name).ToList(),
            status.Drift, status.OutOfOrder, null, [], blockers);
        if (blockers.Count > 0)
        {
            run.Block($"Revert ({target}) refused: {blockers[0]}", blockers);
            return;
        }
        run.Before = await session.SnapshotAsync(null, ct);
        if (chosen.Count == 0)
        {
            run.After = run.Before;
            run.Summary = $"Nothing to revert: {target.ToChange} is the newest applied change.";
            return;
        }
        for (var i = 0; i < chosen.Count; i++)
        {
            var change = request.Source.Find(chosen[i].Name)!;
            run.Report("change-started", change.Name, i, $"Reverting {change.Name}.");
            var evidence = await RevertChangeAsync(session, run, change, chosen[i], ct);
            run.Changes.Add(evidence);
            run.Report("change-finished", change.Name, i + 1, $"{change.Name}: {evidence.Outcome}.");
            if (evidence.Outcome == ChangeOutcome.Reverted) continue;
            run.Fail($"{change.Name}: {evidence.Error}");
            run.Changes.AddRange(chosen.Skip(i + 1).Select(a => NotRun(request.Source.Find(a.Name)!, "Not reverted: an earlier revert failed.")));
            break;
        }
        run.After = await SnapshotAfterAsync(session, run, ct);
        var reverted = run.Changes.Count(c => c.Outcome == ChangeOutcome.Reverted);
        run.Summary = run.Outcome == MigrationOutcome.Succeeded
            ? $"Reverted {reverted} change(s) ({target})."
            : $"Revert failed at {run.Changes.First(c => c.Outcome == ChangeOutcome.Failed).Name}; {reverted} change(s) were reverted before it.";
    }

    private static async Task<ChangeEvidence> RevertChangeAsync(ITargetSession session, Run run, MigrationChange change, AppliedChange applied, CancellationToken ct)
    {
        var started = run.Clock.GetUtcNow().UtcDateTime;
        var watch = Stopwatch.StartNew();
        // A non-transactional change's revert (DROP INDEX CONCURRENTLY) cannot run in a transaction either.
        DbTransaction? tx = change.Transactional ? await session.BeginAsync(ct) : null;
        try
        {
            await ExecuteAsync(session, tx, change.Revert!, run.Request.Target.Dialect, ct);
            await session.RecordRevertAsync(tx, applied, run.Request.BatchId, run.Request.RequestedBy.Name, run.Clock.GetUtcNow().UtcDateTime, watch.ElapsedMilliseconds, ct);
            if (tx is not null) await tx.CommitAsync(ct);
            return Evidence(change, ChangeOutcome.Reverted, started, watch, null, null, null, null, null);
        }
        catch (StepFailure failure)
        {
            await RollbackQuietlyAsync(tx);
            return Evidence(change, ChangeOutcome.Failed, started, watch, null, null, null, failure.Error,
                change.Transactional ? "Rolled back: the change stays applied." : "Declared transactional: false, so revert statements before the failing one stay applied.");
        }
        finally
        {
            if (tx is not null) await tx.DisposeAsync();
        }
    }

    /// <summary>The schema after a run; a target that went away mid-run leaves it unknown, which the evidence says.</summary>
    private static async Task<SchemaSnapshot?> SnapshotAfterAsync(ITargetSession session, Run run, CancellationToken ct)
    {
        try
        {
            return await session.SnapshotAsync(null, ct);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or TimeoutException)
        {
            run.Errors.Add($"The schema after the run could not be read: {run.Request.Target.Redact(e.Message)}");
            return null;
        }
    }
}
