using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpsConsole.Core.Promotions;

internal sealed class PromotionMapping : IEntityTypeConfiguration<Promotion>
{
    public void Configure(EntityTypeBuilder<Promotion> e)
    {
        e.HasKey(p => p.Id);
        e.Property(p => p.Id).ValueGeneratedNever();
        e.Property(p => p.Service).HasMaxLength(63);
        e.Property(p => p.Version).HasMaxLength(40);
        e.Property(p => p.Environment).HasMaxLength(63);
        e.Property(p => p.RequestedBy).HasMaxLength(256);
        e.Property(p => p.Status).HasConversion<string>().HasMaxLength(20);
        e.Property(p => p.ConfigHashAtRequest).HasMaxLength(128);
        e.Property(p => p.DeployedConfigHash).HasMaxLength(128);
        e.Property(p => p.Message).HasMaxLength(4000);
        e.Property(p => p.FreezeOverrideBy).HasMaxLength(256);
        e.Property(p => p.FreezeOverrideReason).HasMaxLength(Promotion.MaxCommentLength);
        e.Property(p => p.InFlightKey).HasMaxLength(130);
        e.Property(p => p.Generation).IsConcurrencyToken();
        e.Ignore(p => p.Gates);
        e.Ignore(p => p.Subject);
        e.Ignore(p => p.IsFinished);
        e.Ignore(p => p.IsWaiting);
        e.HasIndex(p => p.InFlightKey).IsUnique();
        e.HasIndex(p => new { p.Service, p.Version });
        e.HasIndex(p => p.Status);
        e.HasIndex(p => p.RequestedAt);
        e.HasMany(p => p.Approvals).WithOne().HasForeignKey(a => a.PromotionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PromotionApprovalMapping : IEntityTypeConfiguration<PromotionApproval>
{
    public void Configure(EntityTypeBuilder<PromotionApproval> e)
    {
        e.HasKey(a => a.Id);
        e.Property(a => a.Id).ValueGeneratedNever();
        e.Property(a => a.By).HasMaxLength(256);
        e.Property(a => a.Comment).HasMaxLength(Promotion.MaxCommentLength);
        e.Property(a => a.Decision).HasConversion<string>().HasMaxLength(10);
        e.Property(a => a.ConfigHash).HasMaxLength(128);
    }
}

internal sealed class ReleaseEnvironmentMapping : IEntityTypeConfiguration<ReleaseEnvironment>
{
    public void Configure(EntityTypeBuilder<ReleaseEnvironment> e)
    {
        e.HasKey(r => new { r.ReleaseId, r.Environment });
        e.Property(r => r.Service).HasMaxLength(63);
        e.Property(r => r.Version).HasMaxLength(40);
        e.Property(r => r.Environment).HasMaxLength(63);
        e.Property(r => r.RejectedReason).HasMaxLength(2000);
        e.Property(r => r.LiftedBy).HasMaxLength(256);
        e.Property(r => r.LiftedReason).HasMaxLength(Promotion.MaxCommentLength);
        e.Ignore(r => r.IsRunning);
        e.HasIndex(r => new { r.Service, r.Environment });
        e.HasOne<Releases.Release>().WithMany().HasForeignKey(r => r.ReleaseId).OnDelete(DeleteBehavior.Cascade);
    }
}
