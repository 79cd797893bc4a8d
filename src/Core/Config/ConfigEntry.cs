using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpsConsole.Core.Config;

/// <summary>
/// One configuration key of a service in an environment: a plain value, or a secret whose value is
/// kept only encrypted in <see cref="ConfigSecretVersion"/> rows (every version, so a snapshot that
/// names an older version still resolves, e.g. on a rollback). <see cref="Version"/> counts changes.
/// </summary>
public sealed class ConfigEntry
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Service { get; set; }
    public required string Environment { get; set; }
    public required string Key { get; set; }
    public bool IsSecret { get; set; }

    /// <summary>The plain value; empty for a secret.</summary>
    public string Value { get; set; } = "";
    public int Version { get; set; } = 1;
    public required string UpdatedBy { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>One version of a secret, encrypted with the console's data-protection keys.</summary>
public sealed class ConfigSecretVersion
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Service { get; set; }
    public required string Environment { get; set; }
    public required string Key { get; set; }
    public int Version { get; set; }
    public required string ProtectedValue { get; set; }
    public required string CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class ConfigEntryMapping : IEntityTypeConfiguration<ConfigEntry>
{
    public void Configure(EntityTypeBuilder<ConfigEntry> e)
    {
        e.HasKey(c => c.Id);
        e.Property(c => c.Id).ValueGeneratedNever();
        e.Property(c => c.Service).HasMaxLength(63);
        e.Property(c => c.Environment).HasMaxLength(63);
        e.Property(c => c.Key).HasMaxLength(64);
        e.Property(c => c.Value).HasMaxLength(Cluster.WorkloadConfig.MaxValueLength);
        e.Property(c => c.UpdatedBy).HasMaxLength(256);
        e.HasIndex(c => new { c.Service, c.Environment, c.Key }).IsUnique();
    }
}

internal sealed class ConfigSecretVersionMapping : IEntityTypeConfiguration<ConfigSecretVersion>
{
    public void Configure(EntityTypeBuilder<ConfigSecretVersion> e)
    {
        e.HasKey(c => c.Id);
        e.Property(c => c.Id).ValueGeneratedNever();
        e.Property(c => c.Service).HasMaxLength(63);
        e.Property(c => c.Environment).HasMaxLength(63);
        e.Property(c => c.Key).HasMaxLength(64);
        e.Property(c => c.CreatedBy).HasMaxLength(256);
        e.HasIndex(c => new { c.Service, c.Environment, c.Key, c.Version }).IsUnique();
    }
}
