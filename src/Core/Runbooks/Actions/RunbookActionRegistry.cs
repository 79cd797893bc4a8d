using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Runbooks.Actions;

/// <summary>
/// Every <see cref="IRunbookAction"/> registered in DI, by name. Open: a capability adds an action by
/// registering one more singleton of the interface; the registry finds it.
/// </summary>
public sealed class RunbookActionRegistry(IEnumerable<IRunbookAction> actions)
{
    private readonly Dictionary<string, IRunbookAction> _byName = actions
        .GroupBy(a => a.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => _byName.Keys.Order(StringComparer.Ordinal).ToList();

    public IRunbookAction? Find(string? name) => name is not null && _byName.TryGetValue(name, out var a) ? a : null;

    /// <summary>Refuses a step whose action is unknown or whose arguments the action refuses, naming the step.</summary>
    public void Validate(RunbookStep step)
    {
        if (step.Kind != Runbooks.RunbookStepKind.Action) return;
        var action = Find(step.Action)
                     ?? throw new InvalidInputException("markdown", $"step {step.Number}: unknown action '{step.Action}'. Known actions: {string.Join(", ", Names)}.");
        try { action.Validate(new RunbookActionArguments(step.Arguments)); }
        catch (InvalidInputException e) { throw new InvalidInputException("markdown", $"step {step.Number} ({step.Action}): {e.Message}"); }
    }

    /// <summary>What the step will do, in one line (the action's description; the step's name when the arguments do not fit).</summary>
    public string Describe(RunbookStep step)
    {
        if (step.Kind != Runbooks.RunbookStepKind.Action) return step.Title;
        var action = Find(step.Action);
        if (action is null) return $"unknown action '{step.Action}'";
        try { return action.Describe(new RunbookActionArguments(step.Arguments)); }
        catch (DomainException e) { return e.Message; }
    }
}
