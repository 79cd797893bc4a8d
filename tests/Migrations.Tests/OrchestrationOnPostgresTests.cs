using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Events;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Evidence;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Persistence;
using OpsConsole.Migrations.Tests.Shared;

namespace OpsConsole.Migrations.Tests;

/// <summary>
/// The console's orchestration (target registry, approval, job body, evidence in the audit chain)
/// against a real PostgreSQL target, with the demo migrations the console ships.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class OrchestrationOnPostgresTests(PostgresServer server) : IAsyncLifetime
{
    private static readonly Actor Admin = new("ada", new HashSet<string> { Roles.Admin }, "o1");
    private static readonly Actor Requester = new("rita", new HashSet<string> { Roles.ReleaseManager }, "o2");
    private static readonly Actor Approver = new("raj", new HashSet<string> { Roles.ReleaseManager }, "o3");

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "opsconsole-orchestration-tests", Guid.NewGuid().ToString("N"));
    private ServiceProvider _services = null!;
    private readonly List<Guid> _queued = [];

    private sealed class ImmediateQueue(List<Guid> queued) : IMigrationJobQueue
    {
        public void RunNow(Guid batchId) => queued.Add(batchId);
        public void RunAt(Guid batchId, DateTime whenUtc) => queued.Add(batchId);
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var s = new ServiceCollection();
        s.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        s.AddSingleton(TimeProvider.System);
        s.AddDataProtection().UseEphemeralDataProtectionProvider();
        s.AddDbContextFactory<OpsDbContext>(o => o.UseSqlite($"Data Source={Path.Combine(_dir, "store.db")};Pooling=False"));
        s.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext());
        s.AddSingleton(EventSource.ForInstance("orchestration-test"));
        s.AddSingleton<EventOutbox>();
        s.AddMigrationEngine(_ => new MigrationCatalog(Path.Combine(AppContext.BaseDirectory, "migrations")));
        s.AddSingleton<IMigrationJobQueue>(new ImmediateQueue(_queued));
        _services = s.BuildServiceProvider();
        await using var db = _services.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext();
        await db.Database.MigrateAsync();
        // Batches run with their requester's and approver's roles as the store holds them when the job starts.
        var role = new Microsoft.AspNetCore.Identity.IdentityRole(Roles.ReleaseManager) { NormalizedName = Roles.ReleaseManager.ToUpperInvariant() };
        db.Roles.Add(role);
        foreach (var name in new[] { Requester.Name, Approver.Name })
        {
            var user = new ConsoleUser { UserName = name, NormalizedUserName = name.ToUpperInvariant() };
            db.Users.Add(user);
            db.UserRoles.Add(new Microsoft.AspNetCore.Identity.IdentityUserRole<string> { UserId = user.Id, RoleId = role.Id });
        }
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private async Task<T> CoordinatorAsync<T>(Func<MigrationCoordinator, Task<T>> work)
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<MigrationCoordinator>());
    }

    private async Task RunQueuedAsync()
    {
        var executor = _services.GetRequiredService<MigrationBatchExecutor>();
        foreach (var id in _queued.ToList()) await executor.ExecuteAsync(id);
        _queued.Clear();
    }

    [Fact]
    public async Task A_demo_service_is_dry_run_then_applied_to_postgres_after_a_second_release_managers_approval()
    {
        var database = await server.CreateDatabaseAsync();
        var password = "pw-" + Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(server.AdminConnectionString))
        {
            await admin.OpenAsync();
            var role = "migrator_" + Guid.NewGuid().ToString("N")[..8];
            await new NpgsqlCommand($"CREATE ROLE {role} LOGIN PASSWORD '{password}'; ALTER DATABASE {database} OWNER TO {role};", admin).ExecuteNonQueryAsync();
            await using var db2 = new NpgsqlConnection(server.ConnectionString(database));
            await db2.OpenAsync();
            await new NpgsqlCommand($"ALTER SCHEMA public OWNER TO {role};", db2).ExecuteNonQueryAsync();
            var cs = server.ConnectionString(database, role, password);
            await CoordinatorAsync(d => d.SetTargetAsync(Admin, "checkout", "prod", "postgres", cs, requiresApproval: true));
        }

        var (_, before) = await CoordinatorAsync(d => d.StatusAsync("checkout", "prod"));
        Assert.Empty(before.Applied);
        Assert.NotEmpty(before.Pending);

        // On an environment that needs approval the rehearsal does too: it runs the change's SQL on the real target.
        var dryRun = await CoordinatorAsync(d => d.RequestAsync(Requester, "checkout", "prod", new MigrationBatchRequest(MigrationRunKind.DryRun)));
        Assert.Equal(MigrationBatchStatus.AwaitingApproval, dryRun.Status);
        await CoordinatorAsync(d => d.ApproveAsync(Approver, dryRun.Id));
        await RunQueuedAsync();
        var apply = await CoordinatorAsync(d => d.RequestAsync(Requester, "checkout", "prod", new MigrationBatchRequest(MigrationRunKind.Apply)));
        Assert.Equal(MigrationBatchStatus.AwaitingApproval, apply.Status);
        Assert.Empty(_queued);
        await Assert.ThrowsAnyAsync<Exception>(() => CoordinatorAsync(d => d.ApproveAsync(Requester, apply.Id)));
        await CoordinatorAsync(d => d.ApproveAsync(Approver, apply.Id));
        await RunQueuedAsync();

        await using var store = _services.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext();
        var dry = await store.MigrationBatches.AsNoTracking().SingleAsync(b => b.Id == dryRun.Id);
        Assert.Equal(MigrationBatchStatus.Succeeded, dry.Status);
        var applied = await store.MigrationBatches.AsNoTracking().SingleAsync(b => b.Id == apply.Id);
        Assert.Equal(MigrationBatchStatus.Succeeded, applied.Status);
        Assert.Equal("raj", applied.ApprovedBy);

        var (_, after) = await CoordinatorAsync(d => d.StatusAsync("checkout", "prod"));
        Assert.Empty(after.Pending);
        Assert.Equal(before.Pending.Count, after.Applied.Count);

        // The evidence names PostgreSQL without the secret, and its hash is the one in the audit chain.
        Assert.NotNull(applied.EvidenceJson);
        Assert.DoesNotContain(password, applied.EvidenceJson);
        Assert.True(EvidenceSeal.Verify(applied.EvidenceJson!, applied.EvidenceSha256!).Intact);
        var audit = await store.AuditEntries.AsNoTracking().ToListAsync();
        Assert.Contains(audit, a => (a.After ?? "").Contains(applied.EvidenceSha256!));
        Assert.All(audit, a => Assert.DoesNotContain(password, (a.Before ?? "") + (a.After ?? "")));
        Assert.True((await AuditTrail.VerifyAsync(store)).IsIntact);
        Assert.Contains(await store.OutboxEvents.Select(e => e.Type).ToListAsync(), t => t == EventTypes.MigrationApplied);
    }
}
