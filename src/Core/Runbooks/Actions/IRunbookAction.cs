using System.Text.Json;
using OpsConsole.Core.Access;

namespace OpsConsole.Core.Runbooks.Actions;

/// <summary>
/// A console action a runbook step can run (e.g. <c>rollout.abort</c>, <c>silence.create</c>). Each
/// capability registers its own actions as singletons of this interface; the runbook runner finds them
/// by <see cref="Name"/>. An action checks the actor's roles itself, exactly as the same operation does
/// when called from its own page or API, and never runs shell commands.
/// </summary>
public interface IRunbookAction
{
    /// <summary>The name a runbook's fenced block uses, lower-case with dots (<c>rollout.abort</c>).</summary>
    string Name { get; }

    /// <summary>One line for the button and the confirmation dialog.</summary>
    string Describe(RunbookActionArguments arguments);

    /// <summary>Refuses bad arguments (unknown service, missing field) before anything runs: throws InvalidInputException.</summary>
    void Validate(RunbookActionArguments arguments);

    /// <summary>Runs the action as the actor; the returned text goes into the run log.</summary>
    Task<RunbookActionOutcome> RunAsync(Actor actor, RunbookActionArguments arguments, CancellationToken ct);
}

/// <summary>The key/value arguments written in the step's fenced block (YAML), as parsed by the runbook.</summary>
public sealed record RunbookActionArguments(IReadOnlyDictionary<string, string> Values)
{
    public string? Get(string key) => Values.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

    public string Require(string key) =>
        Get(key) ?? throw new Domain.InvalidInputException($"The step needs '{key}'.");
}

public sealed record RunbookActionOutcome(bool Succeeded, string Output, JsonElement? Data = null);
