namespace OpsConsole.Core.Cluster;

/// <summary>
/// Synthetic traffic through a service's ingress, so a demo has live metrics for the analysis to
/// read. One rate per service and environment; setting a rate of 0 (or <see cref="Stop"/>) turns it off.
/// </summary>
public interface ITrafficGenerator
{
    /// <summary>Starts or changes the load on a service's ingress.</summary>
    void SetLoad(ServiceEnvironment target, TrafficLoad load);

    /// <summary>Stops the load on a service's ingress (no-op when there is none).</summary>
    void Stop(ServiceEnvironment target);

    /// <summary>The load in force per service and environment, with what was sent so far.</summary>
    IReadOnlyList<TrafficGeneratorStatus> Status();
}

/// <param name="RequestsPerSecond">Plain requests per second, split by the weights.</param>
/// <param name="PreviewRequestsPerSecond">Requests per second that carry the first header route's
/// header (e.g. <c>X-Preview: true</c>), so a blue/green preview has traffic to analyse; none are sent
/// while there is no header route.</param>
public sealed record TrafficLoad(double RequestsPerSecond, double PreviewRequestsPerSecond = 0)
{
    public const double MaxRequestsPerSecond = 1000;

    public TrafficLoad Validated() =>
        RequestsPerSecond is >= 0 and <= MaxRequestsPerSecond && PreviewRequestsPerSecond is >= 0 and <= MaxRequestsPerSecond
            ? this
            : throw new Domain.InvalidInputException("requestsPerSecond", $"A rate must be between 0 and {MaxRequestsPerSecond} requests per second.");
}

public sealed record TrafficGeneratorStatus(ServiceEnvironment Target, TrafficLoad Load, long Sent, long Failed, string? LastError);
