using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Cluster;

/// <summary>
/// Percent of the service's traffic per revision. Weights are whole percents from 0 to 100 that sum
/// to exactly 100; a revision not named gets 0. (On Kubernetes: the backendRefs weights of the HTTPRoute.)
/// </summary>
public sealed record TrafficSplit
{
    public TrafficSplit(IReadOnlyDictionary<string, int> weights)
    {
        var copy = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (revision, weight) in weights)
        {
            if (string.IsNullOrEmpty(revision))
                throw new InvalidInputException("weights", "A weight must name a revision.");
            if (weight is < 0 or > 100)
                throw new InvalidInputException("weights", $"The weight of '{revision}' must be between 0 and 100; {weight} was given.");
            if (weight > 0) copy[revision] = weight;
        }
        var sum = copy.Values.Sum();
        if (sum != 100)
            throw new InvalidInputException("weights", $"Weights must sum to 100; these sum to {sum}.");
        Weights = copy;
    }

    /// <summary>Revisions with a weight above zero, by name.</summary>
    public IReadOnlyDictionary<string, int> Weights { get; }

    public int WeightOf(string revision) => Weights.TryGetValue(revision, out var w) ? w : 0;

    /// <summary>All traffic to one revision.</summary>
    public static TrafficSplit AllTo(string revision) => new(new Dictionary<string, int> { [revision] = 100 });

    /// <summary>A canary split: <paramref name="canaryWeight"/> to the canary, the rest to stable.</summary>
    public static TrafficSplit Canary(string stable, string canary, int canaryWeight) =>
        stable == canary ? AllTo(stable) : new(new Dictionary<string, int> { [stable] = 100 - canaryWeight, [canary] = canaryWeight });

    public bool Equals(TrafficSplit? other) => other is not null && Weights.Count == other.Weights.Count
        && Weights.All(w => other.Weights.TryGetValue(w.Key, out var o) && o == w.Value);
    public override int GetHashCode() => Weights.Aggregate(0, (h, w) => h ^ HashCode.Combine(w.Key, w.Value));
    public override string ToString() => string.Join(", ", Weights.Select(w => $"{w.Key}={w.Value}%"));
}

/// <summary>
/// Requests carrying <see cref="Header"/> with <see cref="Value"/> (value compared ignoring case) go
/// to <see cref="Revision"/>, whatever the weights say: the blue/green preview, or a canary reachable
/// by header. (On Kubernetes: an HTTPRoute rule with a header match.)
/// </summary>
public sealed record HeaderRoute
{
    public const string PreviewHeader = "X-Preview";

    public HeaderRoute(string name, string header, string value, string revision)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new InvalidInputException("headerRoutes", "A header route needs a name.");
        if (string.IsNullOrWhiteSpace(header) || header.Any(c => c <= ' ' || c >= 127 || c == ':'))
            throw new InvalidInputException("headerRoutes", $"'{header}' is not a valid header name.");
        if (string.IsNullOrEmpty(revision)) throw new InvalidInputException("headerRoutes", "A header route must name a revision.");
        Name = name;
        Header = header;
        Value = value ?? "";
        Revision = revision;
    }

    public string Name { get; }
    public string Header { get; }
    public string Value { get; }
    public string Revision { get; }

    /// <summary>The blue/green preview route: <c>X-Preview: true</c> reaches <paramref name="revision"/>.</summary>
    public static HeaderRoute Preview(string revision) => new("preview", PreviewHeader, "true", revision);
}

/// <summary>The routing in force for a service in an environment, as observed.</summary>
/// <param name="Weights">Null until weights were first set: then the ingress answers 503.</param>
public sealed record TrafficRouting(TrafficSplit? Weights, IReadOnlyList<HeaderRoute> HeaderRoutes)
{
    public int WeightOf(string revision) => Weights?.WeightOf(revision) ?? 0;
}
