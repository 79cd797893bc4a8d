using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpsConsole.Core.Alerting;

/// <summary>
/// One alert, identified by its fingerprint (its label set). A repeated post changes only
/// <see cref="LastSeenAt"/>; a change of state is recorded in <see cref="AlertHistoryEntry"/>.
/// </summary>
public sealed class StoredAlert
{
    public required string Fingerprint { get; set; }
    public required string Name { get; set; }
    public string? Service { get; set; }
    public string? Environment { get; set; }
    public required string LabelsJson { get; set; }
    public required string AnnotationsJson { get; set; }
    public AlertStatus Status { get; set; }
    public DateTime StartsAt { get; set; }
    public DateTime? EndsAt { get; set; }
    public string? GeneratorUrl { get; set; }
    public DateTime FirstSeenAt { get; set; }
    public DateTime LastSeenAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>How many times the alert started firing (1 for a new alert).</summary>
    public int TimesFired { get; set; }
    /// <summary>Where it came from: "alertmanager" (with the webhook receiver) or "api".</summary>
    public required string Source { get; set; }
    /// <summary>The alert exactly as posted, unknown fields included.</summary>
    public required string RawJson { get; set; }
    /// <summary>The webhook envelope it came in (receiver, groupKey, externalURL, ...), without the alerts.</summary>
    public string? EnvelopeJson { get; set; }
    /// <summary>Lower-case labels and annotations, for search.</summary>
    public required string SearchText { get; set; }

    public IReadOnlyDictionary<string, string> Labels => Parse(LabelsJson);
    public IReadOnlyDictionary<string, string> Annotations => Parse(AnnotationsJson);

    internal static Dictionary<string, string> Parse(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];

    public AlertSnapshot ToSnapshot() => new(Fingerprint, Labels, Annotations, Status, StartsAt, EndsAt, GeneratorUrl);
}

/// <summary>A change of an alert's state: it started firing, or it resolved.</summary>
public sealed class AlertHistoryEntry
{
    public long Id { get; set; }
    public required string Fingerprint { get; set; }
    public DateTime At { get; set; }
    public AlertStatus Status { get; set; }
    public DateTime StartsAt { get; set; }
    public DateTime? EndsAt { get; set; }
    public required string Source { get; set; }
}

/// <summary>
/// A version of the route tree (entity AlertRoute): the Alertmanager YAML it was imported from; the
/// newest version is the one in force.
/// </summary>
public sealed class AlertRoute
{
    public int Id { get; set; }
    public required string Yaml { get; set; }
    public DateTime CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
}

/// <summary>A silence: alerts matching all matchers between start and end send no notification.</summary>
public sealed class Silence
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    /// <summary>The matchers in Alertmanager's syntax: <c>{a="b",c=~"d"}</c>.</summary>
    public required string Matchers { get; set; }
    public DateTime StartsAt { get; set; }
    public DateTime EndsAt { get; set; }
    public required string CreatedBy { get; set; }
    public required string Comment { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>Set when the silence was ended early by hand.</summary>
    public string? ExpiredBy { get; set; }
    /// <summary>Set once the "silence expired" event was written.</summary>
    public DateTime? ExpiryAnnouncedAt { get; set; }

    public SilenceState StateAt(DateTime now) => now < StartsAt ? SilenceState.Pending : now < EndsAt ? SilenceState.Active : SilenceState.Expired;

    /// <summary>Active and ending within the notice period: the UI marks it.</summary>
    public bool ExpiresSoon(DateTime now) => StateAt(now) == SilenceState.Active && EndsAt - now <= SilenceNotice;

    public static readonly TimeSpan SilenceNotice = TimeSpan.FromMinutes(15);

    public IReadOnlyList<LabelMatcher> ParsedMatchers => LabelMatcher.ParseList(Matchers);
}

public enum SilenceState { Pending, Active, Expired }

/// <summary>
/// The dispatcher's aggregation group: alerts of one route with the same group labels. Kept in the
/// store so group_wait, group_interval and repeat_interval timers survive a restart.
/// </summary>
public sealed class AlertGroup
{
    public required string Key { get; set; }
    public required string RouteId { get; set; }
    public required string Receiver { get; set; }
    public required string GroupLabelsJson { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime NextFlushAt { get; set; }
    public DateTime? LastNotifiedAt { get; set; }
    /// <summary>Fingerprints of the firing alerts in the last notification, space-separated, sorted.</summary>
    public string LastFiring { get; set; } = "";
    public List<AlertGroupMember> Members { get; set; } = [];
}

public sealed class AlertGroupMember
{
    public required string GroupKey { get; set; }
    public required string Fingerprint { get; set; }
}

internal sealed class StoredAlertMapping : IEntityTypeConfiguration<StoredAlert>
{
    public void Configure(EntityTypeBuilder<StoredAlert> e)
    {
        e.ToTable("Alerts");
        e.HasKey(a => a.Fingerprint);
        e.Property(a => a.Fingerprint).HasMaxLength(64);
        e.Property(a => a.Status).HasConversion<string>().HasMaxLength(10);
        e.Property(a => a.Source).HasMaxLength(20);
        e.HasIndex(a => new { a.Status, a.LastSeenAt });
        e.HasIndex(a => a.Service);
        e.HasIndex(a => a.LastSeenAt);
        e.Ignore(a => a.Labels);
        e.Ignore(a => a.Annotations);
    }
}

internal sealed class AlertHistoryMapping : IEntityTypeConfiguration<AlertHistoryEntry>
{
    public void Configure(EntityTypeBuilder<AlertHistoryEntry> e)
    {
        e.ToTable("AlertHistory");
        e.HasKey(h => h.Id);
        e.Property(h => h.Status).HasConversion<string>().HasMaxLength(10);
        e.HasIndex(h => new { h.Fingerprint, h.At });
    }
}

internal sealed class AlertRouteMapping : IEntityTypeConfiguration<AlertRoute>
{
    public void Configure(EntityTypeBuilder<AlertRoute> e)
    {
        e.ToTable("AlertRoutes");
        e.HasKey(r => r.Id);
    }
}

internal sealed class SilenceMapping : IEntityTypeConfiguration<Silence>
{
    public void Configure(EntityTypeBuilder<Silence> e)
    {
        e.ToTable("Silences");
        e.HasKey(s => s.Id);
        e.HasIndex(s => s.EndsAt);
        e.Ignore(s => s.ParsedMatchers);
    }
}

internal sealed class AlertGroupMapping : IEntityTypeConfiguration<AlertGroup>
{
    public void Configure(EntityTypeBuilder<AlertGroup> e)
    {
        e.ToTable("AlertGroups");
        e.HasKey(g => g.Key);
        e.HasIndex(g => g.NextFlushAt);
        e.HasMany(g => g.Members).WithOne().HasForeignKey(m => m.GroupKey).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AlertGroupMemberMapping : IEntityTypeConfiguration<AlertGroupMember>
{
    public void Configure(EntityTypeBuilder<AlertGroupMember> e)
    {
        e.ToTable("AlertGroupMembers");
        e.HasKey(m => new { m.GroupKey, m.Fingerprint });
        e.HasIndex(m => m.Fingerprint);
    }
}
