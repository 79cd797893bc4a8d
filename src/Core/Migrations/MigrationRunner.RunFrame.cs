using System.Data.Common;
using System.Diagnostics;
using OpsConsole.Core.Migrations.Evidence;
using OpsConsole.Core.Migrations.Lint;
using OpsConsole.Core.Migrations.Sql;
using OpsConsole.Core.Migrations.Targets;

namespace OpsConsole.Core.Migrations;

/// <summary>What every run shares: the session and lock, the preflight, progress, and the sealed evidence at the end, however the run ends.</summary>
public sealed partial class MigrationRunner
{
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
