using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OpsConsole.Core.GameDays;

internal sealed class GameDayMapping : IEntityTypeConfiguration<GameDay>
{
    public void Configure(EntityTypeBuilder<GameDay> b)
    {
        b.ToTable("GameDays");
        b.HasKey(g => g.Id);
        b.Property(g => g.Title).HasMaxLength(200);
        b.Property(g => g.Facilitator).HasMaxLength(256);
        b.Property(g => g.CreatedBy).HasMaxLength(256);
        b.Property(g => g.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(g => g.Version).IsConcurrencyToken();
        b.Ignore(g => g.Plan);
        b.Ignore(g => g.FaultRuns);
        b.Ignore(g => g.SliTallies);
        b.HasIndex(g => g.Status);
        b.HasMany(g => g.Entries).WithOne().HasForeignKey(e => e.GameDayId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(g => g.ActionItems).WithOne().HasForeignKey(e => e.GameDayId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class GameDayEntryMapping : IEntityTypeConfiguration<GameDayEntry>
{
    public void Configure(EntityTypeBuilder<GameDayEntry> b)
    {
        b.ToTable("GameDayEntries");
        b.HasKey(e => e.Id);
        b.Property(e => e.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(e => e.Actor).HasMaxLength(256);
        b.HasIndex(e => new { e.GameDayId, e.At });
    }
}

internal sealed class GameDayActionItemMapping : IEntityTypeConfiguration<GameDayActionItem>
{
    public void Configure(EntityTypeBuilder<GameDayActionItem> b)
    {
        b.ToTable("GameDayActionItems");
        b.HasKey(e => e.Id);
        b.Property(e => e.Owner).HasMaxLength(256);
        b.Property(e => e.CreatedBy).HasMaxLength(256);
        b.HasIndex(e => e.GameDayId);
    }
}
