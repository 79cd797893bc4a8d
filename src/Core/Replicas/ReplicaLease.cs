using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpsConsole.Core.Replicas;

/// <summary>
/// A time-bound claim by one console replica on something only one replica may drive at a time
/// (<c>rollout:{id}</c>, the local <c>cluster</c>) or a replica's heartbeat (<c>replica:{id}</c>).
/// <see cref="Token"/> grows by one each time the lease changes hands: the fencing token that lets a
/// replica tell that what it held was taken while it was away.
/// </summary>
public sealed class ReplicaLease
{
    public const int MaxNameLength = 200;

    public string Name { get; set; } = "";
    public string Holder { get; set; } = "";
    public long Token { get; set; }
    public DateTime AcquiredAt { get; set; }
    public DateTime ExpiresAt { get; set; }
}

internal sealed class ReplicaLeaseMapping : IEntityTypeConfiguration<ReplicaLease>
{
    public void Configure(EntityTypeBuilder<ReplicaLease> b)
    {
        b.ToTable("ReplicaLeases");
        b.HasKey(x => x.Name);
        b.Property(x => x.Name).HasMaxLength(ReplicaLease.MaxNameLength);
        b.Property(x => x.Holder).HasMaxLength(200);
        b.HasIndex(x => new { x.Holder, x.ExpiresAt });
    }
}
