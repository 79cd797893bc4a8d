using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Migrations.Lint;
using OpsConsole.Core.Migrations.Targets;

namespace OpsConsole.Core.Migrations;

/// <summary>
/// The migration engine: preflight, dry-run, apply and revert of one service's changes against one
/// target. Every run, whatever its end, returns sealed evidence; nothing here touches the console's
/// own store, so the orchestration decides where batches, evidence and audit entries go.
/// A run holds the target's migration lock from start to end: a second run is refused, not queued.
/// </summary>
public sealed partial class MigrationRunner(MigrationRunnerOptions? options = null, TimeProvider? clock = null)
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
}
