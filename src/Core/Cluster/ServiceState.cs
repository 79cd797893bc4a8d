namespace OpsConsole.Core.Cluster;

/// <summary>Everything the cluster runs for one service in one environment, as observed now.</summary>
/// <param name="Endpoint">Where the service's ingress answers (the local ingress, or the gateway's address).</param>
public sealed record ServiceState(
    ServiceEnvironment Target,
    IReadOnlyList<Revision> Revisions,
    TrafficRouting Routing,
    Uri? Endpoint)
{
    public Revision? FindRevision(string name) => Revisions.FirstOrDefault(r => r.Name == name);
}
