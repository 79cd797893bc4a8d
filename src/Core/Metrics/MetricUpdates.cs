using Microsoft.Extensions.Logging;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Events;

namespace OpsConsole.Core.Metrics;

/// <summary>A stored sampler tick: the 10 s step that starts at <see cref="BucketStart"/>, and the targets it has points for.</summary>
public sealed record MetricTick(DateTimeOffset BucketStart, IReadOnlyCollection<ServiceEnvironment> Targets);

/// <summary>"New metric points were stored, look again" for live dashboards, published after each tick's save.</summary>
public sealed class MetricUpdates(ILogger<MetricUpdates>? logger = null) : ChangeNotifier<MetricTick>(logger);
