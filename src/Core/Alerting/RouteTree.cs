namespace OpsConsole.Core.Alerting;

/// <summary>
/// One node of the route tree after inheritance: receiver, grouping and timings resolved from its
/// parents exactly as Alertmanager does (mute/active time intervals are not inherited).
/// </summary>
public sealed class RouteNode
{
    public static readonly TimeSpan DefaultGroupWait = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultGroupInterval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultRepeatInterval = TimeSpan.FromHours(4);

    public RouteNode? Parent { get; init; }
    public required IReadOnlyList<LabelMatcher> Matchers { get; init; }
    public required string Receiver { get; init; }
    public required IReadOnlyList<string> GroupBy { get; init; }
    public required bool GroupByAll { get; init; }
    public required TimeSpan GroupWait { get; init; }
    public required TimeSpan GroupInterval { get; init; }
    public required TimeSpan RepeatInterval { get; init; }
    public bool Continue { get; init; }
    public IReadOnlyList<string> MuteTimeIntervals { get; init; } = [];
    public IReadOnlyList<string> ActiveTimeIntervals { get; init; } = [];
    public List<RouteNode> Routes { get; } = [];
    /// <summary>Position among the parent's children (-1 for the root).</summary>
    public int Index { get; init; } = -1;

    /// <summary>Alertmanager's route key: the parents' keys and this node's matchers, joined by '/'.</summary>
    public string Key => Parent is null ? LabelMatcher.Format(Matchers) : Parent.Key + "/" + LabelMatcher.Format(Matchers);

    /// <summary>Alertmanager's route id: the key plus the position among siblings.</summary>
    public string Id => Parent is null ? Key : Key + "/" + Index;

    /// <summary>How the path shows this node: "root" or "routes[i] {matchers}".</summary>
    public string Step => Parent is null ? "root" : $"routes[{Index}] {LabelMatcher.Format(Matchers)}";

    public IReadOnlyList<string> Path
    {
        get
        {
            var steps = new List<string>();
            for (var n = this; n is not null; n = n.Parent) steps.Add(n.Step);
            steps.Reverse();
            return steps;
        }
    }

    /// <summary>Depth-first, left-to-right, as Alertmanager: the deepest matching nodes, siblings after a match only with <c>continue</c>.</summary>
    public List<RouteNode> Match(IReadOnlyDictionary<string, string> labels)
    {
        var all = new List<RouteNode>();
        MatchInto(labels, all);
        return all;
    }

    private bool MatchInto(IReadOnlyDictionary<string, string> labels, List<RouteNode> all)
    {
        if (!Matchers.MatchesAll(labels)) return false;
        var before = all.Count;
        foreach (var child in Routes)
        {
            if (child.MatchInto(labels, all) && !child.Continue) break;
        }
        if (all.Count == before) all.Add(this);
        return true;
    }

    public IEnumerable<RouteNode> Walk()
    {
        yield return this;
        foreach (var c in Routes)
            foreach (var n in c.Walk()) yield return n;
    }

    /// <summary>The labels an alert is grouped by on this route.</summary>
    public SortedDictionary<string, string> GroupLabels(IReadOnlyDictionary<string, string> labels)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (GroupByAll)
        {
            foreach (var (k, v) in labels) result[k] = v;
        }
        else
        {
            foreach (var name in GroupBy)
                if (labels.TryGetValue(name, out var v)) result[name] = v;
        }
        return result;
    }

    /// <summary>Alertmanager's aggregation group key: route key and group labels.</summary>
    public string GroupKey(IReadOnlyDictionary<string, string> groupLabels) =>
        Key + ":" + "{" + string.Join(",", groupLabels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}=\"{p.Value}\"")) + "}";
}

/// <summary>One route an alert takes, as the match API and the "which route" tool show it.</summary>
public sealed record RouteMatch(
    string Receiver,
    IReadOnlyList<string> GroupBy,
    int GroupWaitSeconds,
    int GroupIntervalSeconds,
    int RepeatIntervalSeconds,
    IReadOnlyList<string> Path,
    IReadOnlyList<string> MuteTimeIntervals,
    IReadOnlyList<string> ActiveTimeIntervals)
{
    public static RouteMatch From(RouteNode n) => new(
        n.Receiver,
        n.GroupByAll ? ["..."] : n.GroupBy,
        (int)n.GroupWait.TotalSeconds,
        (int)n.GroupInterval.TotalSeconds,
        (int)n.RepeatInterval.TotalSeconds,
        n.Path,
        n.MuteTimeIntervals,
        n.ActiveTimeIntervals);
}

/// <summary>An inhibition rule: a firing source alert mutes target alerts that carry the same values of the equal labels.</summary>
public sealed record InhibitRule(IReadOnlyList<LabelMatcher> SourceMatchers, IReadOnlyList<LabelMatcher> TargetMatchers, IReadOnlyList<string> Equal)
{
    /// <summary>
    /// True when the target is inhibited by one of the firing alerts. As in Alertmanager, an alert that
    /// matches both sides is not inhibited by another alert that also matches both sides.
    /// </summary>
    public bool Inhibits(IReadOnlyDictionary<string, string> target, string targetFingerprint, IEnumerable<(string Fingerprint, IReadOnlyDictionary<string, string> Labels)> firing)
    {
        if (!TargetMatchers.MatchesAll(target)) return false;
        var targetIsSource = SourceMatchers.MatchesAll(target);
        foreach (var (fp, labels) in firing)
        {
            if (fp == targetFingerprint || !SourceMatchers.MatchesAll(labels)) continue;
            if (targetIsSource && TargetMatchers.MatchesAll(labels)) continue;
            var equal = true;
            foreach (var name in Equal)
            {
                var a = target.TryGetValue(name, out var x) ? x : "";
                var b = labels.TryGetValue(name, out var y) ? y : "";
                if (a != b) { equal = false; break; }
            }
            if (equal) return true;
        }
        return false;
    }
}

/// <summary>The routing configuration: the tree, receiver names, inhibition rules and named time intervals.</summary>
public sealed record AlertingConfig(
    RouteNode Root,
    IReadOnlyList<string> Receivers,
    IReadOnlyList<InhibitRule> InhibitRules,
    IReadOnlyDictionary<string, TimeInterval> TimeIntervals)
{
    public IReadOnlyList<RouteMatch> Match(IReadOnlyDictionary<string, string> labels) => Root.Match(labels).Select(RouteMatch.From).ToList();

    public RouteNode? FindById(string id) => Root.Walk().FirstOrDefault(n => n.Id == id);

    /// <summary>True when notifications of this route are held back at the instant (a mute interval covers it, or active intervals do not).</summary>
    public bool IsMuted(RouteNode route, DateTimeOffset at)
    {
        if (route.MuteTimeIntervals.Any(n => TimeIntervals.TryGetValue(n, out var ti) && ti.Contains(at))) return true;
        if (route.ActiveTimeIntervals.Count > 0 && !route.ActiveTimeIntervals.Any(n => TimeIntervals.TryGetValue(n, out var ti) && ti.Contains(at))) return true;
        return false;
    }

    /// <summary>The configuration before any tree is stored: everything goes to receiver "default".</summary>
    public static AlertingConfig Default { get; } = AlertmanagerYaml.Parse("receiver: default\n");
}
