using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Core.Events;

namespace OpsConsole.Core.Incidents;

internal sealed class IncidentMapping : IEntityTypeConfiguration<Incident>
{
    public void Configure(EntityTypeBuilder<Incident> e)
    {
        e.HasKey(i => i.Id);
        e.Property(i => i.Id).ValueGeneratedNever();
        e.Property(i => i.Title).HasMaxLength(Incident.MaxTitleLength);
        e.Property(i => i.Severity).HasConversion<string>().HasMaxLength(10);
        e.Property(i => i.Status).HasConversion<string>().HasMaxLength(20);
        e.Property(i => i.Origin).HasMaxLength(20);
        e.Property(i => i.Commander).HasMaxLength(256);
        e.Property(i => i.Generation).IsConcurrencyToken();
        e.HasIndex(i => i.Status);
        e.HasIndex(i => i.OpenedAt);
        // One incident per rollback event, whichever relay (or replica) saw it first.
        e.HasIndex(i => i.OriginEventId).IsUnique();
        e.Ignore(i => i.IsOpen);
        e.Ignore(i => i.ServiceNames);
        e.Ignore(i => i.Subject);
        e.HasMany(i => i.Services).WithOne().HasForeignKey(s => s.IncidentId).OnDelete(DeleteBehavior.Cascade);
        e.HasMany(i => i.Alerts).WithOne().HasForeignKey(a => a.IncidentId).OnDelete(DeleteBehavior.Cascade);
        e.HasMany(i => i.Runbooks).WithOne().HasForeignKey(r => r.IncidentId).OnDelete(DeleteBehavior.Cascade);
        e.HasMany(i => i.Log).WithOne().HasForeignKey(l => l.IncidentId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AffectedServiceMapping : IEntityTypeConfiguration<AffectedService>
{
    public void Configure(EntityTypeBuilder<AffectedService> e)
    {
        e.ToTable("IncidentServices");
        e.HasKey(s => s.Id);
        e.Property(s => s.Service).HasMaxLength(63);
        e.Property(s => s.Environment).HasMaxLength(63);
        e.HasIndex(s => s.Service);
    }
}

internal sealed class IncidentAlertMapping : IEntityTypeConfiguration<IncidentAlert>
{
    public void Configure(EntityTypeBuilder<IncidentAlert> e)
    {
        e.ToTable("IncidentAlerts");
        e.HasKey(a => a.Id);
        e.Property(a => a.Fingerprint).HasMaxLength(200);
        e.Property(a => a.OpenFingerprint).HasMaxLength(200);
        e.Property(a => a.Name).HasMaxLength(200);
        e.HasIndex(a => a.Fingerprint);
        // An alert is held by at most one open incident: the store refuses a second (SQLite allows many NULLs).
        e.HasIndex(a => a.OpenFingerprint).IsUnique();
        e.HasIndex(a => new { a.IncidentId, a.Fingerprint }).IsUnique();
    }
}

internal sealed class IncidentRunbookMapping : IEntityTypeConfiguration<IncidentRunbook>
{
    public void Configure(EntityTypeBuilder<IncidentRunbook> e)
    {
        e.ToTable("IncidentRunbooks");
        e.HasKey(r => r.Id);
        e.Property(r => r.Slug).HasMaxLength(200);
        e.Property(r => r.Title).HasMaxLength(300);
        e.HasIndex(r => new { r.IncidentId, r.Slug }).IsUnique();
    }
}

internal sealed class IncidentLogEntryMapping : IEntityTypeConfiguration<IncidentLogEntry>
{
    public void Configure(EntityTypeBuilder<IncidentLogEntry> e)
    {
        e.ToTable("IncidentLog");
        e.HasKey(l => l.Id);
        e.Property(l => l.Kind).HasConversion<string>().HasMaxLength(20);
        e.Property(l => l.Actor).HasMaxLength(256);
        e.Property(l => l.Text).HasMaxLength(IncidentLogEntry.MaxNoteLength + 200);
        e.HasIndex(l => new { l.IncidentId, l.At });
    }
}

/// <summary>
/// The incident timeline reads stored events by time ("what changed" in the two hours before an
/// incident, alerts and pages since): an index on the outbox's time keeps that a range read.
/// </summary>
internal sealed class OutboxTimeIndex : IEntityTypeConfiguration<OutboxEvent>
{
    public void Configure(EntityTypeBuilder<OutboxEvent> e) => e.HasIndex(o => o.Time);
}
