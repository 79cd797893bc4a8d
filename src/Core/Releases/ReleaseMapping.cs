using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpsConsole.Core.Releases;

internal sealed class ReleaseMapping : IEntityTypeConfiguration<Release>
{
    public void Configure(EntityTypeBuilder<Release> e)
    {
        e.HasKey(r => r.Id);
        e.Property(r => r.Id).ValueGeneratedNever();
        e.Property(r => r.Service).HasMaxLength(63);
        e.Property(r => r.Version).HasMaxLength(40);
        e.Property(r => r.CommitSha).HasMaxLength(64);
        e.Property(r => r.BuildUrl).HasMaxLength(2048);
        e.Property(r => r.ArtifactRef).HasMaxLength(512);
        e.Property(r => r.Changelog).HasMaxLength(Release.MaxChangelogLength);
        e.Property(r => r.RegisteredBy).HasMaxLength(256);
        e.Property(r => r.ContentHash).HasMaxLength(64);
        e.HasIndex(r => new { r.Service, r.Version }).IsUnique();
        e.HasIndex(r => r.RegisteredAt);
        e.HasMany(r => r.Checks).WithOne().HasForeignKey(c => c.ReleaseId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ReleaseCheckMapping : IEntityTypeConfiguration<ReleaseCheck>
{
    public void Configure(EntityTypeBuilder<ReleaseCheck> e)
    {
        e.HasKey(c => c.Id);
        e.Property(c => c.Id).ValueGeneratedNever();
        e.Property(c => c.Name).HasMaxLength(63);
        e.Property(c => c.ReportedBy).HasMaxLength(256);
        e.HasIndex(c => new { c.ReleaseId, c.Name }).IsUnique();
    }
}

internal sealed class ServiceProfileMapping : IEntityTypeConfiguration<ServiceProfile>
{
    public void Configure(EntityTypeBuilder<ServiceProfile> e)
    {
        e.HasKey(s => s.Service);
        e.Property(s => s.Service).HasMaxLength(63);
        e.Property(s => s.Owner).HasMaxLength(256);
        e.Property(s => s.RepositoryUrl).HasMaxLength(2048);
        e.Property(s => s.Runbooks).HasMaxLength(2048);
    }
}

internal sealed class PipelineStageMapping : IEntityTypeConfiguration<PipelineStage>
{
    public void Configure(EntityTypeBuilder<PipelineStage> e)
    {
        e.HasKey(s => new { s.Service, s.Environment });
        e.Property(s => s.Service).HasMaxLength(63);
        e.Property(s => s.Environment).HasMaxLength(63);
        e.Property(s => s.RequiredChecks).HasMaxLength(512);
        e.Property(s => s.AnalysisTemplate).HasMaxLength(63);
        e.Ignore(s => s.RequiredCheckNames);
        e.HasIndex(s => new { s.Service, s.Order }).IsUnique();
    }
}
