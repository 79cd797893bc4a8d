using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpsConsole.Core.Runbooks;

internal sealed class RunbookConfiguration : IEntityTypeConfiguration<Runbook>
{
    public void Configure(EntityTypeBuilder<Runbook> e)
    {
        e.HasKey(r => r.Id);
        e.HasIndex(r => r.Slug).IsUnique();
        e.Property(r => r.Slug).HasMaxLength(100);
        e.Property(r => r.Title).HasMaxLength(200);
        e.HasMany(r => r.Versions).WithOne().HasForeignKey(v => v.RunbookId).OnDelete(DeleteBehavior.Cascade);
        e.Ignore(r => r.Services);
        e.Ignore(r => r.Alerts);
        e.Ignore(r => r.Owners);
        e.Ignore(r => r.Tags);
    }
}

internal sealed class RunbookVersionConfiguration : IEntityTypeConfiguration<RunbookVersion>
{
    public void Configure(EntityTypeBuilder<RunbookVersion> e)
    {
        e.HasKey(v => v.Id);
        e.HasIndex(v => new { v.RunbookId, v.Number }).IsUnique();
    }
}

internal sealed class RunbookRunConfiguration : IEntityTypeConfiguration<RunbookRun>
{
    public void Configure(EntityTypeBuilder<RunbookRun> e)
    {
        e.HasKey(r => r.Id);
        e.HasIndex(r => r.IncidentId);
        e.HasIndex(r => r.Slug);
        e.HasMany(r => r.Steps).WithOne().HasForeignKey(s => s.RunId).OnDelete(DeleteBehavior.Cascade);
        e.Ignore(r => r.IsComplete);
    }
}

internal sealed class RunbookRunStepConfiguration : IEntityTypeConfiguration<RunbookRunStep>
{
    public void Configure(EntityTypeBuilder<RunbookRunStep> e)
    {
        e.HasKey(s => s.Id);
        e.HasIndex(s => new { s.RunId, s.Number }).IsUnique();
        e.Property(s => s.Kind).HasConversion<string>().HasMaxLength(20);
        e.Property(s => s.State).HasConversion<string>().HasMaxLength(20);
    }
}
