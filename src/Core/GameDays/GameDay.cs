using System.Text.Json;
using System.Text.Json.Serialization;
using OpsConsole.Core.Cluster;

namespace OpsConsole.Core.GameDays;

public enum GameDayStatus { Planned, Running, Aborted, Completed }

/// <summary>
/// A game day: a planned exercise that injects faults into services on purpose, watches how the
/// alerts and the people respond, and ends with a sealed report. The plan (scope, roles, hypothesis,
/// faults, abort conditions) is kept as one JSON document; what happened during the run is in
/// <see cref="Entries"/> (faults, aborts, notes), the fault states and the SLI samples.
/// </summary>
public sealed class GameDay
{
    public long Id { get; set; }
    public required string Title { get; set; }
    public required string Facilitator { get; set; }
    public GameDayStatus Status { get; set; }
    public DateTime? ScheduledAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public string? StartedBy { get; set; }
    public DateTime? EndedAt { get; set; }
    public string? EndedBy { get; set; }
    public string? AbortReason { get; set; }

    /// <summary>The Admin who allowed faults in production, when the scope holds a production environment.</summary>
    public string? ProdOptInBy { get; set; }

    /// <summary>The plan: <see cref="GameDayPlan"/> as JSON.</summary>
    public string PlanJson { get; set; } = "{}";

    /// <summary>What the runner did with each planned fault: <see cref="FaultRun"/> list as JSON.</summary>
    public string FaultStateJson { get; set; } = "[]";

    /// <summary>Samples of the steady-state SLIs during the run: <see cref="SliTally"/> list as JSON.</summary>
    public string SliStateJson { get; set; } = "[]";

    public string? Observations { get; set; }

    /// <summary>The sealed report (JSON, carrying its own sha256) written when the game day ended.</summary>
    public string? ReportJson { get; set; }
    public string? ReportSha256 { get; set; }

    /// <summary>Changes on every save: two writers of the same game day do not both win.</summary>
    public Guid Version { get; set; } = Guid.NewGuid();

    public List<GameDayEntry> Entries { get; set; } = [];
    public List<GameDayActionItem> ActionItems { get; set; } = [];

    [JsonIgnore]
    public GameDayPlan Plan
    {
        get => JsonSerializer.Deserialize<GameDayPlan>(PlanJson, GameDayJson.Options)!;
        set => PlanJson = JsonSerializer.Serialize(value, GameDayJson.Options);
    }

    [JsonIgnore]
    public List<FaultRun> FaultRuns
    {
        get => JsonSerializer.Deserialize<List<FaultRun>>(FaultStateJson, GameDayJson.Options) ?? [];
        set => FaultStateJson = JsonSerializer.Serialize(value, GameDayJson.Options);
    }

    [JsonIgnore]
    public List<SliTally> SliTallies
    {
        get => JsonSerializer.Deserialize<List<SliTally>>(SliStateJson, GameDayJson.Options) ?? [];
        set => SliStateJson = JsonSerializer.Serialize(value, GameDayJson.Options);
    }

    public bool IsFinished => Status is GameDayStatus.Aborted or GameDayStatus.Completed;

    public void Touch(DateTime now)
    {
        UpdatedAt = now;
        Version = Guid.NewGuid();
    }

    public void Log(DateTime at, GameDayEntryKind kind, string? actor, string text) =>
        Entries.Add(new GameDayEntry { GameDayId = Id, At = at, Kind = kind, Actor = actor, Text = text });
}

/// <summary>The plan of a game day, as validated by <see cref="GameDayRules"/>.</summary>
public sealed record GameDayPlan(
    string Objective,
    IReadOnlyList<string> Scope,
    IReadOnlyList<string> Participants,
    IReadOnlyList<string> Observers,
    string? Hypothesis,
    IReadOnlyList<string> SteadyState,
    IReadOnlyList<PlannedFault> Faults,
    string? BlastRadius,
    IReadOnlyList<string> AbortConditions,
    int DurationSeconds)
{
    public IEnumerable<ServiceEnvironment> Targets => Scope.Select(ServiceEnvironment.Parse);
}

/// <summary>One fault of the plan: what, where, how much, when (seconds after the start) and for how long.</summary>
public sealed record PlannedFault(FaultKind Type, string Target, double Magnitude, int StartSeconds, int DurationSeconds)
{
    public FaultSpec Spec => new(Type, Magnitude);
    public override string ToString() => $"{Spec} on {Target}";
}

/// <summary>What happened to a planned fault: when it went in, when it was lifted, and why.</summary>
public sealed record FaultRun(int Index, string Id, DateTime? InjectedAt, DateTime? LiftedAt, string? Outcome);

/// <summary>How a steady-state SLI fared during the run: samples taken, samples where it did not hold, the first such moment.</summary>
public sealed record SliTally(string Condition, int Samples, int Violations, DateTime? FirstViolationAt, string? FirstViolationValues);

public enum GameDayEntryKind { Status, Fault, Abort, Note, Recovery }

/// <summary>A line of the game day's own record (the rest of its timeline is read from the events).</summary>
public sealed class GameDayEntry
{
    public long Id { get; set; }
    public long GameDayId { get; set; }
    public DateTime At { get; set; }
    public GameDayEntryKind Kind { get; set; }
    public string? Actor { get; set; }
    public required string Text { get; set; }
}

/// <summary>Something to do after the game day: what, who, by when.</summary>
public sealed class GameDayActionItem
{
    public long Id { get; set; }
    public long GameDayId { get; set; }
    public required string Text { get; set; }
    public required string Owner { get; set; }
    public DateOnly? DueDate { get; set; }
    public DateTime CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
}

public static class GameDayJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
}
