namespace OpsConsole.Core.Cluster.Local;

/// <summary>
/// An immutable snapshot of where one service's ingress sends requests: weights, header routes and
/// the healthy instances of each revision. The adapter swaps in a new table whenever any of these
/// change, so a change takes effect with the next request and the ingress never takes a lock.
/// </summary>
internal sealed class RouteTable
{
    public static readonly RouteTable Empty = new([], [], new Dictionary<string, RouteTarget>());

    private readonly (int UpTo, RouteTarget Target)[] _weighted;

    public RouteTable(IReadOnlyList<(RouteTarget Target, int Weight)> weights, IReadOnlyList<(HeaderRoute Route, RouteTarget Target)> headerRoutes,
        IReadOnlyDictionary<string, RouteTarget> targets)
    {
        var upTo = 0;
        _weighted = weights.Where(w => w.Weight > 0).Select(w => (upTo += w.Weight, w.Target)).ToArray();
        HeaderRoutes = headerRoutes.ToArray();
        Targets = targets;
    }

    public (HeaderRoute Route, RouteTarget Target)[] HeaderRoutes { get; }
    public IReadOnlyDictionary<string, RouteTarget> Targets { get; }

    /// <summary>The revision for a roll of 0..99, or null when no weights are set.</summary>
    public RouteTarget? PickByWeight(int roll)
    {
        foreach (var (upTo, target) in _weighted)
            if (roll < upTo) return target;
        return null;
    }
}

/// <summary>One revision as the ingress sees it: its healthy endpoints (round robin) and its traffic record.</summary>
internal sealed class RouteTarget(string revision, Uri[] endpoints, RevisionTraffic traffic)
{
    private int _next = -1;

    public string Revision { get; } = revision;
    public Uri[] Endpoints { get; } = endpoints;
    public RevisionTraffic Traffic { get; } = traffic;

    public Uri? NextEndpoint()
    {
        var endpoints = Endpoints;
        if (endpoints.Length == 0) return null;
        var i = (uint)Interlocked.Increment(ref _next) % (uint)endpoints.Length;
        return endpoints[i];
    }
}
