using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Tests.Shared;
using OpsConsole.Tests.Shared;

namespace OpsConsole.Core.Tests.Audit;

public sealed class AuditChainTests
{
    private static readonly Actor Alice = new("alice", new HashSet<string> { Roles.Admin }, "corr-1");

    private static async Task WriteEntriesAsync(TestStore store, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await using var db = store.NewContext();
            AuditTrail.Record(db, Alice, "thing.change", $"thing/{i}", before: new { n = i }, after: new { n = i + 1 });
            await db.SaveChangesAsync();
        }
    }

    [Fact]
    public async Task Entries_are_numbered_and_each_links_to_the_previous_hash()
    {
        await using var store = await TestStore.CreateAsync();
        await WriteEntriesAsync(store, 3);

        await using var db = store.NewContext();
        var entries = await db.AuditEntries.OrderBy(e => e.Sequence).ToListAsync();
        Assert.Equal([1L, 2L, 3L], entries.Select(e => e.Sequence));
        Assert.Equal(AuditChain.GenesisHash, entries[0].PreviousHash);
        Assert.Equal(entries[0].Hash, entries[1].PreviousHash);
        Assert.Equal(entries[1].Hash, entries[2].PreviousHash);
        Assert.All(entries, e => Assert.Equal(AuditChain.ComputeHash(e), e.Hash));
        var verdict = await AuditTrail.VerifyAsync(db);
        Assert.True(verdict.IsIntact);
        Assert.Equal(3, verdict.EntriesChecked);
        Assert.Equal(entries[2].Hash, verdict.HeadHash);
    }

    [Fact]
    public async Task Several_entries_in_one_save_chain_in_order()
    {
        await using var store = await TestStore.CreateAsync();
        await using (var db = store.NewContext())
        {
            AuditTrail.Record(db, Alice, "a", "t/1");
            AuditTrail.Record(db, Alice, "b", "t/2");
            await db.SaveChangesAsync();
        }
        await WriteEntriesAsync(store, 1);
        await using var check = store.NewContext();
        Assert.True((await AuditTrail.VerifyAsync(check)).IsIntact);
        Assert.Equal(3, await check.AuditEntries.CountAsync());
    }

    [Fact]
    public async Task Concurrent_writers_never_fork_the_chain()
    {
        await using var store = await TestStore.CreateAsync();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => WriteEntriesAsync(store, 5))));
        await using var db = store.NewContext();
        var verdict = await AuditTrail.VerifyAsync(db);
        Assert.True(verdict.IsIntact, verdict.Reason);
        Assert.Equal(40, verdict.EntriesChecked);
    }

    [Fact]
    public async Task The_store_refuses_updates_and_deletes_of_audit_entries()
    {
        await using var store = await TestStore.CreateAsync();
        await WriteEntriesAsync(store, 1);
        await using var db = store.NewContext();
        var update = await Assert.ThrowsAnyAsync<DbException>(() => db.Database.ExecuteSqlRawAsync("UPDATE \"AuditEntries\" SET \"Actor\" = 'mallory'"));
        Assert.Contains("append-only", update.Message);
        var delete = await Assert.ThrowsAnyAsync<DbException>(() => db.Database.ExecuteSqlRawAsync("DELETE FROM \"AuditEntries\""));
        Assert.Contains("append-only", delete.Message);
        if (TestStores.IsPostgres)
            Assert.Contains("append-only", (await Assert.ThrowsAnyAsync<DbException>(() => db.Database.ExecuteSqlRawAsync("TRUNCATE \"AuditEntries\""))).Message);
        Assert.Equal("alice", (await db.AuditEntries.SingleAsync()).Actor);
    }

    [Fact]
    public async Task A_tampered_entry_is_detected_and_named()
    {
        await using var store = await TestStore.CreateAsync();
        await WriteEntriesAsync(store, 5);
        await using var db = store.NewContext();
        // Someone with the database file drops the guard and rewrites history.
        await db.Database.ExecuteSqlRawAsync(TestStores.DropAuditTriggerSql("AuditEntries_NoUpdate"));
        await db.Database.ExecuteSqlRawAsync("UPDATE \"AuditEntries\" SET \"Actor\" = 'mallory' WHERE \"Sequence\" = 3");

        var verdict = await AuditTrail.VerifyAsync(db);
        Assert.False(verdict.IsIntact);
        Assert.Equal(3, verdict.FirstBadSequence);
        Assert.Equal(2, verdict.EntriesChecked);
        Assert.Contains("changed after it was written", verdict.Reason);
    }

    [Fact]
    public async Task A_rehashed_entry_breaks_the_link_of_the_next_one()
    {
        await using var store = await TestStore.CreateAsync();
        await WriteEntriesAsync(store, 4);
        await using var db = store.NewContext();
        await db.Database.ExecuteSqlRawAsync(TestStores.DropAuditTriggerSql("AuditEntries_NoUpdate"));
        // A careful attacker also recomputes the hash of the entry they changed.
        var entry = await db.AuditEntries.AsNoTracking().SingleAsync(e => e.Sequence == 2);
        entry.Target = "thing/forged";
        var newHash = AuditChain.ComputeHash(entry);
        await db.Database.ExecuteSqlAsync($"UPDATE \"AuditEntries\" SET \"Target\" = 'thing/forged', \"Hash\" = {newHash} WHERE \"Sequence\" = 2");

        var verdict = await AuditTrail.VerifyAsync(db);
        Assert.False(verdict.IsIntact);
        Assert.Equal(3, verdict.FirstBadSequence);
        Assert.Contains("does not link", verdict.Reason);
    }

    [Fact]
    public async Task A_deleted_entry_is_reported_as_missing()
    {
        await using var store = await TestStore.CreateAsync();
        await WriteEntriesAsync(store, 4);
        await using var db = store.NewContext();
        await db.Database.ExecuteSqlRawAsync(TestStores.DropAuditTriggerSql("AuditEntries_NoDelete"));
        await db.Database.ExecuteSqlRawAsync("DELETE FROM \"AuditEntries\" WHERE \"Sequence\" = 2");

        var verdict = await AuditTrail.VerifyAsync(db);
        Assert.False(verdict.IsIntact);
        Assert.Equal(2, verdict.FirstBadSequence);
        Assert.Contains("missing", verdict.Reason);
    }

    [Fact]
    public void Csv_lines_quote_separators_and_neutralise_formulas()
    {
        var e = new AuditEntry { Sequence = 7, At = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), Actor = "=cmd()", Action = "x", Target = "a,b", CorrelationId = "c", After = "say \"hi\"", PreviousHash = "p", Hash = "h" };
        var line = AuditQuery.ToCsvLine(e);
        Assert.Equal("7,2026-01-02T03:04:05.0000000Z,'=cmd(),x,\"a,b\",c,,\"say \"\"hi\"\"\",p,h", line);
    }
}
