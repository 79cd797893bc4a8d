using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Core.Migrations.Orchestration;

/// <summary>Drives deployment plans: creates them, and moves them on when their batches finish or their rollout ends.</summary>
public sealed class DeploymentPlanner(OpsDbContext db, MigrationCoordinator migrations, RolloutCoordinator rollouts, TimeProvider clock)
{
    public async Task<DeploymentPlan> CreateAsync(Actor actor, string? service, string? environment, string? version, JsonElement? strategy,
        IReadOnlyDictionary<string, string>? config, CancellationToken ct = default)
    {
        actor.Require("plan deployments with migrations", Roles.ReleaseManager);
        service ??= "";
        environment ??= "";
        if (string.IsNullOrWhiteSpace(version)) throw new InvalidInputException("version", "A version is required.");
        // Refused now rather than when the plan reaches its rollout, so a plan that cannot run is never stored.
        Cluster.WorkloadConfig.Validate(config);
        if (!await db.DeployTargets.AnyAsync(t => t.Service == service && t.Environment == environment, ct))
            throw new NotFoundException($"Service '{service}' in environment '{environment}'");
        MigrationStatus? status;
        try
        {
            status = await PendingAsync(service, environment, ct);
        }
        catch (TargetUnavailableException)
        {
            // Unknown what is pending: the expand batch runs anyway, fails with its evidence, and the rollout does not start.
            status = null;
        }
        if (status is not null && status.Drift.Count > 0)
            throw new ConflictException($"{service}/{environment} has drift ({string.Join(", ", status.Drift.Select(d => d.Change))}): fix it before planning a deployment.");

        var now = clock.GetUtcNow().UtcDateTime;
        var plan = new DeploymentPlan
        {
            Service = service, Environment = environment, Version = version.Trim(), StrategyJson = strategy?.GetRawText(),
            ConfigJson = JsonSerializer.Serialize(config ?? new Dictionary<string, string>()), RequestedBy = actor.Name, CreatedAt = now, UpdatedAt = now,
        };
        db.DeploymentPlans.Add(plan);
        AuditTrail.Record(db, actor, "deployment-plan.create", $"{service}/{environment}",
            after: new
            {
                planId = plan.Id, version = plan.Version, expand = status?.Pending.Where(p => p.Phase == MigrationPhase.Expand).Select(p => p.Name),
                contract = status?.Pending.Where(p => p.Phase == MigrationPhase.Contract).Select(p => p.Name)
            });
        if (status is null || (status.Pending.Count > 0 && status.Pending[0].Phase == MigrationPhase.Expand))
        {
            plan.Status = DeploymentPlanStatus.Expanding;
            plan.Message = "Applying the expand changes before the rollout starts.";
            // Saves the plan and the batch together, then queues the batch.
            var batch = await migrations.RequestAsync(actor, service, environment, new MigrationBatchRequest(MigrationRunKind.Apply, Phase: MigrationPhase.Expand, PlanId: plan.Id), ct);
            plan.ExpandBatchId = batch.Id;
            if (batch.Status == MigrationBatchStatus.AwaitingApproval) plan.Message = "The expand batch waits for a second ReleaseManager's approval; the rollout starts after it succeeded.";
            await db.SaveChangesAsync(ct);
            return plan;
        }
        await db.SaveChangesAsync(ct);
        await StartRolloutAsync(plan, "No expand change is pending: the rollout starts now.", ct);
        return plan;
    }

