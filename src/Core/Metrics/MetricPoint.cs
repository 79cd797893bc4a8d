using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpsConsole.Core.Metrics;

/// <summary>
/// What one revision of a service/environment served over one step (10 s, or 5 min once rolled up)
/// starting at <see cref="BucketStart"/>, as its ingress measured it. A step without requests is still
/// stored (measured, nothing came); a step without a row was not measured.
/// </summary>
public sealed class MetricPoint
{
    /// <summary>The resolution the sampler writes, kept for <see cref="FineRetention"/>.</summary>
    public static readonly TimeSpan FineStep = TimeSpan.FromSeconds(10);
    /// <summary>The resolution older points are rolled into, kept for <see cref="CoarseRetention"/>.</summary>
    public static readonly TimeSpan CoarseStep = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan FineRetention = TimeSpan.FromDays(1);
    public static readonly TimeSpan CoarseRetention = TimeSpan.FromDays(30);

    public long Id { get; set; }
    public required string Service { get; set; }
    public required string Environment { get; set; }
    public required string Revision { get; set; }
    /// <summary>10 or 300.</summary>
    public int StepSeconds { get; set; }
    /// <summary>UTC, a multiple of the step since the Unix epoch.</summary>
    public DateTime BucketStart { get; set; }
    public long Requests { get; set; }
    public long Errors5xx { get; set; }
    public double? LatencyP50Ms { get; set; }
    public double? LatencyP90Ms { get; set; }
    public double? LatencyP99Ms { get; set; }

    /// <summary>
    /// Requests slower than each of <see cref="MetricBounds.LatencyBoundsMs"/> (same order); null when
    /// the cluster does not count them. Stored as one column per bound (<see cref="SlowerThanColumn"/>)
    /// so a latency SLI over a month is one SQL sum; <see cref="MetricStore"/> moves it in and out.
    /// </summary>
    public long[]? SlowerThan { get; set; }

    /// <summary>The column holding the count of requests slower than bound number <paramref name="index"/>, e.g. <c>SlowerThan250Ms</c>.</summary>
    public static string SlowerThanColumn(int index) =>
        "SlowerThan" + MetricBounds.LatencyBoundsMs[index].ToString("0", CultureInfo.InvariantCulture) + "Ms";
}

internal sealed class MetricPointMapping : IEntityTypeConfiguration<MetricPoint>
{
    public void Configure(EntityTypeBuilder<MetricPoint> e)
    {
        e.HasKey(p => p.Id);
        e.Property(p => p.Service).HasMaxLength(63);
        e.Property(p => p.Environment).HasMaxLength(63);
        e.Property(p => p.Revision).HasMaxLength(128);
        e.Ignore(p => p.SlowerThan);
        for (var i = 0; i < MetricBounds.LatencyBoundsMs.Count; i++)
            e.Property<long?>(MetricPoint.SlowerThanColumn(i));
        // Range reads (one target, a time span) and one row per revision and step; the unique index
        // also stops a second writer (another replica) from counting a step twice.
        e.HasIndex(p => new { p.Service, p.Environment, p.BucketStart, p.Revision, p.StepSeconds }).IsUnique();
        // The roll-up and retention sweep: old points of one resolution.
        e.HasIndex(p => new { p.StepSeconds, p.BucketStart });
    }
}
