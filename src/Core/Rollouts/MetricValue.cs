namespace OpsConsole.Core.Rollouts;

/// <summary>The value of one measurement, or why there is none (an error, or too little traffic to judge).</summary>
public sealed record MetricValue(double? Value, string? Error = null, bool TooFewRequests = false)
{
    public static MetricValue Of(double value) => new(value);
    public static MetricValue Failed(string error) => new(null, error);
}
