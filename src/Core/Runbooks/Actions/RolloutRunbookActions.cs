using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Core.Runbooks.Actions;

/// <summary>The arguments every service-scoped action takes: <c>service</c> and <c>environment</c>.</summary>
internal static partial class TargetArguments
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex NamePattern();

    public static ServiceEnvironment Read(RunbookActionArguments args)
    {
        var service = args.Require("service");
        var environment = args.Require("environment");
        if (!NamePattern().IsMatch(service)) throw new InvalidInputException("service", $"'{service}' is not a service name.");
        if (!NamePattern().IsMatch(environment)) throw new InvalidInputException("environment", $"'{environment}' is not an environment name.");
        return new ServiceEnvironment(service, environment);
    }
}

/// <summary>Abort, promote or pause the rollout in flight for a service and environment, through the coordinator (same roles as the rollout page).</summary>
public sealed class RolloutRunbookAction(IServiceScopeFactory scopes, RolloutAction action) : IRunbookAction
{
    public string Name => "rollout." + RolloutActions.RouteName(action);

    public string Describe(RunbookActionArguments arguments)
    {
        var target = TargetArguments.Read(arguments);
        return action switch
        {
            RolloutAction.Abort => $"Abort the rollout in flight for {target}: all traffic back to the stable revision.",
            RolloutAction.Promote => $"Promote the rollout in flight for {target} to its next step.",
            RolloutAction.Pause => $"Pause the rollout in flight for {target}.",
            _ => $"{RolloutActions.RouteName(action)} the rollout in flight for {target}.",
        };
    }

    public void Validate(RunbookActionArguments arguments) => TargetArguments.Read(arguments);

    public async Task<RunbookActionOutcome> RunAsync(Actor actor, RunbookActionArguments arguments, CancellationToken ct)
    {
        var target = TargetArguments.Read(arguments);
        actor.Require($"{RolloutActions.RouteName(action)} rollouts", RolloutActions.RolesFor(action));
        await using var scope = scopes.CreateAsyncScope();
        var coordinator = scope.ServiceProvider.GetRequiredService<RolloutCoordinator>();
        var active = await coordinator.ActiveAsync(target, ct)
                     ?? throw new ConflictException($"No rollout is in flight for {target}: there is nothing to {RolloutActions.RouteName(action)}.");
        var rollout = await coordinator.ActAsync(actor, active.Id, action, ct);
        var output = $"Rollout {rollout.Id} of {target} to {rollout.Version}: {RolloutActions.RouteName(action)} done; phase {rollout.Phase}, weights {string.Join(", ", rollout.Weights.Select(w => $"{w.Key} {w.Value}%"))}. {rollout.Message}".Trim();
        return new RunbookActionOutcome(true, output, JsonSerializer.SerializeToElement(new
        {
            rolloutId = rollout.Id, service = target.Service, environment = target.Environment, version = rollout.Version, phase = rollout.Phase.ToString(),
        }));
    }
}

/// <summary>
/// Roll back to the previous release. Rollouts has no undo of a finished rollout, so this starts a
/// rollout of the revision that was stable before the current one (its version and config), through
/// the coordinator, with the target's default strategy: the same path, checks and audit as any rollout.
/// </summary>
public sealed class RollbackRunbookAction(IServiceScopeFactory scopes) : IRunbookAction
{
    public string Name => "rollout.rollback";

    public string Describe(RunbookActionArguments arguments) =>
        $"Roll {TargetArguments.Read(arguments)} back to the release that ran before the current one (a new rollout of that version).";

    public void Validate(RunbookActionArguments arguments) => TargetArguments.Read(arguments);

    public async Task<RunbookActionOutcome> RunAsync(Actor actor, RunbookActionArguments arguments, CancellationToken ct)
    {
        var target = TargetArguments.Read(arguments);
        actor.Require("start rollouts", RolloutActions.StartRoles);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
        var deploy = await db.DeployTargets.AsNoTracking().FirstOrDefaultAsync(t => t.Service == target.Service && t.Environment == target.Environment, ct)
                     ?? throw new NotFoundException($"Service '{target.Service}' in environment '{target.Environment}'");
        var current = await db.Rollouts.AsNoTracking()
            .Where(r => r.Service == target.Service && r.Environment == target.Environment && r.Phase == RolloutPhase.Healthy && r.Revision == deploy.StableRevision)
            .OrderByDescending(r => r.UpdatedAt).FirstOrDefaultAsync(ct);
        if (current?.StableVersion is not { Length: > 0 } previous)
            throw new ConflictException($"{target} runs {deploy.StableVersion}, and the console recorded no earlier release there to roll back to.");
        var config = JsonSerializer.Deserialize<Dictionary<string, string>>(current.StableConfigJson) ?? [];
        var rollout = await scope.ServiceProvider.GetRequiredService<RolloutCoordinator>()
            .StartAsync(actor, target.Service, target.Environment, previous, null, config, ct);
        return new RunbookActionOutcome(true, $"Started rollout {rollout.Id}: {target} from {deploy.StableVersion} back to {previous}.",
            JsonSerializer.SerializeToElement(new { rolloutId = rollout.Id, service = target.Service, environment = target.Environment, version = previous, from = deploy.StableVersion }));
    }
}

/// <summary>Stops the demo traffic generator for a service and environment (same roles as the page's switch).</summary>
public sealed class PauseTrafficRunbookAction(IServiceProvider services) : IRunbookAction
{
    public string Name => "traffic.pause";

    public string Describe(RunbookActionArguments arguments) => $"Pause the demo traffic sent to {TargetArguments.Read(arguments)}.";

    public void Validate(RunbookActionArguments arguments) => TargetArguments.Read(arguments);

    public Task<RunbookActionOutcome> RunAsync(Actor actor, RunbookActionArguments arguments, CancellationToken ct)
    {
        var target = TargetArguments.Read(arguments);
        var generator = services.GetService<ITrafficGenerator>() ?? throw new ConflictException("This console has no demo traffic generator.");
        Demo.DemoTraffic.Switch(generator, actor, target, on: false, 0);
        return Task.FromResult(new RunbookActionOutcome(true, $"Demo traffic to {target} paused."));
    }
}
