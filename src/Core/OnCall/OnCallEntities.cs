using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Core.Incidents;

namespace OpsConsole.Core.OnCall;

internal static class OnCallJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);
    public static T Read<T>(string? json, T fallback) => string.IsNullOrEmpty(json) ? fallback : JsonSerializer.Deserialize<T>(json, Options) ?? fallback;
}

/// <summary>A named on-call schedule: rotation layers (lowest first) and overrides.</summary>
public sealed class OnCallSchedule
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public string LayersJson { get; set; } = "[]";
    public string OverridesJson { get; set; } = "[]";
    public DateTime UpdatedAt { get; set; }
    public string UpdatedBy { get; set; } = "";

    public IReadOnlyList<RotationLayer> Layers
    {
        get => OnCallJson.Read<List<RotationLayer>>(LayersJson, []);
        set => LayersJson = OnCallJson.Write(value);
    }

    public IReadOnlyList<ScheduleOverride> Overrides
    {
        get => OnCallJson.Read<List<ScheduleOverride>>(OverridesJson, []);
        set => OverridesJson = OnCallJson.Write(value);
    }
}

[JsonConverter(typeof(JsonStringEnumConverter<EscalationTargetKind>))]
public enum EscalationTargetKind
{
    User,
    Schedule,
}

/// <summary>Who a level pages: a user by name, or whoever is on call in a schedule (by name) at that moment.</summary>
public sealed record EscalationTarget(EscalationTargetKind Kind, string Name);

/// <summary>One level: its targets are paged together; after <see cref="DelayMinutes"/> without acknowledgement the next level is.</summary>
public sealed record EscalationLevel(IReadOnlyList<EscalationTarget> Targets, int DelayMinutes);

/// <summary>Levels paged in order; after the last, the whole sequence runs again <see cref="RepeatCount"/> more times.</summary>
public sealed class EscalationPolicy
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public string Name { get; set; } = "";
    public string LevelsJson { get; set; } = "[]";
    public int RepeatCount { get; set; }
    public DateTime UpdatedAt { get; set; }
    public string UpdatedBy { get; set; } = "";

    public IReadOnlyList<EscalationLevel> Levels
    {
        get => OnCallJson.Read<List<EscalationLevel>>(LevelsJson, []);
        set => LevelsJson = OnCallJson.Write(value);
    }
}

/// <summary>
/// Where notifications for a route's receiver name go: an escalation policy (pages people), a
/// Slack-compatible webhook, email addresses, and optionally an incident of a severity.
/// </summary>
public sealed class AlertReceiver
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public string Name { get; set; } = "";
    public string? EscalationPolicy { get; set; }
    /// <summary>The webhook's full URL (often carrying its credential): shown to Admins only, logged as scheme and host.</summary>
    public string? WebhookUrl { get; set; }
    /// <summary>Addresses, space-separated.</summary>
    public string Emails { get; set; } = "";
    public IncidentSeverity? OpensIncident { get; set; }
    public DateTime UpdatedAt { get; set; }
    public string UpdatedBy { get; set; } = "";

    public IReadOnlyList<string> EmailList => Emails.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

public enum PageStatus
{
    Triggered,
    Acknowledged,
    Resolved,
}

/// <summary>
/// People being paged for one alert group of one receiver, level by level until someone acknowledges.
/// <see cref="Step"/> changes with every escalation, acknowledgement and resolution: a timer carries the
/// step it was set for, so a stale timer (the page moved on meanwhile) does nothing.
/// </summary>
public sealed class Page
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public string Receiver { get; set; } = "";
    public string GroupKey { get; set; } = "";
    public string Policy { get; set; } = "";
    public string Title { get; set; } = "";
    public string Subject { get; set; } = "";
    public string FingerprintsJson { get; set; } = "[]";
    public long? IncidentId { get; set; }
    public PageStatus Status { get; set; }
    /// <summary>Zero-based level paged last.</summary>
    public int Level { get; set; }
    /// <summary>Zero-based pass through the levels (0 is the first, up to the policy's repeat count).</summary>
    public int Round { get; set; }
    public int Step { get; set; }
    /// <summary>Who the last level paged, space-separated.</summary>
    public string Paged { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime? NextEscalationAt { get; set; }
    public DateTime? AcknowledgedAt { get; set; }
    public string? AcknowledgedBy { get; set; }
    public DateTime? ResolvedAt { get; set; }

    public IReadOnlyList<string> Fingerprints
    {
        get => OnCallJson.Read<List<string>>(FingerprintsJson, []);
        set => FingerprintsJson = OnCallJson.Write(value);
    }
}

