using System.Text.Json.Serialization;

namespace OpsConsole.Core.OnCall;

[JsonConverter(typeof(JsonStringEnumConverter<RotationUnit>))]
public enum RotationUnit
{
    Days,
    Hours,
}

/// <summary>
/// One rotation layer of a schedule: its users take turns, each for <see cref="RotationLength"/>
/// days or hours, handing off at <see cref="HandoffTime"/> (local time in <see cref="TimeZone"/>)
/// from <see cref="StartDate"/> on. Day rotations hand off at the same wall-clock time whatever the
/// daylight-saving offset (a shift across a change is an hour shorter or longer); hour rotations
/// are elapsed hours. An optional daily window (<see cref="RestrictFrom"/> to <see cref="RestrictTo"/>,
/// local time, may wrap past midnight) limits when the layer covers; outside it lower layers do.
/// </summary>
public sealed record RotationLayer
{
    public string Name { get; init; } = "";
    public IReadOnlyList<string> Users { get; init; } = [];
    public int RotationLength { get; init; } = 1;
    public RotationUnit Unit { get; init; } = RotationUnit.Days;
    /// <summary>Local time of the handoff, HH:mm.</summary>
    public string HandoffTime { get; init; } = "09:00";
    /// <summary>IANA time zone id, e.g. Europe/Berlin.</summary>
    public string TimeZone { get; init; } = "UTC";
    /// <summary>Local date (yyyy-MM-dd) of the first handoff: the first user's first shift starts then.</summary>
    public string StartDate { get; init; } = "";
    public string? RestrictFrom { get; init; }
    public string? RestrictTo { get; init; }
}

/// <summary>Someone covers the schedule from <see cref="Start"/> to <see cref="End"/> (UTC), whatever the layers say.</summary>
public sealed record ScheduleOverride
{
    public Guid Id { get; init; } = Guid.NewGuid();
    public string User { get; init; } = "";
    public DateTime Start { get; init; }
    public DateTime End { get; init; }
    public string CreatedBy { get; init; } = "";
}

/// <summary>
/// Who is on call over a stretch of time: <see cref="User"/> (null: nobody) from <see cref="Start"/>
/// until <see cref="End"/> (null: no change within the look-ahead), by a layer or an override.
/// </summary>
public sealed record OnCallSegment(string? User, string Source, int LayerIndex, DateTime Start, DateTime? End)
{
    public const string OverrideSource = "override";
    public bool IsOverride => LayerIndex < 0 && User is not null;
}
