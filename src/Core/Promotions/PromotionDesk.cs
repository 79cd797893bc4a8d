using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Config;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Releases;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Core.Promotions;

/// <summary>
/// Promotions from request to outcome: asks for them, records people's decisions (four-eyes:
/// never the requester), evaluates the gates, and once they pass carries out a deployment plan
/// (expand -> rollout -> contract) and follows it to its end. Every change is audited and announced.
/// </summary>
public sealed class PromotionDesk(
    OpsDbContext db, EventOutbox outbox, IFreezeCalendar freezes, IConfigSnapshots configs, DeploymentPlanner planner, TimeProvider clock,
    ILogger<PromotionDesk>? logger = null, Slo.IErrorBudgets? budgets = null) : IPromotionRequests
{
    /// <summary>Roles that may ask for a promotion (a CI pipeline through its Ci-scoped token, or a ReleaseManager).</summary>
    public static readonly string[] RequestRoles = [Roles.ReleaseManager, TokenScopes.Ci];

    /// <summary>A promotion that claimed its deployment but has no plan after this long is failed (the claimer died).</summary>
    public static readonly TimeSpan PlanClaimTimeout = TimeSpan.FromMinutes(5);

    /// <summary>How long after its rollout ended a plan is left to its own watcher before a promotion moves it on.</summary>
    public static readonly TimeSpan PlanNoticeGrace = TimeSpan.FromSeconds(5);

    public async Task<PromotionTicket> RequestAsync(Actor actor, string service, string version, string environment, CancellationToken ct = default)
    {
        actor.Require("request promotions", RequestRoles);
        service = service?.Trim() ?? "";
        version = version?.Trim() ?? "";
        environment = environment?.Trim() ?? "";
        var errors = new Dictionary<string, string[]>();
        if (service.Length == 0) errors["service"] = ["A service is required."];
        if (version.Length == 0) errors["version"] = ["A version is required."];
        if (environment.Length == 0) errors["environment"] = ["An environment is required."];
        if (errors.Count > 0) throw new InvalidInputException("The promotion request is incomplete.", errors);

        var release = await db.Releases.AsNoTracking().FirstOrDefaultAsync(r => r.Service == service && r.Version == version, ct)
                      ?? throw new NotFoundException($"Release {service} {version}");
        _ = await db.PipelineStages.AsNoTracking().FirstOrDefaultAsync(s => s.Service == service && s.Environment == environment, ct)
            ?? throw new NotFoundException($"Pipeline stage {environment} of {service}");
        if (await RejectionAsync(release.Id, ct) is { } rejected)
            throw new ConflictException($"Release {service} {version} is rejected for the pipeline ({rejected.RejectedReason}); " +
                                        "a ReleaseManager must lift the rejection before it can be promoted again.");
        var key = $"{service}/{environment}";
        if (await db.Promotions.AsNoTracking().FirstOrDefaultAsync(p => p.InFlightKey == key, ct) is { } busy)
            throw new ConflictException($"Promotion {busy.Id} of {busy.Service} {busy.Version} to {busy.Environment} is still in flight ({busy.Status}): one at a time per service and environment.");

        var snapshot = await configs.CurrentAsync(service, environment, ct);
        var now = Now();
        var promotion = new Promotion
        {
            Service = service, Version = version, Environment = environment, ReleaseId = release.Id, RequestedBy = actor.Name,
            RequestedAt = now, UpdatedAt = now, Status = PromotionStatus.WaitingForGates, ConfigHashAtRequest = snapshot.Hash,
            InFlightKey = key, Message = "Waiting for the gates to be evaluated.",
        };
        db.Promotions.Add(promotion);
        AuditTrail.Record(db, actor, "promotion.request", key, after: new { promotionId = promotion.Id, version, configHash = snapshot.Hash });
        outbox.Add(db, actor, EventTypes.PromotionRequested, key, Data(promotion, new { requestedBy = actor.Name }));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two requests raced: the unique in-flight key let one through.
            db.ChangeTracker.Clear();
            throw new ConflictException($"Another promotion to {key} was requested at the same moment: one at a time per service and environment.");
        }
        await EvaluateAsync(promotion.Id, ct);
        var status = await db.Promotions.AsNoTracking().Where(p => p.Id == promotion.Id).Select(p => p.Status).FirstAsync(ct);
        return new PromotionTicket(promotion.Id, status.ToString());
    }

    /// <summary>Why this actor may not approve or reject the promotion, or null when they may.</summary>
    public static string? WhyCannotDecide(Actor actor, Promotion promotion)
    {
        if (!actor.IsInRole(Roles.ReleaseManager)) return "Only a ReleaseManager may approve or reject promotions.";
        if (string.Equals(actor.Name, promotion.RequestedBy, StringComparison.OrdinalIgnoreCase))
            return $"You requested this promotion: the four-eyes rule needs a ReleaseManager other than {promotion.RequestedBy} to decide.";
        if (!promotion.IsWaiting) return $"The promotion is {promotion.Status}: there is nothing left to decide.";
        return null;
    }

    public Task<Promotion> ApproveAsync(Actor actor, Guid id, string? comment, CancellationToken ct = default) =>
        RetryAsync(() => DecideAsync(actor, id, ApprovalDecision.Approved, comment, ct));

    public Task<Promotion> RejectAsync(Actor actor, Guid id, string? comment, CancellationToken ct = default) =>
        RetryAsync(() => DecideAsync(actor, id, ApprovalDecision.Rejected, comment, ct));

    /// <summary>A decision that lost a race with an evaluation (nothing of it was saved) is applied again to the fresh state.</summary>
    private async Task<Promotion> RetryAsync(Func<Task<Promotion>> attempt)
    {
        for (var i = 1; ; i++)
        {
            try
            {
                return await attempt();
            }
            catch (ChangedMeanwhileException) when (i < 3)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    private sealed class ChangedMeanwhileException(string message) : ConflictException(message);

    private async Task<Promotion> DecideAsync(Actor actor, Guid id, ApprovalDecision decision, string? comment, CancellationToken ct)
    {
        var verb = decision == ApprovalDecision.Approved ? "approve" : "reject";
        actor.Require($"{verb} promotions", Roles.ReleaseManager);
        comment = comment?.Trim() ?? "";
        if (comment.Length > Promotion.MaxCommentLength)
            throw new InvalidInputException("comment", $"A comment has at most {Promotion.MaxCommentLength} characters.");
        if (decision == ApprovalDecision.Rejected && comment.Length == 0)
            throw new InvalidInputException("comment", "Say why the promotion is rejected.");
        var promotion = await LoadAsync(id, ct) ?? throw new NotFoundException($"Promotion {id}");
        if (string.Equals(actor.Name, promotion.RequestedBy, StringComparison.OrdinalIgnoreCase))
            throw new AccessDeniedException($"{verb} a promotion you requested yourself (four-eyes rule: {promotion.RequestedBy} asked for it, so another ReleaseManager must decide)",
                [$"{Roles.ReleaseManager} other than the requester"]);
        if (!promotion.IsWaiting)
            throw new ConflictException($"Promotion {id} is {promotion.Status}: it can no longer be {verb}d.");
        var snapshot = await configs.CurrentAsync(promotion.Service, promotion.Environment, ct);
        if (decision == ApprovalDecision.Approved && promotion.Approvals.Any(a => a.Decision == ApprovalDecision.Approved
                && string.Equals(a.By, actor.Name, StringComparison.OrdinalIgnoreCase) && a.ConfigHash == snapshot.Hash && a.ReleaseId == promotion.ReleaseId))
            throw new ConflictException($"You already approved promotion {id} for this release and config.");

        var now = Now();
        promotion.Approvals.Add(new PromotionApproval
        {
            PromotionId = promotion.Id, By = actor.Name, At = now, Comment = comment, Decision = decision, ConfigHash = snapshot.Hash, ReleaseId = promotion.ReleaseId,
        });
        Touch(promotion, now);
        AuditTrail.Record(db, actor, $"promotion.{verb}", promotion.Subject, after: new { promotionId = promotion.Id, promotion.Version, comment, configHash = snapshot.Hash });
        if (decision == ApprovalDecision.Rejected)
        {
            Finish(promotion, PromotionStatus.Rejected, $"Rejected by {actor.Name}: {comment}", now);
            outbox.Add(db, actor, EventTypes.PromotionRejected, promotion.Subject, Data(promotion, new { by = actor.Name, comment }));
        }
        else
        {
            promotion.Message = $"Approved by {actor.Name}.";
            outbox.Add(db, actor, EventTypes.PromotionApproved, promotion.Subject, Data(promotion, new { by = actor.Name, comment }));
        }
        await SaveOrConflictAsync(id, ct);
        if (decision == ApprovalDecision.Approved) await EvaluateAsync(id, ct);
        return await LoadAsync(id, ct) ?? promotion;
    }

    /// <summary>Break-glass: an Admin lifts the freeze gate for this one promotion, with a written reason (audited and announced).</summary>
    public Task<Promotion> OverrideFreezeAsync(Actor actor, Guid id, string? reason, CancellationToken ct = default) =>
        RetryAsync(() => OverrideFreezeOnceAsync(actor, id, reason, ct));

    private async Task<Promotion> OverrideFreezeOnceAsync(Actor actor, Guid id, string? reason, CancellationToken ct)
    {
        actor.Require("override a freeze window", Roles.Admin);
        reason = reason?.Trim() ?? "";
        if (reason.Length == 0) throw new InvalidInputException("reason", "A break-glass override needs a written reason.");
        if (reason.Length > Promotion.MaxCommentLength) throw new InvalidInputException("reason", $"A reason has at most {Promotion.MaxCommentLength} characters.");
        var promotion = await LoadAsync(id, ct) ?? throw new NotFoundException($"Promotion {id}");
        if (!promotion.IsWaiting) throw new ConflictException($"Promotion {id} is {promotion.Status}: there is no freeze gate left to override.");
        var freeze = await freezes.StateAsync(promotion.Service, promotion.Environment, Now(), ct);
        var now = Now();
        promotion.FreezeOverrideBy = actor.Name;
        promotion.FreezeOverrideReason = reason;
        promotion.FreezeOverrideAt = now;
        Touch(promotion, now);
        AuditTrail.Record(db, actor, "promotion.override-freeze", promotion.Subject,
            after: new { promotionId = promotion.Id, promotion.Version, reason, window = freeze.Window, frozen = freeze.Frozen });
        outbox.Add(db, actor, EventTypes.FreezeOverridden, promotion.Subject, Data(promotion, new { by = actor.Name, reason, window = freeze.Window }));
        await SaveOrConflictAsync(id, ct);
        await EvaluateAsync(id, ct);
        return await LoadAsync(id, ct) ?? promotion;
    }

    /// <summary>Withdraws a promotion that has not started deploying (a running deployment is aborted through its rollout).</summary>
    public async Task<Promotion> CancelAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        actor.Require("cancel promotions", Roles.ReleaseManager, Roles.Admin, TokenScopes.Ci);
        var promotion = await LoadAsync(id, ct) ?? throw new NotFoundException($"Promotion {id}");
        if (actor.IsInRole(TokenScopes.Ci) && !actor.IsInAnyRole(Roles.ReleaseManager, Roles.Admin)
            && !string.Equals(actor.Name, promotion.RequestedBy, StringComparison.OrdinalIgnoreCase))
            throw new AccessDeniedException("cancel a promotion another pipeline requested", [Roles.ReleaseManager, Roles.Admin]);
        if (!promotion.IsWaiting)
            throw new ConflictException(promotion.Status == PromotionStatus.Deploying
                ? $"Promotion {id} is deploying: abort its rollout instead."
                : $"Promotion {id} is already {promotion.Status}.");
        var now = Now();
        Finish(promotion, PromotionStatus.Cancelled, $"Cancelled by {actor.Name}.", now);
        AuditTrail.Record(db, actor, "promotion.cancel", promotion.Subject, after: new { promotionId = promotion.Id, promotion.Version });
        outbox.Add(db, actor, EventTypes.PromotionFailed, promotion.Subject, Data(promotion, new { reason = promotion.Message, cancelled = true }));
        await SaveOrConflictAsync(id, ct);
        return promotion;
    }

    /// <summary>A ReleaseManager lifts a release's rejection for the pipeline (after a failed promotion), so it may be promoted again. Audited.</summary>
    public async Task LiftRejectionAsync(Actor actor, string service, string version, string? reason, CancellationToken ct = default)
    {
        actor.Require("lift a release's rejection", Roles.ReleaseManager);
        reason = reason?.Trim() ?? "";
        if (reason.Length == 0) throw new InvalidInputException("reason", "Say why the release may be promoted again.");
        if (reason.Length > Promotion.MaxCommentLength) throw new InvalidInputException("reason", $"A reason has at most {Promotion.MaxCommentLength} characters.");
        var release = await db.Releases.AsNoTracking().FirstOrDefaultAsync(r => r.Service == service && r.Version == version, ct)
                      ?? throw new NotFoundException($"Release {service} {version}");
        var rows = await db.ReleaseEnvironments.Where(r => r.ReleaseId == release.Id && r.RejectedForPipeline && r.LiftedAt == null).ToListAsync(ct);
        if (rows.Count == 0) throw new ConflictException($"Release {service} {version} is not rejected for the pipeline.");
        var now = Now();
        foreach (var row in rows)
        {
            row.LiftedBy = actor.Name;
            row.LiftedReason = reason;
            row.LiftedAt = now;
            row.UpdatedAt = now;
        }
        AuditTrail.Record(db, actor, "promotion.lift-rejection", $"{service}/{version}",
            before: new { rejected = rows.Select(r => new { r.Environment, r.RejectedReason }) }, after: new { reason });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Re-evaluates every waiting promotion of a release (call it when its checks were reported).</summary>
    public async Task ReevaluateAsync(string service, string version, CancellationToken ct = default)
    {
        var ids = await db.Promotions.AsNoTracking()
            .Where(p => p.Service == service && p.Version == version && (p.Status == PromotionStatus.WaitingForGates || p.Status == PromotionStatus.AwaitingApproval))
            .Select(p => p.Id).ToListAsync(ct);
        foreach (var id in ids) await EvaluateAsync(id, ct);
    }

    /// <summary>
    /// One pass over everything in flight: waiting promotions are evaluated again (time and freezes move on),
    /// deploying ones follow their plan. Idempotent; safe to run on every replica.
    /// </summary>
    public async Task<int> TickAsync(CancellationToken ct = default)
    {
        var open = await db.Promotions.AsNoTracking().Where(p => p.InFlightKey != null).Select(p => new { p.Id, p.Status }).ToListAsync(ct);
        foreach (var p in open)
        {
            try
            {
                if (p.Status == PromotionStatus.Deploying) await FollowAsync(p.Id, ct);
                else await EvaluateAsync(p.Id, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger?.LogWarning(e, "Promotion {PromotionId}: could not move on", p.Id);
                db.ChangeTracker.Clear();
            }
        }
        return open.Count;
    }

    /// <summary>Follows every deploying promotion's plan (cheap; called whenever a rollout changed).</summary>
    public async Task FollowDeployingAsync(CancellationToken ct = default)
    {
        var ids = await db.Promotions.AsNoTracking().Where(p => p.Status == PromotionStatus.Deploying).Select(p => p.Id).ToListAsync(ct);
        foreach (var id in ids) await FollowAsync(id, ct);
    }

    /// <summary>Evaluates a waiting promotion's gates, records them, and starts its deployment once all pass.</summary>
    public async Task EvaluateAsync(Guid id, CancellationToken ct = default)
    {
        db.ChangeTracker.Clear();
        var promotion = await LoadAsync(id, ct);
        if (promotion is null || !promotion.IsWaiting) return;
        var stage = await db.PipelineStages.AsNoTracking().FirstOrDefaultAsync(s => s.Service == promotion.Service && s.Environment == promotion.Environment, ct);
        var release = await db.Releases.AsNoTracking().FirstOrDefaultAsync(r => r.Service == promotion.Service && r.Version == promotion.Version, ct);
        var now = Now();
        if (stage is null || release is null)
        {
            Finish(promotion, PromotionStatus.Failed, stage is null ? $"The pipeline no longer has the stage {promotion.Environment}." : "The release no longer exists.", now);
            outbox.Add(db, SystemActor(promotion), EventTypes.PromotionFailed, promotion.Subject, Data(promotion, new { reason = promotion.Message }));
            await SaveQuietlyAsync(ct);
            return;
        }
        var input = await GateInputAsync(promotion, stage, release.Id, now, ct);
        var gates = PromotionGates.Evaluate(input);
        var json = GateResult.ToJson(gates);
        var changed = json != promotion.GatesJson;
        promotion.GatesJson = json;
        promotion.EvaluatedAt = now;
        if (!PromotionGates.AllPassed(gates))
        {
            var status = PromotionGates.OnlyApprovalsMissing(gates) ? PromotionStatus.AwaitingApproval : PromotionStatus.WaitingForGates;
            var message = "Waiting: " + string.Join(" ", gates.Where(g => !g.Passed).Select(g => g.Reason));
            if (!changed && status == promotion.Status && message == promotion.Message) return;
            promotion.Status = status;
            promotion.Message = message;
            Touch(promotion, now);
            await SaveQuietlyAsync(ct);
            return;
        }
        await DeployAsync(promotion, stage, input.ConfigHash, now, ct);
    }

    private async Task DeployAsync(Promotion promotion, PipelineStage stage, string expectedHash, DateTime now, CancellationToken ct)
    {
        var snapshot = await configs.CurrentAsync(promotion.Service, promotion.Environment, ct);
        if (snapshot.Hash != expectedHash) return; // changed in between: the next evaluation sees the new config (and voids approvals)
        // Claim the deployment first: the concurrency token lets one replica (or click) through.
        promotion.Status = PromotionStatus.Deploying;
        promotion.DeployedConfigHash = snapshot.Hash;
        promotion.Message = "All gates passed: carrying out the deployment plan.";
        Touch(promotion, now);
        if (!await SaveQuietlyAsync(ct)) return;

        var onBehalf = await PlanActorAsync(promotion, ct);
        if (onBehalf.Actor is null)
        {
            await FailAsync(promotion.Id, $"The deployment plan could not be started: {onBehalf.Refusal}", rejectRelease: false, ct);
            return;
        }
        DeploymentPlan plan;
        try
        {
            var target = await db.DeployTargets.AsNoTracking().FirstOrDefaultAsync(t => t.Service == promotion.Service && t.Environment == promotion.Environment, ct)
                         ?? throw new NotFoundException($"Service '{promotion.Service}' in environment '{promotion.Environment}'");
            plan = await planner.CreateAsync(onBehalf.Actor, promotion.Service, promotion.Environment, promotion.Version,
                StrategyFor(target, stage.AnalysisTemplate), snapshot.Workload, ct);
        }
        catch (Exception e) when (e is InvalidInputException or NotFoundException or ConflictException or AccessDeniedException)
        {
            db.ChangeTracker.Clear();
            await FailAsync(promotion.Id, $"The deployment plan could not be created: {e.Message}", rejectRelease: false, ct);
            return;
        }
        db.ChangeTracker.Clear();
        var fresh = await LoadAsync(promotion.Id, ct);
        if (fresh is null) return;
        fresh.PlanId = plan.Id;
        fresh.RolloutId = plan.RolloutId;
        fresh.Message = $"Deploying by plan {plan.Id}: {plan.Message}";
        Touch(fresh, Now());
        AuditTrail.Record(db, onBehalf.Actor, "promotion.deploy", fresh.Subject,
            after: new { promotionId = fresh.Id, fresh.Version, planId = plan.Id, rolloutId = plan.RolloutId, configHash = snapshot.Hash, configKeys = snapshot.Workload.Keys });
        await SaveQuietlyAsync(ct);
        await FollowAsync(fresh.Id, ct);
    }

    /// <summary>Moves a deploying promotion on when its plan has ended.</summary>
    public async Task FollowAsync(Guid id, CancellationToken ct = default)
    {
        db.ChangeTracker.Clear();
        var promotion = await LoadAsync(id, ct);
        if (promotion is not { Status: PromotionStatus.Deploying }) return;
        var now = Now();
        if (promotion.PlanId is not { } planId)
        {
            if (now - promotion.UpdatedAt > PlanClaimTimeout)
                await FailAsync(id, "The deployment plan was never created (the console stopped while starting it).", rejectRelease: false, ct);
            return;
        }
        var plan = await db.DeploymentPlans.AsNoTracking().FirstOrDefaultAsync(p => p.Id == planId, ct);
        if (plan is null) return;
        if (plan is { Status: DeploymentPlanStatus.RollingOut, RolloutId: { } ended }
            && await db.Rollouts.AsNoTracking().FirstOrDefaultAsync(r => r.Id == ended, ct) is { IsFinished: true } rollout
            && now - rollout.UpdatedAt > PlanNoticeGrace)
        {
            // The rollout ended before its plan recorded it (a fast rollout), so the plan's watcher had no notice to act on: move the plan on here.
            await planner.AfterRolloutAsync(ended, ct);
            db.ChangeTracker.Clear();
            promotion = await LoadAsync(id, ct);
            plan = await db.DeploymentPlans.AsNoTracking().FirstOrDefaultAsync(p => p.Id == planId, ct);
            if (promotion is not { Status: PromotionStatus.Deploying } || plan is null) return;
        }
        if (plan.RolloutId is { } rolloutId && promotion.RolloutId != rolloutId)
        {
            promotion.RolloutId = rolloutId;
            Touch(promotion, now);
            if (!await SaveQuietlyAsync(ct)) return;
        }
        if (plan.Status == DeploymentPlanStatus.Succeeded) await SucceedAsync(promotion, plan, ct);
        // A plan that never got to deploy anything (e.g. the rollout could not start) says nothing about the release itself.
        else if (plan.Status == DeploymentPlanStatus.Failed)
            await FailAsync(id, $"The deployment failed: {plan.Message}", rejectRelease: plan.RolloutId is not null || plan.ExpandBatchId is not null, ct);
    }

    private async Task SucceedAsync(Promotion promotion, DeploymentPlan plan, CancellationToken ct)
    {
        var now = Now();
        var others = await db.ReleaseEnvironments
            .Where(r => r.Service == promotion.Service && r.Environment == promotion.Environment && r.ReleaseId != promotion.ReleaseId && r.RunningSince != null && r.SupersededAt == null)
            .ToListAsync(ct);
        foreach (var o in others)
        {
            o.SupersededAt = now;
            o.UpdatedAt = now;
        }
        var row = await EnvironmentRowAsync(promotion, ct);
        row.RunningSince = now;
        row.HealthySince = now;
        row.SupersededAt = null;
        row.UpdatedAt = now;
        Finish(promotion, PromotionStatus.Succeeded, $"Deployed: {plan.Message}", now);
        var system = SystemActor(promotion);
        AuditTrail.Record(db, system, "promotion.succeeded", promotion.Subject, after: new { promotionId = promotion.Id, promotion.Version, planId = plan.Id, plan.RolloutId });
        outbox.Add(db, system, EventTypes.PromotionCompleted, promotion.Subject, Data(promotion, new { planId = plan.Id, rolloutId = plan.RolloutId }));
        await SaveQuietlyAsync(ct);
    }

    private async Task FailAsync(Guid id, string reason, bool rejectRelease, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var promotion = await LoadAsync(id, ct);
        if (promotion is null || promotion.IsFinished) return;
        var now = Now();
        if (rejectRelease)
        {
            var row = await EnvironmentRowAsync(promotion, ct);
            row.RejectedForPipeline = true;
            row.RejectedReason = Truncate($"promotion to {promotion.Environment} failed: {reason}", 2000);
            row.RejectedAt = now;
            row.LiftedAt = null;
            row.LiftedBy = null;
            row.LiftedReason = null;
            row.UpdatedAt = now;
        }
        Finish(promotion, PromotionStatus.Failed, reason, now);
        var system = SystemActor(promotion);
        AuditTrail.Record(db, system, "promotion.failed", promotion.Subject,
            after: new { promotionId = promotion.Id, promotion.Version, reason = promotion.Message, promotion.PlanId, promotion.RolloutId, rejectedForPipeline = rejectRelease });
        outbox.Add(db, system, EventTypes.PromotionFailed, promotion.Subject,
            Data(promotion, new { reason = promotion.Message, planId = promotion.PlanId, rolloutId = promotion.RolloutId, rejectedForPipeline = rejectRelease }));
        await SaveQuietlyAsync(ct);
    }

    private async Task<ReleaseEnvironment> EnvironmentRowAsync(Promotion promotion, CancellationToken ct)
    {
        var row = await db.ReleaseEnvironments.FirstOrDefaultAsync(r => r.ReleaseId == promotion.ReleaseId && r.Environment == promotion.Environment, ct);
        if (row is not null) return row;
        row = new ReleaseEnvironment { ReleaseId = promotion.ReleaseId, Service = promotion.Service, Version = promotion.Version, Environment = promotion.Environment };
        db.ReleaseEnvironments.Add(row);
        return row;
    }

    /// <summary>What the gates look at now for a promotion.</summary>
    public async Task<GateInput> GateInputAsync(Promotion promotion, PipelineStage stage, Guid releaseId, DateTime now, CancellationToken ct = default)
    {
        var previous = stage.Order == 0 ? null
            : await db.PipelineStages.AsNoTracking().FirstOrDefaultAsync(s => s.Service == stage.Service && s.Order == stage.Order - 1, ct);
        ReleaseEnvironment? inPrevious = null;
        if (previous is not null)
        {
            inPrevious = await db.ReleaseEnvironments.AsNoTracking().FirstOrDefaultAsync(r => r.ReleaseId == releaseId && r.Environment == previous.Environment, ct);
            if (inPrevious is null
                && await db.DeployTargets.AsNoTracking().FirstOrDefaultAsync(t => t.Service == stage.Service && t.Environment == previous.Environment, ct) is { } t
                && t.StableVersion == promotion.Version)
            {
                // Deployed there by a rollout of its own rather than a promotion: running since the target last changed.
                inPrevious = new ReleaseEnvironment
                {
                    ReleaseId = releaseId, Service = stage.Service, Version = promotion.Version, Environment = previous.Environment,
                    RunningSince = t.UpdatedAt, HealthySince = t.UpdatedAt,
                };
            }
        }
        var checks = await db.ReleaseChecks.AsNoTracking().Where(c => c.ReleaseId == releaseId).ToListAsync(ct);
        var snapshot = await configs.CurrentAsync(promotion.Service, promotion.Environment, ct);
        var freeze = await freezes.StateAsync(promotion.Service, promotion.Environment, now, ct);
        var errorBudgets = stage.ErrorBudgetRequired && budgets is not null
            ? await budgets.StatusAsync(new Cluster.ServiceEnvironment(promotion.Service, promotion.Environment), ct)
            : [];
        return new GateInput
        {
            Stage = stage, PreviousStage = previous, ReleaseId = releaseId, RequestedBy = promotion.RequestedBy, Checks = checks,
            InPreviousStage = inPrevious, Approvals = promotion.Approvals, ConfigHash = snapshot.Hash, Freeze = freeze,
            FreezeOverrideBy = promotion.FreezeOverrideBy, FreezeOverrideReason = promotion.FreezeOverrideReason, Now = now,
            ErrorBudgets = errorBudgets,
        };
    }

    /// <summary>
    /// The plan runs on behalf of a person who may plan deployments (ReleaseManager) as they stand now:
    /// the latest valid approver, else the requester (the issuer of a Ci token).
    /// </summary>
    private async Task<Standing> PlanActorAsync(Promotion promotion, CancellationToken ct)
    {
        var candidates = PromotionGates.ValidApprovers(promotion.Approvals.OrderByDescending(a => a.At), promotion.RequestedBy, promotion.ReleaseId,
            promotion.DeployedConfigHash ?? "").Append(promotion.RequestedBy).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var refusals = new List<string>();
        foreach (var name in candidates)
        {
            var standing = await StandingCheck.ReadAsync(db, name, Roles.ReleaseManager, $"promotion-{promotion.Id:N}", ct);
            if (standing.Holds) return standing;
            refusals.Add(standing.Refusal!);
        }
        return new Standing(null, "it runs on behalf of a ReleaseManager (an approver or the requester), and " + string.Join(" ", refusals));
    }

    /// <summary>The stage's analysis template, when it names one, replaces every template of the target's default strategy.</summary>
    public static JsonElement? StrategyFor(DeployTarget target, string? analysisTemplate)
    {
        if (string.IsNullOrWhiteSpace(analysisTemplate)) return null;
        var strategy = RolloutStrategy.Parse(JsonDocument.Parse(target.DefaultStrategyJson).RootElement);
        var t = analysisTemplate.Trim();
        if (strategy.Canary is { } c)
        {
            var steps = c.Steps.Select(s => s is AnalysisStep ? new AnalysisStep(t) : s).ToList();
            if (!steps.OfType<AnalysisStep>().Any()) steps.Insert(0, new AnalysisStep(t));
            strategy = strategy with { Canary = c with { Steps = steps, BackgroundAnalysis = c.BackgroundAnalysis is null ? null : t } };
        }
        else if (strategy.BlueGreen is { } g)
        {
            strategy = strategy with { BlueGreen = g with { PrePromotionAnalysis = t, PostPromotionAnalysis = g.PostPromotionAnalysis is null ? null : t } };
        }
        return JsonDocument.Parse(strategy.ToJson()).RootElement.Clone();
    }

    public Task<Promotion?> LoadAsync(Guid id, CancellationToken ct = default) =>
        db.Promotions.Include(p => p.Approvals).FirstOrDefaultAsync(p => p.Id == id, ct);

    private async Task<ReleaseEnvironment?> RejectionAsync(Guid releaseId, CancellationToken ct) =>
        await db.ReleaseEnvironments.AsNoTracking().FirstOrDefaultAsync(r => r.ReleaseId == releaseId && r.RejectedForPipeline && r.LiftedAt == null, ct);

    private static void Finish(Promotion promotion, PromotionStatus status, string message, DateTime now)
    {
        promotion.Status = status;
        promotion.Message = Truncate(message, 4000);
        promotion.InFlightKey = null;
        Touch(promotion, now);
    }

    private static void Touch(Promotion promotion, DateTime now)
    {
        promotion.UpdatedAt = now;
        promotion.Generation++;
    }

    /// <summary>Saves; false when another replica (or click) changed the promotion first, whose change stands.</summary>
    private async Task<bool> SaveQuietlyAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }

    private async Task SaveOrConflictAsync(Guid id, CancellationToken ct)
    {
        if (!await SaveQuietlyAsync(ct))
            throw new ChangedMeanwhileException($"Promotion {id} changed at the same moment: look at it again and retry.");
    }

    private static object Data(Promotion p, object extra)
    {
        var data = new Dictionary<string, object?>
        {
            ["promotionId"] = p.Id, ["service"] = p.Service, ["version"] = p.Version, ["environment"] = p.Environment, ["status"] = p.Status.ToString(),
        };
        foreach (var prop in JsonSerializer.SerializeToElement(extra, JsonSerializerOptions.Web).EnumerateObject()) data[prop.Name] = prop.Value;
        return data;
    }

    private static Actor SystemActor(Promotion p) => Actor.System($"promotion-{p.Id:N}");

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
