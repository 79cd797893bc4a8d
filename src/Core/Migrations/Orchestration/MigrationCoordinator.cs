using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Migrations.Lint;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Migrations.Orchestration;

/// <summary>
/// The migrations capability for people: status of a target, requests for dry-runs, applies and
/// reverts (ReleaseManager), approval by a second ReleaseManager where the target demands it, and
/// the targets themselves (Admin). Each change is audited; runs happen in <see cref="MigrationBatchExecutor"/>.
/// </summary>
public sealed class MigrationCoordinator(OpsDbContext db, MigrationCatalog catalog, MigrationTargets targets, MigrationRunner runner,
    IMigrationJobQueue queue, TimeProvider clock, EventOutbox outbox, MigrationUpdates? updates = null, MigrationApprovalPolicy? approvals = null)
{
    private readonly MigrationApprovalPolicy _approvals = approvals ?? MigrationApprovalPolicy.Default;

    public async Task<(MigrationTargetConfig Target, MigrationStatus Status)> StatusAsync(string service, string environment, CancellationToken ct = default)
    {
        var config = await FindTargetAsync(service, environment, ct);
        var source = catalog.Read(service);
        var target = targets.Open(config);
        try
        {
            return (config, await runner.StatusAsync(source, target, ct));
        }
        catch (Exception e) when (e is System.Data.Common.DbException or IOException or InvalidOperationException or TimeoutException)
        {
            throw new TargetUnavailableException($"The target {config.Description} of {service}/{environment} could not be read: {target.Redact(e.Message)}");
        }
    }

    public async Task<MigrationBatch> RequestAsync(Actor actor, string service, string environment, MigrationBatchRequest request, CancellationToken ct = default)
    {
        var verb = request.Kind switch { MigrationRunKind.DryRun => "dry-run", MigrationRunKind.Apply => "apply", _ => "revert" };
        actor.Require($"{verb} migrations", MigrationRoles.Run);
        var config = await FindTargetAsync(service, environment, ct);
        var source = catalog.Read(service);
        var now = clock.GetUtcNow().UtcDateTime;

        var errors = new Dictionary<string, string[]>();
        var waivers = new List<MigrationWaiver>();
        foreach (var (w, i) in (request.Waivers ?? []).Select((w, i) => (w, i)))
        {
            if (string.IsNullOrWhiteSpace(w.Change) || source.Find(w.Change) is null) errors[$"waivers[{i}].change"] = [$"Service {service} has no change '{w.Change}'."];
            else if (string.IsNullOrWhiteSpace(w.RuleId) || LintRules.Find(w.RuleId) is null) errors[$"waivers[{i}].ruleId"] = [$"Unknown lint rule '{w.RuleId}'."];
            else if (string.IsNullOrWhiteSpace(w.Reason)) errors[$"waivers[{i}].reason"] = ["A waiver gives its reason."];
            else waivers.Add(new MigrationWaiver(w.Change, w.RuleId, actor.Name, w.Reason.Trim()));
        }
        if (request.Kind == MigrationRunKind.Revert)
        {
            if (request.RevertCount is null && string.IsNullOrWhiteSpace(request.RevertTo)) errors["count"] = ["Say how many changes to revert (count) or the change to revert back to (to)."];
            else if (request.RevertCount is <= 0) errors["count"] = ["The number of changes to revert is at least 1."];
            else if (request.RevertTo is { Length: > 0 } to && source.Find(to) is null) errors["to"] = [$"Service {service} has no change '{to}'."];
        }
        if (request.ScheduledFor is { } at && at.ToUniversalTime() > now.AddDays(90)) errors["scheduledFor"] = ["Schedule within 90 days."];
        if (errors.Count > 0) throw new InvalidInputException("The migration request is invalid.", errors);

        // A dry-run runs the change's SQL on the real target (rolled back, but it takes its locks and its time there):
        // where an apply needs a second pair of eyes, so does the rehearsal.
        var needsApproval = config.RequiresApproval;
        var recorded = await RecordAsync(config, source, request, waivers, ct);
        var batch = new MigrationBatch
        {
            Service = service, Environment = environment, Kind = request.Kind, RequestedBy = actor.Name, RequestedAt = now,
            ScheduledFor = request.ScheduledFor?.ToUniversalTime() is { } s && s > now ? s : null,
            WaiversJson = JsonSerializer.Serialize(waivers, MigrationBatchResult.Json),
            RevertCount = request.RevertCount, RevertTo = string.IsNullOrWhiteSpace(request.RevertTo) ? null : request.RevertTo,
            RequiresApproval = needsApproval, Phase = request.Phase, PlanId = request.PlanId,
            SourceOrigin = source.Origin, SourceChecksum = source.Checksum,
            ChangesJson = JsonSerializer.Serialize(recorded, MigrationBatchResult.Json),
            Status = needsApproval ? MigrationBatchStatus.AwaitingApproval : MigrationBatchStatus.Pending,
            Message = needsApproval ? "Waiting for a ReleaseManager other than the requester to approve." : "Queued.",
            UpdatedAt = now,
        };
        db.MigrationBatches.Add(batch);
        AuditTrail.Record(db, actor, $"migration.request-{verb}", $"{service}/{environment}", after: Summary(batch, config));
        await db.SaveChangesAsync(ct);
        if (!needsApproval) Enqueue(batch);
        updates?.Publish(batch.Id);
        return batch;
    }

    /// <summary>
    /// The changes the batch will run, read from the target now: its pending changes (of the phase)
    /// for a dry-run or apply, the applied changes it would undo for a revert. When the target cannot
    /// be read, every change of the source is recorded, so the run is still bound to this source.
    /// </summary>
    private async Task<RecordedBatch> RecordAsync(MigrationTargetConfig config, MigrationSource source, MigrationBatchRequest request,
        IReadOnlyList<MigrationWaiver> waivers, CancellationToken ct)
    {
        var target = targets.Open(config);
        MigrationStatus status;
        try
        {
            status = await runner.StatusAsync(source, target, ct);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or IOException or InvalidOperationException or TimeoutException)
        {
            return RecordedBatch.From("every change of the source (the target could not be read when the batch was requested)", source.Changes, target.Dialect, waivers);
        }
        List<MigrationChange> changes;
        string scope;
        if (request.Kind == MigrationRunKind.Revert)
        {
            var newestFirst = status.Applied.Reverse().ToList();
            var chosen = request.RevertTo is { Length: > 0 } to
                ? newestFirst.TakeWhile(a => a.Name != to).ToList()
                : newestFirst.Take(request.RevertCount ?? 1).ToList();
            changes = chosen.Select(a => source.Find(a.Name)).OfType<MigrationChange>().ToList();
            scope = $"the applied changes to revert ({(request.RevertTo is { Length: > 0 } t ? $"back to {t}" : $"last {request.RevertCount ?? 1}")}), newest first";
        }
        else
        {
            var pending = status.Pending.Select(p => source.Find(p.Name)!).ToList();
            changes = request.Phase is { } phase ? pending.TakeWhile(c => c.Phase == phase).ToList() : pending;
            scope = request.Phase is { } p2 ? $"the pending {p2.ToString().ToLowerInvariant()} changes" : "the pending changes";
        }
        return RecordedBatch.From(scope, changes, target.Dialect, waivers);
    }

    /// <summary>Stores an uploaded bundle as the service's migrations for a version (ReleaseManager); audited with its checksum.</summary>
    public async Task<MigrationSource> UploadBundleAsync(Actor actor, string service, string? version, Stream zip, CancellationToken ct = default)
    {
        actor.Require("upload migration bundles", MigrationRoles.Run);
        var (source, stored) = await catalog.StoreBundleAsync(service, version ?? "", zip, ct);
        if (!stored) return source; // the same bundle again: nothing changed, nothing to record
        var summary = new { service, version, checksum = source.Checksum, changes = source.Changes.Select(c => c.Name) };
        AuditTrail.Record(db, actor, "migration.bundle.upload", $"migrations/{service}", after: summary);
        outbox.Add(db, actor, EventTypes.MigrationBundleUploaded, $"migrations/{service}", summary);
        await db.SaveChangesAsync(ct);
        return source;
    }

    public async Task<MigrationBatch> ApproveAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        actor.Require(MigrationApproval.Action, MigrationApproval.ApproverRoles);
        var batch = await db.MigrationBatches.FirstOrDefaultAsync(b => b.Id == id, ct) ?? throw new NotFoundException($"Migration batch {id}");
        if (MigrationApproval.Check(batch, actor) is { } refusal) throw new ConflictException(refusal);
        var now = clock.GetUtcNow().UtcDateTime;
        var current = catalog.Read(batch.Service);
        if (current.Checksum != batch.SourceChecksum)
            throw new ConflictException($"The migrations of {batch.Service} changed since batch {id} was requested ({batch.SourceOrigin} then, {current.Origin} now): " +
                                        "what you would approve is no longer what would run. Request a new batch.");
        if (batch.ScheduledFor is { } at && at > now + _approvals.Validity)
            throw new ConflictException($"Batch {id} is scheduled for {at:u}, after an approval given now would expire ({_approvals.Validity.TotalHours:0.#} h): approve it closer to its time.");
        batch.ApprovedBy = actor.Name;
        batch.ApprovedAt = now;
        batch.Status = MigrationBatchStatus.Pending;
        batch.Message = "Approved; queued.";
        batch.UpdatedAt = now;
        AuditTrail.Record(db, actor, "migration.approve", $"{batch.Service}/{batch.Environment}",
            before: new { status = nameof(MigrationBatchStatus.AwaitingApproval) },
            after: new
            {
                batchId = batch.Id, kind = batch.Kind.ToString(), requestedBy = batch.RequestedBy, approvedBy = actor.Name, sourceChecksum = batch.SourceChecksum,
                changes = batch.Recorded?.Changes.Select(c => new { c.Name, c.Checksum }), expiresAt = batch.ApprovalExpiresAt(_approvals)
            });
        await db.SaveChangesAsync(ct);
        Enqueue(batch);
        updates?.Publish(batch.Id);
        return batch;
    }

    /// <summary>Points a target at a database (Admin). The connection string is stored protected and never returned.</summary>
    public async Task<MigrationTargetConfig> SetTargetAsync(Actor actor, string service, string environment, string? provider, string? connectionString,
        bool? requiresApproval, CancellationToken ct = default)
    {
        actor.Require("configure migration targets", MigrationRoles.Configure);
        var errors = new Dictionary<string, string[]>();
        if (!MigrationTargets.IsValidName(service)) errors["service"] = ["A service name is lower-case letters, digits and '-'."];
        if (!MigrationTargets.IsValidName(environment)) errors["environment"] = ["An environment name is lower-case letters, digits and '-'."];
        if (string.IsNullOrWhiteSpace(connectionString)) errors["connectionString"] = ["A connection string is required."];
        else if (connectionString.Length > 4096) errors["connectionString"] = ["The connection string is longer than 4096 characters."];
        if (errors.Count > 0) throw new InvalidInputException("The target is invalid.", errors);
        var kind = MigrationTargets.ParseProvider(provider);
        var target = targets.Allowed(MigrationTargets.Create(kind, connectionString!));
        var now = clock.GetUtcNow().UtcDateTime;

        var config = await db.MigrationTargets.FirstOrDefaultAsync(t => t.Service == service && t.Environment == environment, ct);
        var before = config is null ? null : new { provider = config.Provider.ToString(), target = config.Description, requiresApproval = config.RequiresApproval };
        if (config is null)
        {
            config = new MigrationTargetConfig
            {
                Service = service, Environment = environment, ProtectedConnectionString = "", Description = "", UpdatedBy = actor.Name,
                RequiresApproval = requiresApproval ?? environment == "prod",
            };
            db.MigrationTargets.Add(config);
        }
        config.Provider = kind;
        config.ProtectedConnectionString = targets.Protect(connectionString!);
        config.Description = target.Description;
        if (requiresApproval is { } r) config.RequiresApproval = r;
        config.UpdatedBy = actor.Name;
        config.UpdatedAt = now;
        AuditTrail.Record(db, actor, "migration.target.update", $"{service}/{environment}", before: before,
            after: new { provider = kind.ToString(), target = config.Description, requiresApproval = config.RequiresApproval });
        await db.SaveChangesAsync(ct);
        return config;
    }

    private async Task<MigrationTargetConfig> FindTargetAsync(string service, string environment, CancellationToken ct)
    {
        if (!MigrationTargets.IsValidName(service) || !MigrationTargets.IsValidName(environment))
            throw new NotFoundException($"Migration target {service}/{environment}");
        return await db.MigrationTargets.AsNoTracking().FirstOrDefaultAsync(t => t.Service == service && t.Environment == environment, ct)
               ?? throw new NotFoundException($"Migration target {service}/{environment}");
    }

    private void Enqueue(MigrationBatch batch)
    {
        if (batch.ScheduledFor is { } at && at > clock.GetUtcNow().UtcDateTime) queue.RunAt(batch.Id, at);
        else queue.RunNow(batch.Id);
    }

    private static object Summary(MigrationBatch b, MigrationTargetConfig config) => new
    {
        batchId = b.Id, kind = b.Kind.ToString(), status = b.Status.ToString(), target = config.Description, scheduledFor = b.ScheduledFor,
        waivers = b.Waivers.Select(w => new { change = w.Change, rule = w.RuleId, reason = w.Reason }), revertCount = b.RevertCount, revertTo = b.RevertTo,
        phase = b.Phase?.ToString().ToLowerInvariant(), planId = b.PlanId, source = b.SourceOrigin, sourceChecksum = b.SourceChecksum,
        changes = b.Recorded?.Changes.Select(c => new { c.Name, c.Checksum }),
    };
}
