using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Rollouts;

/// <summary>Starts rollouts and applies people's actions to them; every change is audited and emitted.</summary>
public sealed class RolloutCoordinator(OpsDbContext db, EventOutbox outbox, RolloutEngine engine, TimeProvider clock, RolloutUpdates? updates = null)
{
    /// <summary>Strategies a request may name instead of giving one inline.</summary>
    public static IReadOnlyList<string> NamedStrategies => ["default", "canary", "blueGreen"];

    public Task<Rollout> StartAsync(Actor actor, string? service, string? environment, string? version, JsonElement? strategy,
        IReadOnlyDictionary<string, string>? config, CancellationToken ct = default)
    {
        actor.Require("start rollouts", RolloutActions.StartRoles);
        return StartCoreAsync(actor, service, environment, version, strategy, config, null, ct);
    }

    /// <summary>Who may start a drill's rollout: the people who run drills (the drill checks its own rules first).</summary>
    public static readonly string[] DrillRoles = [Roles.Facilitator, Roles.Admin];

    /// <summary>
    /// Starts a rollback drill's rollout: the target's stable version with the given config (its stable
    /// config plus the fault), the target's default strategy, marked with the drill run so every event
    /// it emits says <c>"drill": true</c>. Saved in the caller's unit of work together with anything it
    /// already holds (the drill run). 404 when the target does not exist or has nothing deployed.
    /// </summary>
    public async Task<Rollout> StartDrillAsync(Actor actor, ServiceEnvironment target, IReadOnlyDictionary<string, string> config, Guid drillRunId, CancellationToken ct = default)
    {
        actor.Require("run drills", DrillRoles);
        var deployTarget = await db.DeployTargets.AsNoTracking().FirstOrDefaultAsync(t => t.Service == target.Service && t.Environment == target.Environment, ct)
                           ?? throw new NotFoundException($"Service '{target.Service}' in environment '{target.Environment}'");
        if (deployTarget.StableVersion is null) throw new ConflictException($"{target} has no stable version deployed: there is nothing to drill against.");
        return await StartCoreAsync(actor, target.Service, target.Environment, deployTarget.StableVersion, null, config, drillRunId, ct);
    }

    private async Task<Rollout> StartCoreAsync(Actor actor, string? service, string? environment, string? version, JsonElement? strategy,
        IReadOnlyDictionary<string, string>? config, Guid? drillRunId, CancellationToken ct)
    {
        var target = new ServiceEnvironment(service ?? "", environment ?? "");
        var deployTarget = await db.DeployTargets.FirstOrDefaultAsync(t => t.Service == target.Service && t.Environment == target.Environment, ct)
                           ?? throw new NotFoundException($"Service '{target.Service}' in environment '{target.Environment}'");
        var spec = new RevisionSpec(version ?? "", deployTarget.Instances, config);
        var chosen = await ResolveStrategyAsync(deployTarget, strategy, ct);
        if (spec.Name == deployTarget.StableRevision)
            throw new ConflictException($"{target} already runs {spec.Name}: there is nothing to roll out.");
        if (await ActiveAsync(target, ct) is { } running) throw new RolloutInProgressException(running.Id, target.ToString());

        var now = clock.GetUtcNow().UtcDateTime;
        var rollout = new Rollout
        {
            Service = target.Service, Environment = target.Environment, Version = spec.Version, Revision = spec.Name,
            ConfigJson = JsonSerializer.Serialize(spec.Config), Instances = deployTarget.Instances,
            StableRevision = deployTarget.StableRevision, StableVersion = deployTarget.StableVersion, StableConfigJson = deployTarget.StableConfigJson,
            StrategyJson = chosen.ToJson(), CreatedBy = actor.Name, CreatedAt = now, AttemptStartedAt = now, StepStartedAt = now, UpdatedAt = now,
            Message = "Starting.", DrillRunId = drillRunId,
        };
        db.Rollouts.Add(rollout);
        // Config values may hold credentials: the audit trail and events carry the keys only.
        var summary = new { rolloutId = rollout.Id, version = spec.Version, revision = spec.Name, strategy = chosen.Kind, configKeys = spec.Config.Keys, from = deployTarget.StableVersion, drillRunId };
        AuditTrail.Record(db, actor, "rollout.start", $"{target}", after: summary);
        outbox.Add(db, actor, EventTypes.DeployStarted, target.ToString(), RolloutEventData.For(rollout, new
        {
            rolloutId = rollout.Id, service = target.Service, environment = target.Environment,
            version = spec.Version, revision = spec.Name, previousVersion = deployTarget.StableVersion, strategy = chosen.Kind, by = actor.Name
        }));
        try
        {
            await db.SaveChangesAsync(ct);
            updates?.Wake();
        }
        catch (DbUpdateException)
        {
            // Another request won the race; the store's unique index refused this one.
            db.ChangeTracker.Clear();
            if (await ActiveAsync(target, ct) is { } raced) throw new RolloutInProgressException(raced.Id, target.ToString());
            throw;
        }
        return rollout;
    }

