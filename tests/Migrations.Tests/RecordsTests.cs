using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Events;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Persistence;
using OpsConsole.Migrations.Tests.Shared;

namespace OpsConsole.Migrations.Tests;

/// <summary>A run's audit entry and event land in the console's own store in one unit of work.</summary>
public sealed class RecordsTests : IDisposable
{
    private readonly Workspace _ws = new();
    private readonly string _store = Path.Combine(Path.GetTempPath(), "opsconsole-migrations-tests", "store-" + Guid.NewGuid().ToString("N") + ".db");
    private TestTarget? _target;

    public void Dispose()
    {
        _ws.Dispose();
        _target?.Dispose();
        try { File.Delete(_store); } catch (IOException) { }
    }

    [Fact]
    public async Task An_apply_is_audited_with_its_evidence_hash_and_announced_as_migration_applied()
    {
        _target = await TestTarget.CreateAsync("sqlite", null);
        _ws.Change("001_a", "CREATE TABLE a (id INTEGER);", "SELECT id FROM a WHERE 1 = 0;", "DROP TABLE a;");
        var runner = new MigrationRunner();
        MigrationRequest Request() => new() { RequestedBy = Actors.ReleaseManager, Source = _ws.Source(), Target = _target.Target, Environment = "dev" };
        var dry = await runner.DryRunAsync(Request());
        var apply = await runner.ApplyAsync(Request());
        var revert = await runner.RevertAsync(Request(), RevertTarget.Last(1));

        Directory.CreateDirectory(Path.GetDirectoryName(_store)!);
        var options = new DbContextOptionsBuilder<OpsDbContext>().UseSqlite($"Data Source={_store};Pooling=False").Options;
        await using (var db = new OpsDbContext(options))
        {
            await db.Database.MigrateAsync();
            var outbox = new EventOutbox(EventSource.ForInstance("test"));
            foreach (var result in new[] { dry, apply, revert }) MigrationRecords.Record(db, outbox, Actors.ReleaseManager, result);
            await db.SaveChangesAsync();
        }

        await using (var db = new OpsDbContext(options))
        {
            var audit = await db.AuditEntries.OrderBy(a => a.Sequence).ToListAsync();
            Assert.Equal(["migration.dry-run", "migration.apply", "migration.revert"], audit.Select(a => a.Action));
            Assert.All(audit, a => Assert.Equal("shop/dev", a.Target));
            Assert.Contains(apply.Sha256, audit[1].After);
            Assert.True((await AuditTrail.VerifyAsync(db)).IsIntact);
            var events = await db.OutboxEvents.OrderBy(o => o.Position).ToListAsync();
            Assert.Equal([EventTypes.MigrationApplied, EventTypes.MigrationReverted], events.Select(e => e.Type));
            Assert.Contains(apply.Sha256, events[0].CloudEventJson);
        }
    }
}
