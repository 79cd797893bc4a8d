using System.Data.Common;
using System.Diagnostics;
using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Migrations.Evidence;
using OpsConsole.Core.Migrations.Lint;
using OpsConsole.Core.Migrations.Sql;
using OpsConsole.Core.Migrations.Targets;

namespace OpsConsole.Core.Migrations;

/// <summary>The evidence of a finished run with its seal: the hash for the audit chain and the downloadable document.</summary>
public sealed record MigrationRunResult(MigrationEvidence Evidence, string Sha256, string Document)
{
    public MigrationOutcome Outcome => Evidence.Outcome;
    public IReadOnlyList<ChangeEvidence> Changes => Evidence.Changes;
    public string Markdown => EvidenceReport.ToMarkdown(Evidence, Sha256);
}

/// <summary>
/// The migration engine: preflight, dry-run, apply and revert of one service's changes against one
/// target. Every run, whatever its end, returns sealed evidence; nothing here touches the console's
/// own store, so the orchestration decides where batches, evidence and audit entries go.
/// A run holds the target's migration lock from start to end: a second run is refused, not queued.
/// </summary>
public sealed class MigrationRunner(MigrationRunnerOptions? options = null, TimeProvider? clock = null)
{
    private readonly MigrationRunnerOptions _options = options ?? new MigrationRunnerOptions();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>Applied, pending and drifted changes of a target (read only, no lock).</summary>
    public async Task<MigrationStatus> StatusAsync(MigrationSource source, ITargetDatabase target, CancellationToken ct = default)
    {
        await using var session = await target.ConnectAsync(SessionOptions(Guid.Empty, "status"), ct);
        return MigrationStatus.Compare(source, await session.ReadHistoryAsync(source.Service, null, ct));
    }

