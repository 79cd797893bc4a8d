namespace OpsConsole.Core.Cluster.Local;

/// <summary>What the ingress does to requests on purpose: the strongest of each kind of the faults in force.</summary>
internal sealed record IngressFaults(double ErrorShare, double LatencyMs, double DropShare)
{
    public static readonly IngressFaults None = new(0, 0, 0);

    public static IngressFaults From(IEnumerable<ActiveFault> faults)
    {
        double error = 0, latency = 0, drop = 0;
        foreach (var f in faults)
        {
            switch (f.Fault.Kind)
            {
                case FaultKind.ErrorRate: error = Math.Max(error, f.Fault.Magnitude); break;
                case FaultKind.Latency: latency = Math.Max(latency, f.Fault.Magnitude); break;
                case FaultKind.Drop: drop = Math.Max(drop, f.Fault.Magnitude); break;
            }
        }
        return error == 0 && latency == 0 && drop == 0 ? None : new IngressFaults(error, latency, drop);
    }
}
