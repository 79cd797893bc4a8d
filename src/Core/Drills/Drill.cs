using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Core.Cluster;

namespace OpsConsole.Core.Drills;

/// <summary>
/// A scheduled rollback drill: a deliberately faulty build (the service's stable version with fault
/// settings) rolled out through the real rollout engine, which must detect it and roll back within
/// the target time.
/// </summary>
public sealed class Drill
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Service { get; set; }
    public required string Environment { get; set; }
    /// <summary>The fault as workload settings (FAULT_* keys only), JSON object.</summary>
    public string FaultJson { get; set; } = "{}";
    /// <summary>Standard five-field cron expression, evaluated in UTC.</summary>
    public required string Cron { get; set; }
    /// <summary>The fault must be gone (all traffic back on stable) within this many seconds of going live.</summary>
    public int TargetSeconds { get; set; }
    /// <summary>How long a run may go before the drill aborts the rollout itself and fails.</summary>
    public int TimeoutSeconds { get; set; } = DrillRules.DefaultTimeoutSeconds;
    /// <summary>The alert name that should fire for the service and environment during the run, if any.</summary>
    public string? ExpectedAlert { get; set; }
    public bool Enabled { get; set; } = true;
    /// <summary>An Admin's explicit opt-in for a drill in a production environment.</summary>
    public bool AllowProd { get; set; }
    public required string CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public ServiceEnvironment Target => new(Service, Environment);

    public IReadOnlyDictionary<string, string> Fault =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(FaultJson) ?? [];
}

public enum DrillRunStatus { Running, Passed, Failed }

/// <summary>One run of a drill with what it measured and its verdict.</summary>
public sealed class DrillRun
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid DrillId { get; set; }
    public required string Service { get; set; }
    public required string Environment { get; set; }
    public DrillRunStatus Status { get; set; } = DrillRunStatus.Running;
    /// <summary>Who started it ("system" for the schedule).</summary>
    public required string TriggeredBy { get; set; }
    public Guid? RolloutId { get; set; }
    public DateTime StartedAt { get; set; }
    /// <summary>When the faulty revision first took traffic.</summary>
    public DateTime? FaultLiveAt { get; set; }
    /// <summary>When the fault was detected: an analysis failed or the abort was decided.</summary>
    public DateTime? DetectedAt { get; set; }
    /// <summary>When all traffic was back on the stable revision.</summary>
    public DateTime? StableAt { get; set; }
    public double? DetectionSeconds { get; set; }
    public double? RollbackSeconds { get; set; }
    public int TargetSeconds { get; set; }
    public string? ExpectedAlert { get; set; }
    /// <summary>Whether the expected alert fired in the run window (null: no alert expected).</summary>
    public bool? AlertFired { get; set; }
    /// <summary>Whether the service catalogue's runbook for the service was linked (to the alert, or to the service).</summary>
    public bool RunbookLinked { get; set; }
    public string? Runbook { get; set; }
    /// <summary>True when the run timed out and the drill aborted the rollout itself.</summary>
    public bool AbortedByDrill { get; set; }
    public bool Passed { get; set; }
    public string? Reason { get; set; }
    public long? IncidentId { get; set; }
    public DateTime? CompletedAt { get; set; }
}

internal sealed class DrillMapping : IEntityTypeConfiguration<Drill>
{
    public void Configure(EntityTypeBuilder<Drill> e)
    {
        e.HasKey(d => d.Id);
        e.Property(d => d.Id).ValueGeneratedNever();
        e.Property(d => d.Service).HasMaxLength(63);
        e.Property(d => d.Environment).HasMaxLength(63);
        e.Property(d => d.FaultJson).HasMaxLength(4096);
        e.Property(d => d.Cron).HasMaxLength(DrillRules.MaxCronLength);
        e.Property(d => d.ExpectedAlert).HasMaxLength(DrillRules.MaxAlertNameLength);
        e.Property(d => d.CreatedBy).HasMaxLength(256);
        e.HasIndex(d => new { d.Service, d.Environment });
        e.Ignore(d => d.Target);
        e.Ignore(d => d.Fault);
    }
}

internal sealed class DrillRunMapping : IEntityTypeConfiguration<DrillRun>
{
    public void Configure(EntityTypeBuilder<DrillRun> e)
    {
        e.HasKey(r => r.Id);
        e.Property(r => r.Id).ValueGeneratedNever();
        e.Property(r => r.Service).HasMaxLength(63);
        e.Property(r => r.Environment).HasMaxLength(63);
        e.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
        e.Property(r => r.TriggeredBy).HasMaxLength(256);
        e.Property(r => r.ExpectedAlert).HasMaxLength(DrillRules.MaxAlertNameLength);
        e.Property(r => r.Runbook).HasMaxLength(100);
        e.Property(r => r.Reason).HasMaxLength(2000);
        e.HasIndex(r => new { r.DrillId, r.StartedAt });
        e.HasIndex(r => r.Status);
        // One run of a drill at a time, enforced by the store itself.
        e.HasIndex(r => r.DrillId).IsUnique().HasFilter("\"Status\" = 'Running'").HasDatabaseName("IX_DrillRuns_OneRunningPerDrill");
        e.HasOne<Drill>().WithMany().HasForeignKey(r => r.DrillId).OnDelete(DeleteBehavior.Cascade);
    }
}