    /// <summary>Checks a run without changing anything: connectivity, permissions, pending, drift, order, lock, lint.</summary>
    public async Task<PreflightReport> PreflightAsync(MigrationRequest request, CancellationToken ct = default)
    {
        Validate(request);
        ITargetSession session;
        try
        {
            session = await request.Target.ConnectAsync(SessionOptions(request.BatchId, "preflight"), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Unreachable(request, e);
        }
        await using (session)
            return await InspectAsync(session, request, holdsLock: false, ct);
    }

    /// <summary>
    /// Rehearses the batch on the real target inside one transaction that is rolled back: each change
    /// deploys and verifies under a savepoint, its revert runs under a nested one and must give back
    /// the schema from before the change, then the next change builds on the deployed one.
    /// </summary>
    public Task<MigrationRunResult> DryRunAsync(MigrationRequest request, IProgress<MigrationProgress>? progress = null, CancellationToken ct = default)
    {
        request.RequestedBy.Require("dry-run migrations", Roles.ReleaseManager);
        Validate(request);
        return RunAsync(new Run(request, MigrationRunKind.DryRun, progress, _clock), run => DryRunBodyAsync(run, ct), ct);
    }

    /// <summary>Applies the batch: one transaction per change with its verify; the first failure stops the batch.</summary>
    public Task<MigrationRunResult> ApplyAsync(MigrationRequest request, ApplyOptions? apply = null, IProgress<MigrationProgress>? progress = null, CancellationToken ct = default)
    {
        request.RequestedBy.Require("apply migrations", Roles.ReleaseManager);
        Validate(request);
        return RunAsync(new Run(request, MigrationRunKind.Apply, progress, _clock), run => ApplyBodyAsync(run, apply ?? ApplyOptions.Default, ct), ct);
    }

    /// <summary>Reverts the last N applied changes, or back to a named one; refused where a revert script is missing.</summary>
    public Task<MigrationRunResult> RevertAsync(MigrationRequest request, RevertTarget target, IProgress<MigrationProgress>? progress = null, CancellationToken ct = default)
    {
        request.RequestedBy.Require("revert migrations", Roles.ReleaseManager);
        Validate(request);
        if (target.Count is null && string.IsNullOrWhiteSpace(target.ToChange))
            throw new InvalidInputException("target", "Say how many changes to revert, or the change to revert back to.");
        if (target.Count is <= 0)
            throw new InvalidInputException("count", "The number of changes to revert is at least 1.");
        return RunAsync(new Run(request, MigrationRunKind.Revert, progress, _clock) { RevertTarget = target }, run => RevertBodyAsync(run, target, ct), ct);
    }

    private static void Validate(MigrationRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Environment)) errors["environment"] = ["An environment is required."];
        foreach (var w in request.Waivers)
        {
            if (LintRules.Find(w.RuleId) is null) errors[$"waivers.{w.Change}.{w.RuleId}"] = [$"Unknown lint rule '{w.RuleId}'."];
            else if (string.IsNullOrWhiteSpace(w.Reason) || string.IsNullOrWhiteSpace(w.By))
                errors[$"waivers.{w.Change}.{w.RuleId}"] = ["A waiver names who waived it and why."];
        }
        if (errors.Count > 0) throw new InvalidInputException("The migration request is invalid.", errors);
    }

    private TargetSessionOptions SessionOptions(Guid batchId, string purpose) =>
        new(batchId, purpose, _options.LockTimeout, _options.StatementTimeout);

    // ---- shared run frame -------------------------------------------------------------------------

    private sealed class Run(MigrationRequest request, MigrationRunKind kind, IProgress<MigrationProgress>? progress, TimeProvider clock)
    {
        public MigrationRequest Request { get; } = request;
        public MigrationRunKind Kind { get; } = kind;
        public DateTime StartedAt { get; } = clock.GetUtcNow().UtcDateTime;
        public Stopwatch Watch { get; } = Stopwatch.StartNew();
        public TimeProvider Clock { get; } = clock;
        public RevertTarget? RevertTarget { get; init; }
        public ITargetSession? Session { get; set; }
        public PreflightReport? Preflight { get; set; }
        public List<ChangeEvidence> Changes { get; } = [];
        public List<string> Errors { get; } = [];
        public SchemaSnapshot? Before { get; set; }
        public SchemaSnapshot? After { get; set; }
        public IReadOnlyList<TableRowCount>? RowCounts { get; set; }
        public MigrationOutcome Outcome { get; set; } = MigrationOutcome.Succeeded;
        public string Summary { get; set; } = "";
        public int Total { get; set; }

        public void Report(string step, string? change, int completed, string message) =>
            progress?.Report(new MigrationProgress(Request.BatchId, Kind, step, change, completed, Total, message));

        public void Fail(string error)
        {
            Outcome = MigrationOutcome.Failed;
            Errors.Add(error);
        }

        public void Block(string summary, IEnumerable<string> blockers)
        {
            Outcome = MigrationOutcome.Blocked;
            Summary = summary;
            Errors.AddRange(blockers);
        }
    }

    private async Task<MigrationRunResult> RunAsync(Run run, Func<Run, Task> body, CancellationToken ct)
    {
        var target = run.Request.Target;
        var purpose = run.Kind switch { MigrationRunKind.DryRun => "dry-run", MigrationRunKind.Apply => "apply", _ => "revert" };
        run.Report("connecting", null, 0, $"Connecting to {target.Description}.");
        try
        {
            run.Session = await target.ConnectAsync(SessionOptions(run.Request.BatchId, purpose), ct);
        }
        catch (Exception e)
        {
            run.Preflight = Unreachable(run.Request, e);
            run.Block($"The target {target.Description} cannot be reached.", run.Preflight.Blockers);
            return Seal(run);
        }
        await using (run.Session)
        {
            try
            {
                var attempt = await run.Session.TryLockAsync(ct);
                if (!attempt.Acquired)
                {
                    var message = LockMessage(attempt.HeldBy);
                    run.Block(message, [message]);
                    return Seal(run);
                }
                await body(run);
            }
            catch (Exception e)
            {
                // Whatever broke (the target went away, the run was cancelled), the evidence says so.
                run.Fail(e is OperationCanceledException ? "The run was cancelled." : $"The run stopped: {target.Redact(e.Message)}");
                if (run.Summary.Length == 0) run.Summary = run.Errors[^1];
            }
        }
        run.Report("finished", null, run.Total, run.Summary);
        return Seal(run);
    }

    private static string LockMessage(string? holder)
    {
        var parts = (holder ?? "").Split(' ', 2);
        return parts.Length == 2 && Guid.TryParse(parts[1], out var batch)
            ? $"Batch {batch} is already running ({parts[0]}) on this target."
            : $"Another migration run ({holder ?? "unknown"}) holds this target's lock.";
    }

    private PreflightReport Unreachable(MigrationRequest request, Exception e) =>
        new(request.Target.Description, false, [], [], [], [], [], [], null, [],
            [$"Cannot connect to {request.Target.Description}: {request.Target.Redact(e.Message)}"]);

    private async Task<PreflightReport> InspectAsync(ITargetSession session, MigrationRequest request, bool holdsLock, CancellationToken ct, DbTransaction? tx = null)
    {
        var permissions = await session.CheckPermissionsAsync(ct);
        var applied = await session.ReadHistoryAsync(request.Source.Service, tx, ct);
        var status = MigrationStatus.Compare(request.Source, applied);
        var batch = SelectBatch(request, status);
        var holder = holdsLock ? null : await session.LockHolderAsync(ct);
        var findings = MigrationLinter.Lint(batch, request.Target.Dialect, request.Waivers);

        var blockers = new List<string>(permissions);
        blockers.AddRange(status.Drift.Select(d => d.Files.Count > 0
            ? $"Drift: {d.Change} {d.Reason}: {string.Join(", ", d.Files)}."
            : $"Drift: {d.Change} is {d.Reason}."));
        if (!request.AllowOutOfOrder)
            blockers.AddRange(status.OutOfOrder.Where(o => batch.Any(b => b.Name == o))
                .Select(o => $"Out of order: {o} is pending but sorts before a change already applied."));
        if (holder is not null) blockers.Add(LockMessage(holder));
        blockers.AddRange(StatementGuard.Scan(batch, request.Target.Dialect).Select(r => r.ToString()));
        blockers.AddRange(NotApproved(request, batch));
        blockers.AddRange(findings.Where(f => f.Blocks)
            .Select(f => $"Lint: {f.RuleId} in {f.Change}/{f.File}{(f.Line > 0 ? $" line {f.Line}" : "")} is an error that nobody waived."));
        return new PreflightReport(request.Target.Description, true, permissions, applied, status.Pending, batch.Select(b => b.Name).ToList(),
            status.Drift, status.OutOfOrder, holder, findings, blockers);
    }

    private static IEnumerable<string> NotApproved(MigrationRequest request, IEnumerable<MigrationChange> batch)
    {
        if (request.ApprovedChanges is not { } approved) yield break;
        foreach (var change in batch)
        {
            if (!approved.TryGetValue(change.Name, out var checksum))
                yield return $"Not approved: {change.Name} was not among the changes this batch was requested with; request a new batch to run it.";
            else if (checksum != change.Checksum)
                yield return $"Not approved: {change.Name} differs from the SQL this batch was requested with (checksum {change.Checksum[..12]}, recorded {checksum[..Math.Min(12, checksum.Length)]}).";
        }
    }

    private static List<MigrationChange> SelectBatch(MigrationRequest request, MigrationStatus status)
    {
        var pending = status.Pending.Select(p => request.Source.Find(p.Name)!).ToList();
        return request.Phase is { } phase ? pending.TakeWhile(c => c.Phase == phase).ToList() : pending;
    }

    // ---- apply -----------------------------------------------------------------------------------

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
            await ExecuteAsync(session, tx, change.Deploy, dialect, ct);
            verify = await VerifyAsync(session, tx, change, dialect, ct);
            var record = new AppliedChange(run.Request.Source.Service, change.Name, change.Sequence, change.Phase, change.Checksum, change.FileChecksums,
                run.Clock.GetUtcNow().UtcDateTime, run.Request.RequestedBy.Name, run.Request.BatchId, watch.ElapsedMilliseconds);
            await session.RecordDeployAsync(tx, record, ct);
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

    // ---- dry-run ---------------------------------------------------------------------------------

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

    // ---- revert ----------------------------------------------------------------------------------

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

    // ---- statements ------------------------------------------------------------------------------

    /// <summary>A statement or verify failed; carries the error with its position.</summary>
    private sealed class StepFailure(StatementError error, VerifyEvidence? verify = null) : Exception(error.ToString())
    {
        public StatementError Error { get; } = error;
        public VerifyEvidence? Verify { get; } = verify;
    }

    private static async Task ExecuteAsync(ITargetSession session, DbTransaction? tx, MigrationScript script, SqlDialect dialect, CancellationToken ct)
    {
        foreach (var statement in SqlSplitter.Split(script.Sql, dialect))
            await ExecuteStatementAsync(session, tx, script, statement, ct);
    }

    private static async Task<StatementResult> ExecuteStatementAsync(ITargetSession session, DbTransaction? tx, MigrationScript script, SqlStatement statement, CancellationToken ct)
    {
        if (StatementGuard.Check(statement, session.Dialect) is { } refusal)
            throw new StepFailure(new StatementError(script.FileName, statement.Index, statement.Line, statement.Column, statement.Excerpt(400),
                $"refused by the runner ({refusal.Rule}): {refusal.Reason}", StatementRefusal.Code));
        try
        {
            return await session.ExecuteAsync(tx, statement, ct);
        }
        catch (DbException e)
        {
            throw new StepFailure(session.DescribeError(e, script, statement));
        }
        catch (InvalidOperationException e) when (!ct.IsCancellationRequested)
        {
            // The driver's word for a connection that went away mid-statement.
            throw new StepFailure(session.DescribeError(e, script, statement));
        }
        catch (TimeoutException e)
        {
            throw new StepFailure(session.DescribeError(e, script, statement));
        }
    }

    /// <summary>
    /// Runs verify.sql. It fails on any error (as Sqitch's verify does) and also when a query that
    /// returns a single column gives false or 0 first: SQLite cannot raise an error from plain SQL,
    /// so "SELECT count(*) FROM ... WHERE ..." is how a SQLite verify says no.
    /// </summary>
    private static async Task<VerifyEvidence> VerifyAsync(ITargetSession session, DbTransaction? tx, MigrationChange change, SqlDialect dialect, CancellationToken ct)
    {
        var statements = SqlSplitter.Split(change.Verify.Sql, dialect);
        foreach (var statement in statements)
        {
            StatementResult result;
            try
            {
                result = await ExecuteStatementAsync(session, tx, change.Verify, statement, ct);
            }
            catch (StepFailure failure)
            {
                throw new StepFailure(failure.Error, new VerifyEvidence(false, $"verify.sql failed: {failure.Error}"));
            }
            if (result.HasSingleValue && IsFalse(result.Value))
            {
                var error = new StatementError(change.Verify.FileName, statement.Index, statement.Line, statement.Column, statement.Excerpt(400),
                    $"verify returned {result.Value}", null);
                throw new StepFailure(error, new VerifyEvidence(false, $"verify.sql statement {statement.Index + 1} (line {statement.Line}) returned {result.Value}."));
            }
        }
        return new VerifyEvidence(true, $"{statements.Count} verify statement(s) passed.");
    }

    private static bool IsFalse(object? value) => value switch
    {
        bool b => !b,
        long or int or short or byte or decimal or double or float => Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture) == 0,
        _ => false,
    };

    private static async Task RollbackQuietlyAsync(DbTransaction? tx)
    {
        if (tx is null) return;
        try
        {
            await tx.RollbackAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            // The connection is gone; the server rolled the transaction back with it.
        }
    }

    // ---- evidence --------------------------------------------------------------------------------

    private static ChangeEvidence Evidence(MigrationChange change, ChangeOutcome outcome, DateTime? started, Stopwatch? watch, VerifyEvidence? verify,
        ReversibilityEvidence? reversibility, SchemaDiff? diff, StatementError? error, string? note) =>
        new(change.Name, change.Sequence, change.Phase, change.Transactional, change.Checksum,
            change.Scripts.Select(s => new ScriptEvidence(s.FileName, s.Sha256, s.Sql)).ToList(),
            outcome, started, watch?.ElapsedMilliseconds ?? 0, verify, reversibility, diff, error, note);

    private static ChangeEvidence NotRun(MigrationChange change, string note) =>
        Evidence(change, ChangeOutcome.NotRun, null, null, null, null, null, null, note);

    private MigrationRunResult Seal(Run run)
    {
        var request = run.Request;
        if (run.Summary.Length == 0) run.Summary = run.Errors.FirstOrDefault() ?? run.Outcome.ToString();
        var diff = run.Before is not null && run.After is not null ? SchemaDiff.Compare(run.Before, run.After) : null;
        var evidence = new MigrationEvidence(
            MigrationEvidence.CurrentFormat, request.BatchId, run.Kind, run.Outcome, run.Summary, request.Source.Service, request.Environment, request.Phase,
            run.RevertTarget?.ToString(), request.Target.Kind, request.Target.Description, request.Source.Origin, request.Source.Checksum,
            request.RequestedBy.Name, request.RequestedBy.CorrelationId, request.ApprovedBy, request.ApprovedAt,
            run.StartedAt, run.Clock.GetUtcNow().UtcDateTime, run.Watch.ElapsedMilliseconds, _options.ConsoleVersion,
            run.Preflight, request.Waivers, run.Changes, run.Before, run.After, diff, run.Errors.Select(request.Target.Redact).ToList(), run.RowCounts);
        return new MigrationRunResult(evidence, EvidenceSeal.Sha256(evidence), EvidenceSeal.ToDocument(evidence));
    }
}