    public async Task<Rollout> ActAsync(Actor actor, Guid id, RolloutAction action, CancellationToken ct = default)
    {
        actor.Require($"{RolloutActions.RouteName(action)} rollouts", RolloutActions.RolesFor(action));
        for (var attempt = 1; ; attempt++)
        {
            var rollout = await LoadAsync(id, ct) ?? throw new NotFoundException($"Rollout {id}");
            var before = new { phase = rollout.Phase.ToString(), step = rollout.CurrentStepIndex, weights = rollout.Weights };
            var events = await RolloutActions.ApplyAsync(rollout, action, actor, engine, clock.GetUtcNow().UtcDateTime, ct);
            rollout.Generation++;
            AuditTrail.Record(db, actor, $"rollout.{RolloutActions.RouteName(action)}", $"{rollout.Target}",
                before: before, after: new { rolloutId = rollout.Id, phase = rollout.Phase.ToString(), step = rollout.CurrentStepIndex, weights = rollout.Weights });
            foreach (var e in events) outbox.Add(db, actor, e.Type, rollout.Target.ToString(), RolloutEventData.For(rollout, e.Data));
            try
            {
                await db.SaveChangesAsync(ct);
                updates?.Wake();
                updates?.Publish(rollout.Id, rollout.Target.ToString());
                return rollout;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                // The reconciler saved a tick in between: apply the action again to the fresh state.
                db.ChangeTracker.Clear();
            }
        }
    }

    public Task<Rollout?> LoadAsync(Guid id, CancellationToken ct = default) =>
        db.Rollouts.WithAnalysis().FirstOrDefaultAsync(r => r.Id == id, ct);

    public Task<Rollout?> ActiveAsync(ServiceEnvironment target, CancellationToken ct = default) =>
        db.Rollouts.AsNoTracking().InFlight().FirstOrDefaultAsync(r => r.Service == target.Service && r.Environment == target.Environment, ct);

    private async Task<RolloutStrategy> ResolveStrategyAsync(DeployTarget target, JsonElement? strategy, CancellationToken ct)
    {
        RolloutStrategy chosen;
        if (strategy is null || strategy.Value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            chosen = RolloutStrategy.Parse(JsonDocument.Parse(target.DefaultStrategyJson).RootElement);
        else if (strategy.Value.ValueKind == JsonValueKind.String)
        {
            chosen = strategy.Value.GetString() switch
            {
                "default" => RolloutStrategy.Parse(JsonDocument.Parse(target.DefaultStrategyJson).RootElement),
                "canary" => RolloutStrategy.DemoCanary(DemoTemplates.ErrorRate),
                "blueGreen" => RolloutStrategy.DemoBlueGreen(DemoTemplates.ErrorRate),
                var other => throw new InvalidInputException("strategy", $"Unknown strategy '{other}'. Name one of {string.Join(", ", NamedStrategies)}, or give one inline."),
            };
        }
        else chosen = RolloutStrategy.Parse(strategy.Value);

        var known = (await db.AnalysisTemplates.Select(t => t.Name).Distinct().ToListAsync(ct)).ToHashSet();
        var missing = chosen.TemplateNames().Where(n => !known.Contains(n)).Distinct().ToList();
        if (missing.Count > 0)
            throw new InvalidInputException("strategy", $"The strategy refers to analysis template(s) that do not exist: {string.Join(", ", missing)}.");
        return chosen;
    }
}
