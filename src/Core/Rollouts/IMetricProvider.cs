using OpsConsole.Core.Cluster;
using OpsConsole.Core.Rollouts.Analysis;

namespace OpsConsole.Core.Rollouts;

/// <summary>Takes a measurement for a metric of a revision.</summary>
public interface IMetricProvider
{
    Task<MetricValue> MeasureAsync(AnalysisMetric metric, ServiceEnvironment target, string revision, CancellationToken ct);
}
