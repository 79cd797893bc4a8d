using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Events;
using OpsConsole.Core.Events.Webhooks;
using OpsConsole.Core.Incidents;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Core.Persistence;

/// <summary>The console's own store: identity, tokens, audit trail, outbox and webhooks.</summary>
public sealed class OpsDbContext(DbContextOptions<OpsDbContext> options) : IdentityDbContext<ConsoleUser>(options),
    Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.IDataProtectionKeyContext
{
    // One writer in this process appends to the chain at a time; across processes PostgreSQL's advisory
    // lock serialises appends, and on SQLite the unique Sequence index stops a second process from forking it.
    private static readonly SemaphoreSlim AuditAppendLock = new(1, 1);

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<OutboxEvent> OutboxEvents => Set<OutboxEvent>();
    public DbSet<WebhookSubscription> Webhooks => Set<WebhookSubscription>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();
    public DbSet<DeployTarget> DeployTargets => Set<DeployTarget>();
    public DbSet<Rollout> Rollouts => Set<Rollout>();
    public DbSet<AnalysisRun> AnalysisRuns => Set<AnalysisRun>();
    public DbSet<AnalysisMeasurement> AnalysisMeasurements => Set<AnalysisMeasurement>();
    public DbSet<StoredAnalysisTemplate> AnalysisTemplates => Set<StoredAnalysisTemplate>();
    public DbSet<MigrationBatch> MigrationBatches => Set<MigrationBatch>();
    public DbSet<MigrationTargetConfig> MigrationTargets => Set<MigrationTargetConfig>();
    public DbSet<DeploymentPlan> DeploymentPlans => Set<DeploymentPlan>();
    public DbSet<Incident> Incidents => Set<Incident>();
    public DbSet<Alerting.StoredAlert> Alerts => Set<Alerting.StoredAlert>();
    public DbSet<Alerting.AlertHistoryEntry> AlertHistory => Set<Alerting.AlertHistoryEntry>();
    public DbSet<Alerting.AlertRoute> AlertRoutes => Set<Alerting.AlertRoute>();
    public DbSet<Alerting.Silence> Silences => Set<Alerting.Silence>();
    public DbSet<Alerting.AlertGroup> AlertGroups => Set<Alerting.AlertGroup>();
    public DbSet<Alerting.AlertGroupMember> AlertGroupMembers => Set<Alerting.AlertGroupMember>();
    public DbSet<OnCall.OnCallSchedule> OnCallSchedules => Set<OnCall.OnCallSchedule>();
    public DbSet<OnCall.EscalationPolicy> EscalationPolicies => Set<OnCall.EscalationPolicy>();
    public DbSet<OnCall.AlertReceiver> AlertReceivers => Set<OnCall.AlertReceiver>();
    public DbSet<OnCall.Page> Pages => Set<OnCall.Page>();
    public DbSet<OnCall.NotificationRecord> OnCallNotifications => Set<OnCall.NotificationRecord>();
    public DbSet<Runbooks.Runbook> Runbooks => Set<Runbooks.Runbook>();
    public DbSet<Runbooks.RunbookVersion> RunbookVersions => Set<Runbooks.RunbookVersion>();
    public DbSet<Runbooks.RunbookRun> RunbookRuns => Set<Runbooks.RunbookRun>();
    public DbSet<Runbooks.RunbookRunStep> RunbookRunSteps => Set<Runbooks.RunbookRunStep>();
    public DbSet<Releases.Release> Releases => Set<Releases.Release>();
    public DbSet<Releases.ReleaseCheck> ReleaseChecks => Set<Releases.ReleaseCheck>();
    public DbSet<Releases.ServiceProfile> ServiceProfiles => Set<Releases.ServiceProfile>();
    public DbSet<Releases.PipelineStage> PipelineStages => Set<Releases.PipelineStage>();
    public DbSet<Releases.FreezeWindow> FreezeWindows => Set<Releases.FreezeWindow>();
    public DbSet<Config.ConfigEntry> ConfigEntries => Set<Config.ConfigEntry>();
    public DbSet<Config.ConfigSecretVersion> ConfigSecretVersions => Set<Config.ConfigSecretVersion>();
    public DbSet<Promotions.Promotion> Promotions => Set<Promotions.Promotion>();
    public DbSet<Promotions.PromotionApproval> PromotionApprovals => Set<Promotions.PromotionApproval>();
    public DbSet<Promotions.ReleaseEnvironment> ReleaseEnvironments => Set<Promotions.ReleaseEnvironment>();
    public DbSet<Replicas.ReplicaLease> ReplicaLeases => Set<Replicas.ReplicaLease>();
    public DbSet<Metrics.MetricPoint> MetricPoints => Set<Metrics.MetricPoint>();
    public DbSet<Drills.Drill> Drills => Set<Drills.Drill>();
    public DbSet<Drills.DrillRun> DrillRuns => Set<Drills.DrillRun>();
    public DbSet<Slo.ServiceLevelObjective> Slos => Set<Slo.ServiceLevelObjective>();
    public DbSet<GameDays.GameDay> GameDays => Set<GameDays.GameDay>();
    /// <summary>Data-protection keys, on PostgreSQL only (every replica reads the same keys); SQLite keeps them as files.</summary>
    public DbSet<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey> DataProtectionKeys => Set<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configuration)
    {
        // SQLite keeps no time zone: every DateTime is stored as UTC and read back marked as UTC.
        configuration.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configuration.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
        if (Database.IsPostgres())
        {
            // PostgreSQL's timestamptz takes only UTC offsets from Npgsql: normalise whatever offset a value carries.
            configuration.Properties<DateTimeOffset>().HaveConversion<UtcDateTimeOffsetConverter>();
            configuration.Properties<DateTimeOffset?>().HaveConversion<UtcDateTimeOffsetConverter>();
        }
    }

    protected override void OnModelCreating(ModelBuilder b)
    {
        base.OnModelCreating(b);

        b.Entity<ApiToken>(e =>
        {
            e.HasKey(t => t.Id);
            e.HasIndex(t => t.SecretHash).IsUnique();
            e.HasIndex(t => t.UserId);
            e.Property(t => t.Name).HasMaxLength(100);
            e.Ignore(t => t.RoleList);
        });

        b.Entity<AuditEntry>(e =>
        {
            e.HasKey(a => a.Id);
            e.HasIndex(a => a.Sequence).IsUnique();
            e.HasIndex(a => a.At);
            e.HasIndex(a => a.Actor);
            e.HasIndex(a => a.Action);
        });

        b.Entity<OutboxEvent>(e =>
        {
            e.HasKey(o => o.Position);
            e.HasIndex(o => o.Id).IsUnique();
            e.HasIndex(o => o.RelayedAt);
            e.HasIndex(o => o.Subject);
        });

        b.Entity<WebhookSubscription>(e =>
        {
            e.HasKey(w => w.Id);
            e.Property(w => w.Name).HasMaxLength(100);
        });

        b.Entity<WebhookDelivery>(e =>
        {
            e.HasKey(d => d.Id);
            e.HasIndex(d => new { d.WebhookId, d.EventId }).IsUnique();
            e.HasIndex(d => new { d.Status, d.NextAttemptAt });
            e.Property(d => d.Status).HasConversion<string>();
            e.HasMany(d => d.AttemptLog).WithOne().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<WebhookSubscription>().WithMany().HasForeignKey(d => d.WebhookId).OnDelete(DeleteBehavior.Cascade);
        });

        MapRollouts(b);
        MapMigrations(b);

        // The embedded default keeps its data-protection keys in files beside the store: no table for them.
        if (!Database.IsPostgres()) b.Ignore<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey>();
    }

    private static void MapMigrations(ModelBuilder b)
    {
        b.Entity<MigrationTargetConfig>(e =>
        {
            e.HasKey(t => new { t.Service, t.Environment });
            e.Property(t => t.Provider).HasConversion<string>().HasMaxLength(20);
        });
        b.Entity<MigrationBatch>(e =>
        {
            e.HasKey(m => m.Id);
            e.Property(m => m.Id).ValueGeneratedNever();
            e.Property(m => m.Kind).HasConversion<string>().HasMaxLength(20);
            e.Property(m => m.Status).HasConversion<string>().HasMaxLength(20);
            e.Property(m => m.Outcome).HasConversion<string>().HasMaxLength(20);
            e.HasIndex(m => new { m.Service, m.Environment, m.RequestedAt });
            e.HasIndex(m => m.Status);
            e.Ignore(m => m.IsFinished);
            e.Ignore(m => m.Waivers);
            e.Ignore(m => m.Result);
            e.Ignore(m => m.Recorded);
            e.Property(m => m.SourceOrigin).HasMaxLength(200);
            e.Property(m => m.SourceChecksum).HasMaxLength(64);
            e.Property(m => m.Phase).HasConversion<string>().HasMaxLength(20);
            e.HasIndex(m => m.PlanId);
        });
        b.Entity<DeploymentPlan>(e =>
        {
            e.HasKey(p => p.Id);
            e.Property(p => p.Id).ValueGeneratedNever();
            e.Property(p => p.Status).HasConversion<string>().HasMaxLength(20);
            e.HasIndex(p => p.RolloutId);
            e.HasIndex(p => new { p.Service, p.Environment, p.CreatedAt });
        });
    }

    private static void MapRollouts(ModelBuilder b)
    {
        b.Entity<DeployTarget>(e =>
        {
            e.HasKey(t => new { t.Service, t.Environment });
            e.Ignore(t => t.Target);
            e.Ignore(t => t.StableConfig);
        });
        b.Entity<StoredAnalysisTemplate>(e =>
        {
            e.HasKey(t => new { t.Name, t.Version });
            e.Ignore(t => t.Template);
        });
        b.Entity<Rollout>(e =>
        {
            e.HasKey(r => r.Id);
            e.Property(r => r.Id).ValueGeneratedNever();
            e.Property(r => r.Phase).HasConversion<string>().HasMaxLength(20);
            e.Property(r => r.Generation).IsConcurrencyToken();
            e.HasIndex(r => new { r.Service, r.Environment, r.CreatedAt });
            // One rollout in flight per service and environment, enforced by the store itself.
            e.HasIndex(r => new { r.Service, r.Environment }).IsUnique()
                .HasFilter("\"Phase\" IN ('Progressing', 'Paused')").HasDatabaseName("IX_Rollouts_OneActivePerTarget");
            e.HasIndex(r => r.Phase);
            e.Ignore(r => r.Target);
            e.Ignore(r => r.IsFinished);
            e.Ignore(r => r.Strategy);
            e.Ignore(r => r.Config);
            e.Ignore(r => r.StableConfig);
            e.Ignore(r => r.Weights);
            e.HasMany(r => r.AnalysisRuns).WithOne().HasForeignKey(a => a.RolloutId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<AnalysisRun>(e =>
        {
            e.HasKey(a => a.Id);
            // Ids are set by the domain; a run found through a rollout's navigation is then new (Added), not an update.
            e.Property(a => a.Id).ValueGeneratedNever();
            e.Property(a => a.Kind).HasConversion<string>().HasMaxLength(20);
            e.Property(a => a.Phase).HasConversion<string>().HasMaxLength(20);
            e.HasMany(a => a.Measurements).WithOne().HasForeignKey(m => m.AnalysisRunId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<AnalysisMeasurement>(e =>
        {
            e.HasKey(m => m.Id);
            e.Property(m => m.Phase).HasConversion<string>().HasMaxLength(20);
            e.HasIndex(m => new { m.AnalysisRunId, m.At });
        });

        // Newer capabilities (Runbooks, Alerting, OnCall, Incidents...) keep their mapping beside their
        // entities as IEntityTypeConfiguration classes, so this file stops growing with every capability.
        b.ApplyConfigurationsFromAssembly(typeof(OpsDbContext).Assembly);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        SaveChangesAsync(acceptAllChangesOnSuccess).GetAwaiter().GetResult();

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        var newEntries = ChangeTracker.Entries<AuditEntry>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
        if (newEntries.Count == 0) return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);

        await AuditAppendLock.WaitAsync(cancellationToken);
        try
        {
            var ownTransaction = Database.CurrentTransaction is null ? await Database.BeginTransactionAsync(cancellationToken) : null;
            try
            {
                if (Database.IsPostgres()) await StoreProvider.LockAuditAppendAsync(Database, cancellationToken);
                var head = await AuditEntries.AsNoTracking().OrderByDescending(a => a.Sequence)
                    .Select(a => new { a.Sequence, a.Hash }).FirstOrDefaultAsync(cancellationToken);
                var sequence = head?.Sequence ?? 0;
                var previous = head?.Hash ?? AuditChain.GenesisHash;
                foreach (var entry in newEntries)
                {
                    // The hash covers the time as the store keeps it (PostgreSQL keeps microseconds, not ticks).
                    entry.At = TruncateToMicroseconds(entry.At);
                    entry.Sequence = ++sequence;
                    entry.PreviousHash = previous;
                    entry.Hash = AuditChain.ComputeHash(entry);
                    previous = entry.Hash;
                }
                var written = await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
                if (ownTransaction is not null) await ownTransaction.CommitAsync(cancellationToken);
                return written;
            }
            finally
            {
                if (ownTransaction is not null) await ownTransaction.DisposeAsync();
            }
        }
        finally
        {
            AuditAppendLock.Release();
        }
    }

    private static DateTime TruncateToMicroseconds(DateTime at)
    {
        var utc = at.Kind == DateTimeKind.Utc ? at : at.ToUniversalTime();
        return new DateTime(utc.Ticks - utc.Ticks % 10, DateTimeKind.Utc);
    }
}

internal sealed class UtcDateTimeOffsetConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, DateTimeOffset>(
    v => v.ToUniversalTime(),
    v => v);

internal sealed class UtcDateTimeConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
