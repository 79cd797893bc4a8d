using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Metrics;
using OpsConsole.Core.Tests.Shared;

namespace OpsConsole.Core.Tests.Metrics;

/// <summary>Writes metric points straight into a test store.</summary>
internal static class MetricTestData
{
    public static readonly DateTime Noon = new(2026, 11, 20, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>Slower-than counts that fall by <paramref name="step"/> per bound from <paramref name="atFirst"/> at the first bound (never below zero).</summary>
    public static long[] Slower(long atFirst, long step) =>
        [.. Enumerable.Range(0, MetricBounds.LatencyBoundsMs.Count).Select(i => Math.Max(0, atFirst - i * step))];

    public static MetricPoint Point(string revision, DateTime at, long requests, long errors, double? p50 = null, double? p90 = null, double? p99 = null,
        long[]? slower = null, int stepSeconds = 10, string service = "checkout", string environment = "prod") => new()
        {
            Service = service,
            Environment = environment,
            Revision = revision,
            StepSeconds = stepSeconds,
            BucketStart = at,
            Requests = requests,
            Errors5xx = errors,
            LatencyP50Ms = p50,
            LatencyP90Ms = p90,
            LatencyP99Ms = p99,
            SlowerThan = slower,
        };

    public static async Task StoreAsync(TestStore store, params MetricPoint[] points)
    {
        await using var db = store.NewContext();
        foreach (var p in points) MetricStore.Add(db, p);
        await db.SaveChangesAsync();
    }

    public static MetricHistory History(TestStore store) =>
        new(store.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Persistence.OpsDbContext>>());
}