public enum NotificationOutcome
{
    Sent,
    Failed,
    Undeliverable,
    Skipped,
}

/// <summary>One delivery (or non-delivery) of a notification: shown in the console, never holding a secret.</summary>
public sealed class NotificationRecord
{
    public long Id { get; set; }
    public DateTime At { get; set; }
    public string Receiver { get; set; } = "";
    public string GroupKey { get; set; } = "";
    public Guid? PageId { get; set; }
    /// <summary>page, webhook, email or incident.</summary>
    public string Channel { get; set; } = "";
    /// <summary>A person, an address, or a URL's scheme and host.</summary>
    public string Recipient { get; set; } = "";
    public NotificationOutcome Outcome { get; set; }
    public string Detail { get; set; } = "";
}

internal sealed class OnCallScheduleMapping : IEntityTypeConfiguration<OnCallSchedule>
{
    public void Configure(EntityTypeBuilder<OnCallSchedule> e)
    {
        e.HasKey(s => s.Id);
        e.Property(s => s.Id).ValueGeneratedNever();
        e.Property(s => s.Name).HasMaxLength(100);
        e.HasIndex(s => s.Name).IsUnique();
        e.Ignore(s => s.Layers);
        e.Ignore(s => s.Overrides);
    }
}

internal sealed class EscalationPolicyMapping : IEntityTypeConfiguration<EscalationPolicy>
{
    public void Configure(EntityTypeBuilder<EscalationPolicy> e)
    {
        e.HasKey(p => p.Id);
        e.Property(p => p.Id).ValueGeneratedNever();
        e.Property(p => p.Name).HasMaxLength(100);
        e.HasIndex(p => p.Name).IsUnique();
        e.Ignore(p => p.Levels);
    }
}

internal sealed class AlertReceiverMapping : IEntityTypeConfiguration<AlertReceiver>
{
    public void Configure(EntityTypeBuilder<AlertReceiver> e)
    {
        e.HasKey(r => r.Id);
        e.Property(r => r.Id).ValueGeneratedNever();
        e.Property(r => r.Name).HasMaxLength(100);
        e.HasIndex(r => r.Name).IsUnique();
        e.Property(r => r.OpensIncident).HasConversion<string>().HasMaxLength(10);
        e.Ignore(r => r.EmailList);
    }
}

internal sealed class PageMapping : IEntityTypeConfiguration<Page>
{
    public void Configure(EntityTypeBuilder<Page> e)
    {
        e.HasKey(p => p.Id);
        e.Property(p => p.Id).ValueGeneratedNever();
        e.Property(p => p.Status).HasConversion<string>().HasMaxLength(20);
        e.Property(p => p.Step).IsConcurrencyToken();
        e.HasIndex(p => new { p.Receiver, p.GroupKey, p.Status });
        e.HasIndex(p => p.CreatedAt);
        e.Ignore(p => p.Fingerprints);
    }
}

internal sealed class NotificationRecordMapping : IEntityTypeConfiguration<NotificationRecord>
{
    public void Configure(EntityTypeBuilder<NotificationRecord> e)
    {
        e.HasKey(n => n.Id);
        e.Property(n => n.Outcome).HasConversion<string>().HasMaxLength(20);
        e.HasIndex(n => n.At);
        e.HasIndex(n => n.PageId);
    }
}
