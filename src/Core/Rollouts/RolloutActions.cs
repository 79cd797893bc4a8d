using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Rollouts;

/// <summary>What a person can do to a running rollout.</summary>
public enum RolloutAction { Promote, PromoteFull, Pause, Resume, Abort, Retry, Skip }

/// <summary>
/// The rules for manual actions: who may take them and in which phase. OnCall and ReleaseManager
/// may act on a rollout; promoting to full traffic at once needs a ReleaseManager, and so does
/// promoting or skipping past an analysis that has not passed (otherwise promoting once per step
/// would add up to promote-full). This is the one place these rules live: the API refuses by them
/// and the pages offer buttons by them.
/// </summary>
public static class RolloutActions
{
    public static readonly IReadOnlyDictionary<string, RolloutAction> ByRouteName = new Dictionary<string, RolloutAction>(StringComparer.OrdinalIgnoreCase)
    {
        ["promote"] = RolloutAction.Promote, ["promote-full"] = RolloutAction.PromoteFull, ["pause"] = RolloutAction.Pause,
        ["resume"] = RolloutAction.Resume, ["abort"] = RolloutAction.Abort, ["retry"] = RolloutAction.Retry, ["skip"] = RolloutAction.Skip,
    };

    /// <summary>The roles that may start a rollout: the coordinator requires them, the pages offer the form by them.</summary>
    public static readonly string[] StartRoles = [Roles.OnCall, Roles.ReleaseManager];

    /// <summary>The roles that may take the action on some rollout; <see cref="RolesFor(Rollout, RolloutAction)"/> is the rule for a given one.</summary>
    public static string[] RolesFor(RolloutAction action) =>
        action == RolloutAction.PromoteFull ? [Roles.ReleaseManager] : [Roles.OnCall, Roles.ReleaseManager];

    /// <summary>The roles that may take the action on this rollout as it stands now.</summary>
    public static string[] RolesFor(Rollout r, RolloutAction action) =>
        action is RolloutAction.Promote or RolloutAction.Skip && AnalysisGate(r) is not null ? [Roles.ReleaseManager] : RolesFor(action);

    /// <summary>
    /// Why promoting or skipping now would pass an analysis that has not passed, or null when it
    /// would not: a canary standing on an analysis step (running, or stopped inconclusive or failed
    /// with the template pausing), an inconclusive background analysis, or a blue/green whose
    /// pre-promotion analysis is running.
    /// </summary>
    public static string? AnalysisGate(Rollout r)
    {
        if (r.IsFinished) return null;
        var strategy = r.Strategy;
        if (strategy.Canary is { } canary)
        {
            if (r.CurrentStepIndex < canary.Steps.Count && canary.Steps[r.CurrentStepIndex] is AnalysisStep step)
                return $"step {r.CurrentStepIndex + 1} is the analysis {step.Template}";
            if (r.AnalysisRuns.FirstOrDefault(a => a.Kind == AnalysisRunKind.Background && a.Phase == Analysis.AnalysisPhase.Inconclusive && a.StartedAt >= r.AttemptStartedAt) is { } background)
                return $"the background analysis {background.TemplateName} is inconclusive";
            return null;
        }
        if (!r.Switched && r.AnalysisRuns.FirstOrDefault(a => a.Kind == AnalysisRunKind.PrePromotion && a.Phase == Analysis.AnalysisPhase.Running && a.StartedAt >= r.AttemptStartedAt) is { } pre)
            return $"the pre-promotion analysis {pre.TemplateName} is running";
        return null;
    }

    /// <summary>Whether the actor may take the action on the rollout now: it fits the phase and the actor holds a role it needs.</summary>
    public static bool Allowed(Rollout r, RolloutAction action, Actor actor) =>
        Fitting(r).Contains(action) && actor.IsInAnyRole(RolesFor(r, action));

    /// <summary>The actions the actor may take on the rollout now, in the order the pages show them.</summary>
    public static IReadOnlyList<RolloutAction> Available(Rollout r, Actor actor) =>
        Fitting(r).Where(a => actor.IsInAnyRole(RolesFor(r, a))).ToList();

