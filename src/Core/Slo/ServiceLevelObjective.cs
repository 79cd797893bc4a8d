using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Core.Cluster;

namespace OpsConsole.Core.Slo;

/// <summary>What an SLO counts as a bad event: a 5xx answer (availability) or an answer slower than a threshold (latency).</summary>
public enum SloKind
{
    Availability,
    Latency,
}

/// <summary>
/// A service level objective of one service in one environment: the share of good events
/// (<see cref="Objective"/>, e.g. 0.999) over a rolling window of <see cref="WindowDays"/> days.
/// </summary>
public sealed class ServiceLevelObjective
{
    public long Id { get; set; }
    public required string Service { get; set; }
    public required string Environment { get; set; }
    public SloKind Kind { get; set; }
    public double Objective { get; set; }
    public int WindowDays { get; set; } = 30;

    /// <summary>Latency SLOs: answers slower than this many milliseconds are bad (one of the history's bucket bounds).</summary>
    public double? LatencyMs { get; set; }
    public required string CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }

    public ServiceEnvironment Target => new(Service, Environment);
    public TimeSpan Window => TimeSpan.FromDays(WindowDays);

    /// <summary>"availability 99.9%" or "latency &lt; 250 ms at 99%".</summary>
    public string Describe() => Kind == SloKind.Availability
        ? $"availability {Percent(Objective)}"
        : $"latency < {LatencyMs?.ToString(CultureInfo.InvariantCulture)} ms at {Percent(Objective)}";

    /// <summary>An objective as a percentage with the nines it has: 99.9%, 99.95%.</summary>
    public static string Percent(double objective) => (objective * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";
}

internal sealed class ServiceLevelObjectiveMapping : IEntityTypeConfiguration<ServiceLevelObjective>
{
    public void Configure(EntityTypeBuilder<ServiceLevelObjective> e)
    {
        e.ToTable("Slos");
        e.HasKey(s => s.Id);
        e.Property(s => s.Service).HasMaxLength(63);
        e.Property(s => s.Environment).HasMaxLength(63);
        e.Property(s => s.Kind).HasConversion<string>().HasMaxLength(20);
        e.Property(s => s.CreatedBy).HasMaxLength(256);
        e.Ignore(s => s.Target);
        e.Ignore(s => s.Window);
        e.HasIndex(s => new { s.Service, s.Environment });
    }
}
