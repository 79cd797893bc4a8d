using OpsConsole.Core.Access;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Components.Pages.Rollouts;

public enum StepState { Done, Current, Waiting, Stopped, Pending }

public sealed record StepItem(int Index, string Description, StepState State);

/// <summary>
/// A rollout as the pages show it: the API's <see cref="RolloutView"/> plus the little the view
/// leaves out but the pages need (who paused it, whether blue/green has switched) to place the
/// timeline and to offer only the actions that fit.
/// </summary>
public sealed record RolloutModel(RolloutView View, bool PausedByUser, bool Switched, int CurrentStep, IReadOnlyList<StepItem> Steps)
{
    public Guid Id => View.Id;
    public string Subject => $"{View.Service}/{View.Environment}";
    public bool IsCanary => View.Strategy == "canary";
    public bool IsActive => View.Phase is RolloutPhase.Progressing or RolloutPhase.Paused;

    /// <summary>Percent of traffic on the new revision as the rollout last set it.</summary>
    public int NewWeight => View.Weights.GetValueOrDefault(View.Revision);

    /// <summary>"step 2 of 5": the step the rollout is on, counting from one; all of them once it is done.</summary>
    public string StepText => $"step {Math.Min(CurrentStep + 1, Steps.Count)} of {Steps.Count}";

    public static RolloutModel From(Rollout r)
    {
        var view = RolloutView.From(r);
        var current = CurrentStepOf(r, view);
        var steps = view.Steps.Select((d, i) => new StepItem(i, d, StateOf(r.Phase, i, current))).ToList();
        return new RolloutModel(view, r.PausedByUser, r.Switched, current, steps) { Source = r };
    }

    /// <summary>
    /// A canary keeps its step index. Blue/green has no index, so its place is read from what has
    /// happened: a pre-promotion analysis started, the switch done.
    /// </summary>
    private static int CurrentStepOf(Rollout r, RolloutView view)
    {
        if (r.Phase == RolloutPhase.Healthy) return view.Steps.Count;
        if (view.Strategy == "canary") return Math.Min(r.CurrentStepIndex, view.Steps.Count);
        // Blue/green's steps are: preview, the optional pre-promotion analysis, the switch, the optional post-promotion analysis.
        var hasPre = r.Strategy.BlueGreen?.PrePromotionAnalysis is not null;
        var switchAt = hasPre ? 2 : 1;
        if (r.Switched) return switchAt + 1;
        return hasPre && r.AnalysisRuns.Any(a => a.Kind == AnalysisRunKind.PrePromotion && a.StartedAt >= r.AttemptStartedAt) ? 1 : 0;
    }

    private static StepState StateOf(RolloutPhase phase, int index, int current) => index switch
    {
        _ when index < current => StepState.Done,
        _ when index > current => StepState.Pending,
        _ => phase switch
        {
            RolloutPhase.Progressing => StepState.Current,
            RolloutPhase.Paused => StepState.Waiting,
            RolloutPhase.Aborted or RolloutPhase.Degraded => StepState.Stopped,
            _ => StepState.Done,
        },
    };

    /// <summary>The rollout the model was made from: Core decides which actions it allows.</summary>
    public required Rollout Source { get; init; }

    /// <summary>
    /// The actions Core allows the actor on the rollout now, in the order the buttons appear. The
    /// server checks again; this only spares people buttons that would be refused.
    /// </summary>
    public IReadOnlyList<RolloutAction> ActionsFor(Actor actor) => RolloutActions.Available(Source, actor);
}
