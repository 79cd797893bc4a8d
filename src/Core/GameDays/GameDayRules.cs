using System.Globalization;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.GameDays;

/// <summary>A game-day plan as a person or script sends it; <see cref="GameDayRules.Check"/> turns it into a <see cref="GameDayPlan"/>.</summary>
public sealed record GameDayInput(
    string? Title,
    string? Objective,
    IReadOnlyList<string>? Scope,
    IReadOnlyList<string>? Participants = null,
    IReadOnlyList<string>? Observers = null,
    string? Hypothesis = null,
    IReadOnlyList<string>? SteadyState = null,
    IReadOnlyList<FaultInput>? Faults = null,
    string? BlastRadius = null,
    IReadOnlyList<string>? AbortConditions = null,
    DateTimeOffset? ScheduledAt = null,
    int? DurationSeconds = null,
    bool AllowProd = false,
    string? Facilitator = null);

/// <summary>One planned fault as sent: type (ErrorRate, Latency, Drop, KillInstance, Crash), target service/environment, magnitude, start offset and duration in seconds.</summary>
public sealed record FaultInput(string? Type, string? Target, double? Magnitude, int? StartSeconds, int? DurationSeconds);

/// <summary>The rules of a game-day plan: what is valid, who may do what.</summary>
public static class GameDayRules
{
    /// <summary>Plan and run game days.</summary>
    public static readonly string[] RunRoles = [Roles.Facilitator, Roles.Admin];

    public const int MaxFaults = 20;
    public const int MaxConditions = 10;
    public const int MaxPeople = 50;
    public const int MaxTextLength = 4000;
    public const int MaxDurationSeconds = 24 * 3600;

    public static GameDayPlan Check(GameDayInput input, out string title, out string? facilitator)
    {
        title = Text(input.Title, "title", 200, required: true)!;
        facilitator = string.IsNullOrWhiteSpace(input.Facilitator) ? null : Name(input.Facilitator, "facilitator");
        var objective = Text(input.Objective, "objective", MaxTextLength, required: true)!;
        var scope = (input.Scope ?? []).Select(s => ServiceEnvironment.Parse((s ?? "").Trim())).Distinct().ToList();
        if (scope.Count == 0) throw new InvalidInputException("scope", "Name at least one service/environment in the scope, e.g. checkout/staging.");
        if (scope.Count > MaxFaults) throw new InvalidInputException("scope", $"A game day covers at most {MaxFaults} services/environments.");
        var participants = People(input.Participants, "participants");
        var observers = People(input.Observers, "observers");
        var steady = Conditions(input.SteadyState, "steadyState");
        var abort = Conditions(input.AbortConditions, "abortConditions");

        var faults = new List<PlannedFault>();
        var given = input.Faults ?? [];
        if (given.Count > MaxFaults) throw new InvalidInputException("faults", $"A game day has at most {MaxFaults} faults.");
        for (var i = 0; i < given.Count; i++)
        {
            var f = given[i] ?? throw new InvalidInputException($"faults[{i}]", "A fault is empty.");
            var field = $"faults[{i}]";
            var kind = ParseKind(f.Type, $"{field}.type");
            ServiceEnvironment target;
            if (string.IsNullOrWhiteSpace(f.Target))
            {
                if (scope.Count != 1) throw new InvalidInputException($"{field}.target", "Name the fault's target service/environment (the scope has several).");
                target = scope[0];
            }
            else target = ServiceEnvironment.Parse(f.Target.Trim());
            if (!scope.Contains(target))
                throw new InvalidInputException($"{field}.target", $"{target} is outside the game day's scope ({string.Join(", ", scope)}); faults stay inside the blast radius.");
            var magnitude = f.Magnitude ?? kind switch { FaultKind.KillInstance or FaultKind.Crash => 1, _ => double.NaN };
            if (double.IsNaN(magnitude)) throw new InvalidInputException($"{field}.magnitude", $"A {kind} fault needs a magnitude.");
            new FaultSpec(kind, magnitude).Validate($"{field}.magnitude");
            var start = f.StartSeconds ?? 0;
            var duration = f.DurationSeconds ?? 60;
            if (start is < 0 or > MaxDurationSeconds) throw new InvalidInputException($"{field}.startSeconds", $"The start offset is 0 to {MaxDurationSeconds} seconds.");
            if (duration is < 1 or > MaxDurationSeconds) throw new InvalidInputException($"{field}.durationSeconds", $"A fault lasts 1 to {MaxDurationSeconds} seconds.");
            faults.Add(new PlannedFault(kind, target.ToString(), magnitude, start, duration));
        }
        var lastEnd = faults.Count == 0 ? 0 : faults.Max(f => f.StartSeconds + f.DurationSeconds);
        var duration_ = input.DurationSeconds ?? lastEnd + 60;
        if (duration_ < lastEnd || duration_ > MaxDurationSeconds)
            throw new InvalidInputException("durationSeconds", $"The game day lasts from the end of its last fault ({lastEnd} s) to {MaxDurationSeconds} s; {duration_} was given.");
        if (duration_ < 1) throw new InvalidInputException("durationSeconds", "A game day lasts at least one second.");

        return new GameDayPlan(objective, scope.Select(s => s.ToString()).ToList(), participants, observers,
            Text(input.Hypothesis, "hypothesis", MaxTextLength), steady, faults, Text(input.BlastRadius, "blastRadius", MaxTextLength), abort, duration_);
    }

    public static FaultKind ParseKind(string? type, string field)
    {
        var key = (type ?? "").Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).Trim().ToLowerInvariant();
        return key switch
        {
            "errorrate" or "error" or "errors" => FaultKind.ErrorRate,
            "latency" or "delay" => FaultKind.Latency,
            "drop" or "droptraffic" => FaultKind.Drop,
            "killinstance" or "kill" => FaultKind.KillInstance,
            "crash" => FaultKind.Crash,
            _ => throw new InvalidInputException(field, $"'{type}' is not a fault type; use ErrorRate, Latency, Drop, KillInstance or Crash."),
        };
    }

    public static IReadOnlyList<string> Conditions(IReadOnlyList<string>? given, string field)
    {
        var list = (given ?? []).Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c.Trim()).ToList();
        if (list.Count > MaxConditions) throw new InvalidInputException(field, $"At most {MaxConditions} conditions.");
        for (var i = 0; i < list.Count; i++) GameDayCondition.Parse(list[i], $"{field}[{i}]");
        return list;
    }

    public static bool TouchesProd(GameDayPlan plan, IReadOnlySet<string> prodEnvironments) =>
        plan.Targets.Any(t => prodEnvironments.Contains(t.Environment));

    public static string? Text(string? value, string field, int max, bool required = false)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v))
        {
            if (required) throw new InvalidInputException(field, $"The {field} is required.");
            return null;
        }
        if (v.Length > max) throw new InvalidInputException(field, $"The {field} is at most {max.ToString(CultureInfo.InvariantCulture)} characters.");
        return v;
    }

    private static IReadOnlyList<string> People(IReadOnlyList<string>? names, string field)
    {
        var list = (names ?? []).Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => Name(n, field)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (list.Count > MaxPeople) throw new InvalidInputException(field, $"At most {MaxPeople} names.");
        return list;
    }

    private static string Name(string name, string field)
    {
        var n = name.Trim();
        if (n.Length > 256 || n.Any(char.IsControl)) throw new InvalidInputException(field, $"'{n}' is not a user name.");
        return n;
    }
}