    /// <summary>Called when a batch finished: an expand batch starts or stops the rollout; a contract batch ends the plan.</summary>
    public async Task AfterBatchAsync(Guid batchId, CancellationToken ct = default)
    {
        var batch = await db.MigrationBatches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == batchId, ct);
        if (batch is not { PlanId: { } planId, IsFinished: true }) return;
        var plan = await db.DeploymentPlans.FirstOrDefaultAsync(p => p.Id == planId, ct);
        if (plan is null) return;
        if (plan.Status == DeploymentPlanStatus.Expanding && batch.Phase == MigrationPhase.Expand)
        {
            plan.ExpandBatchId = batchId;
            if (batch.Status == MigrationBatchStatus.Succeeded) await StartRolloutAsync(plan, "Expand changes applied; rollout started.", ct);
            else await FinishAsync(plan, DeploymentPlanStatus.Failed, $"The expand batch failed ({batch.Message}): the rollout was not started.", ct);
        }
        else if (plan.Status == DeploymentPlanStatus.Contracting && batch.Phase == MigrationPhase.Contract)
        {
            plan.ContractBatchId = batchId;
            if (batch.Status == MigrationBatchStatus.Succeeded) await FinishAsync(plan, DeploymentPlanStatus.Succeeded, "Rollout succeeded and contract changes applied.", ct);
            else await FinishAsync(plan, DeploymentPlanStatus.Failed, $"The rollout succeeded but the contract batch failed ({batch.Message}).", ct);
        }
    }

    /// <summary>Called when a rollout changed: once a plan's rollout is Healthy its contract changes are requested; any other end fails the plan.</summary>
    public async Task AfterRolloutAsync(Guid rolloutId, CancellationToken ct = default)
    {
        var plan = await db.DeploymentPlans.FirstOrDefaultAsync(p => p.RolloutId == rolloutId && p.Status == DeploymentPlanStatus.RollingOut, ct);
        if (plan is null) return;
        var rollout = await db.Rollouts.AsNoTracking().FirstOrDefaultAsync(r => r.Id == rolloutId, ct);
        if (rollout is null || !rollout.IsFinished) return;
        if (rollout.Phase != RolloutPhase.Healthy)
        {
            await FinishAsync(plan, DeploymentPlanStatus.Failed, $"The rollout ended {rollout.Phase}: the contract changes were not run.", ct);
            return;
        }
        var status = await PendingAsync(plan.Service, plan.Environment, ct);
        if (!status.Pending.Any(p => p.Phase == MigrationPhase.Contract))
        {
            await FinishAsync(plan, DeploymentPlanStatus.Succeeded, "Rollout succeeded; no contract change was pending.", ct);
            return;
        }
        var requester = await StandingCheck.ReadAsync(db, plan.RequestedBy, Roles.ReleaseManager, $"plan-{plan.Id:N}", ct);
        if (requester.Actor is null)
        {
            await FinishAsync(plan, DeploymentPlanStatus.Failed, $"The rollout succeeded but the contract changes were not requested: the plan runs on behalf of its creator, and {requester.Refusal}", ct);
            return;
        }
        plan.Status = DeploymentPlanStatus.Contracting;
        plan.Message = "Rollout succeeded; applying the contract changes.";
        plan.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        var batch = await migrations.RequestAsync(requester.Actor, plan.Service, plan.Environment,
            new MigrationBatchRequest(MigrationRunKind.Apply, Phase: MigrationPhase.Contract, PlanId: plan.Id), ct);
        plan.ContractBatchId = batch.Id;
        if (batch.Status == MigrationBatchStatus.AwaitingApproval) plan.Message = "Rollout succeeded; the contract batch waits for a second ReleaseManager's approval.";
        await db.SaveChangesAsync(ct);
    }

    /// <summary>What is pending for the service's database there; a service without a migration target has nothing to migrate.</summary>
    private async Task<MigrationStatus> PendingAsync(string service, string environment, CancellationToken ct)
    {
        if (!await db.MigrationTargets.AnyAsync(t => t.Service == service && t.Environment == environment, ct))
            return new MigrationStatus(service, [], [], [], []);
        return (await migrations.StatusAsync(service, environment, ct)).Status;
    }

    private async Task StartRolloutAsync(DeploymentPlan plan, string message, CancellationToken ct)
    {
        try
        {
            JsonElement? strategy = plan.StrategyJson is null ? null : JsonDocument.Parse(plan.StrategyJson).RootElement.Clone();
            var config = JsonSerializer.Deserialize<Dictionary<string, string>>(plan.ConfigJson);
            var requester = await StandingCheck.ReadAsync(db, plan.RequestedBy, Roles.ReleaseManager, $"plan-{plan.Id:N}", ct);
            if (requester.Actor is null)
            {
                await FinishAsync(plan, DeploymentPlanStatus.Failed, $"The rollout was not started: the plan runs on behalf of its creator, and {requester.Refusal}", ct);
                return;
            }
            var rollout = await rollouts.StartAsync(requester.Actor, plan.Service, plan.Environment, plan.Version, strategy, config, ct);
            plan.RolloutId = rollout.Id;
            plan.Status = DeploymentPlanStatus.RollingOut;
            plan.Message = message;
            plan.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(ct);
        }
        catch (Exception e) when (e is InvalidInputException or NotFoundException or ConflictException or AccessDeniedException)
        {
            db.ChangeTracker.Clear();
            var fresh = await db.DeploymentPlans.FirstAsync(p => p.Id == plan.Id, ct);
            await FinishAsync(fresh, DeploymentPlanStatus.Failed, $"The rollout could not start: {e.Message}", ct);
            plan.Status = fresh.Status;
            plan.Message = fresh.Message;
        }
    }

    private async Task FinishAsync(DeploymentPlan plan, DeploymentPlanStatus status, string message, CancellationToken ct)
    {
        plan.Status = status;
        plan.Message = message;
        plan.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        AuditTrail.Record(db, Actor.System($"plan-{plan.Id:N}"), status == DeploymentPlanStatus.Succeeded ? "deployment-plan.succeeded" : "deployment-plan.failed",
            $"{plan.Service}/{plan.Environment}", after: new { planId = plan.Id, status = status.ToString(), message, plan.ExpandBatchId, plan.RolloutId, plan.ContractBatchId });
        await db.SaveChangesAsync(ct);
    }

}
