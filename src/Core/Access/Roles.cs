namespace OpsConsole.Core.Access;

/// <summary>The console's roles. A user may hold several; each grants a distinct set of actions.</summary>
public static class Roles
{
    public const string Viewer = "Viewer";
    public const string OnCall = "OnCall";
    public const string ReleaseManager = "ReleaseManager";
    public const string Facilitator = "Facilitator";
    public const string Admin = "Admin";

    public static readonly IReadOnlyList<string> All = [Viewer, OnCall, ReleaseManager, Facilitator, Admin];

    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        [Viewer] = "Read only: sees everything, changes nothing.",
        [OnCall] = "Acts on rollouts and incidents: abort, roll back, acknowledge.",
        [ReleaseManager] = "Approves promotions and runs migrations.",
        [Facilitator] = "Schedules and runs drills and game days.",
        [Admin] = "Manages users, tokens, webhooks and settings.",
    };

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);

    /// <summary>Normalises user input ("oncall", " Admin ") to the canonical role names; unknown names are returned separately.</summary>
    public static (IReadOnlyList<string> Known, IReadOnlyList<string> Unknown) Parse(IEnumerable<string>? names)
    {
        var known = new List<string>();
        var unknown = new List<string>();
        foreach (var raw in names ?? [])
        {
            var name = raw?.Trim() ?? "";
            var match = All.FirstOrDefault(r => string.Equals(r, name, StringComparison.OrdinalIgnoreCase));
            if (match is null) unknown.Add(name);
            else if (!known.Contains(match)) known.Add(match);
        }
        return (known, unknown);
    }
}