    /// <summary>The actions that fit the rollout's phase, whoever asks; <see cref="ApplyAsync"/> refuses the others with a conflict.</summary>
    private static RolloutAction[] Fitting(Rollout r)
    {
        var canary = r.Strategy.Canary is not null;
        return r.Phase switch
        {
            RolloutPhase.Progressing => canary
                ? [RolloutAction.Promote, RolloutAction.Skip, RolloutAction.PromoteFull, RolloutAction.Pause, RolloutAction.Abort]
                : [RolloutAction.Promote, RolloutAction.PromoteFull, RolloutAction.Pause, RolloutAction.Abort],
            RolloutPhase.Paused => r.PausedByUser
                ? [RolloutAction.Resume, RolloutAction.Promote, RolloutAction.PromoteFull, RolloutAction.Abort]
                : canary
                    ? [RolloutAction.Promote, RolloutAction.Skip, RolloutAction.PromoteFull, RolloutAction.Abort]
                    : [RolloutAction.Promote, RolloutAction.PromoteFull, RolloutAction.Abort],
            RolloutPhase.Aborted or RolloutPhase.Degraded => [RolloutAction.Retry],
            _ => [],
        };
    }

    public static string RouteName(RolloutAction action) => ByRouteName.First(kv => kv.Value == action).Key;

    /// <summary>Applies the action to the stored state (the next tick acts on the cluster), except abort, which acts at once.</summary>
    public static async Task<IReadOnlyList<RolloutEvent>> ApplyAsync(Rollout r, RolloutAction action, Actor actor, RolloutEngine engine, DateTime now, CancellationToken ct = default)
    {
        actor.Require($"{RouteName(action)} rollouts", RolesFor(action));
        if (AnalysisGate(r) is { } gate && action is RolloutAction.Promote or RolloutAction.Skip)
            actor.Require($"{RouteName(action)} past an analysis that has not passed ({gate})", RolesFor(r, action));
        var events = new List<RolloutEvent>();
        var strategy = r.Strategy;
        switch (action)
        {
            case RolloutAction.Promote:
                RequireActive(r, action);
                if (strategy.BlueGreen is not null) r.RequestSwitch();
                else NextStep(r, now);
                break;
            case RolloutAction.Skip:
                RequireActive(r, action);
                if (strategy.Canary is null) throw new ConflictException("Skip moves a canary past its current step; a blue/green rollout has no steps. Use promote.");
                NextStep(r, now);
                break;
            case RolloutAction.PromoteFull:
                RequireActive(r, action);
                r.RequestFullPromotion();
                break;
            case RolloutAction.Pause:
                if (r.Phase != RolloutPhase.Progressing) throw new ConflictException($"Only a progressing rollout can be paused; this one is {r.Phase}.");
                r.Pause($"Paused by {actor.Name}.", byUser: true);
                break;
            case RolloutAction.Resume:
                if (r.Phase != RolloutPhase.Paused) throw new ConflictException($"Only a paused rollout can be resumed; this one is {r.Phase}.");
                if (!r.PausedByUser) throw new ConflictException($"This rollout waits at a step ({r.PauseReason}); promote it to go on.");
                r.Resume($"Resumed by {actor.Name}.");
                break;
            case RolloutAction.Abort:
                RequireActive(r, action);
                await engine.AbortAsync(r, $"aborted by {actor.Name}", null, events, now, ct, by: actor.Name);
                break;
            case RolloutAction.Retry:
                if (r.Phase is not (RolloutPhase.Aborted or RolloutPhase.Degraded))
                    throw new ConflictException($"Only an aborted or degraded rollout can be retried; this one is {r.Phase}.");
                r.Restart(now, $"Retried by {actor.Name}.");
                break;
        }
        r.UpdatedAt = now;
        events.Add(new RolloutEvent(Events.EventTypes.RolloutAction, new
        {
            rolloutId = r.Id, service = r.Service, environment = r.Environment, version = r.Version,
            action = RouteName(action), by = actor.Name, phase = r.Phase.ToString(), step = r.CurrentStepIndex,
        }));
        return events;
    }

    private static void RequireActive(Rollout r, RolloutAction action)
    {
        if (r.IsFinished)
            throw new ConflictException($"The rollout is {r.Phase}: '{RouteName(action)}' needs a progressing or paused rollout." +
                                        (r.Phase is RolloutPhase.Aborted or RolloutPhase.Degraded ? " Retry it first." : ""));
    }

    private static void NextStep(Rollout r, DateTime now)
    {
        foreach (var run in r.AnalysisRuns.Where(a => a.Kind == AnalysisRunKind.Step && a.StepIndex == r.CurrentStepIndex))
            AnalysisRunner.Stop(run, now, "Skipped by a person.");
        // An inconclusive background analysis is overridden by promoting past it; a new one starts.
        foreach (var run in r.AnalysisRuns.Where(a => a.Kind == AnalysisRunKind.Background && a.Phase == Analysis.AnalysisPhase.Inconclusive))
            run.StartedAt = DateTime.MinValue;
        r.AdvanceStep(now);
    }
}
