using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OpsConsole.Console.Hosting;

/// <summary>Ready when this instance's job server has sent a heartbeat recently.</summary>
public sealed class JobServerReadyCheck(JobStorage storage, ConsoleSettings settings) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var servers = storage.GetMonitoringApi().Servers();
        var alive = servers.Any(s => s.Name.StartsWith(settings.InstanceName, StringComparison.OrdinalIgnoreCase)
                                     && s.Heartbeat is { } hb && DateTime.UtcNow - hb < TimeSpan.FromMinutes(1));
        return Task.FromResult(alive ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The job server has not reported in."));
    }
}
