using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpsConsole.Core.Releases;

/// <summary>
/// A time when deployments to an environment and/or a service are frozen: either recurring (an
/// RFC 5545 RRULE from a local start time in an IANA time zone, each occurrence lasting
/// <see cref="DurationMinutes"/> of wall-clock time, so "Friday 16:00 to Monday 08:00" stays that
/// across daylight-saving changes) or one-off (<see cref="StartUtc"/> to <see cref="EndUtc"/>).
/// A null service or environment means every one.
/// </summary>
public sealed class FreezeWindow
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public string? Service { get; set; }
    public string? Environment { get; set; }

    /// <summary>The RRULE value (e.g. <c>FREQ=WEEKLY;BYDAY=FR</c>); null for a one-off window.</summary>
    public string? RRule { get; set; }

    /// <summary>Local date and time of the first occurrence in <see cref="TimeZone"/> (recurring windows).</summary>
    public DateTime? StartLocal { get; set; }
    public int DurationMinutes { get; set; }
    public string TimeZone { get; set; } = "UTC";

    public DateTime? StartUtc { get; set; }
    public DateTime? EndUtc { get; set; }
    public string Reason { get; set; } = "";
    public required string CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }

    public bool IsRecurring => RRule is not null;

    /// <summary>True when the window covers deployments of the service to the environment.</summary>
    public bool Covers(string service, string environment) =>
        (Service is null || Service == service) && (Environment is null || Environment == environment);
}

internal sealed class FreezeWindowMapping : IEntityTypeConfiguration<FreezeWindow>
{
    public void Configure(EntityTypeBuilder<FreezeWindow> e)
    {
        e.HasKey(w => w.Id);
        e.Property(w => w.Id).ValueGeneratedNever();
        e.Property(w => w.Name).HasMaxLength(100);
        e.Property(w => w.Service).HasMaxLength(63);
        e.Property(w => w.Environment).HasMaxLength(63);
        e.Property(w => w.RRule).HasMaxLength(500);
        e.Property(w => w.TimeZone).HasMaxLength(64);
        e.Property(w => w.Reason).HasMaxLength(500);
        e.Property(w => w.CreatedBy).HasMaxLength(256);
        e.Ignore(w => w.IsRecurring);
    }
}
