using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpsConsole.Console.Tests.Replicas;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Persistence;
using OpsConsole.Migrations.Tests.Shared;

namespace OpsConsole.Console.Tests.Store;

/// <summary>
/// The store on PostgreSQL shared by two console processes, as replicas run it: concurrent writers
/// in different processes extend one audit chain without gaps or forks, and the store refuses
/// changes to audit rows whoever asks. PostgreSQL by design (what it tests is PostgreSQL's advisory
/// locks and trigger), so it runs in every suite run on a throwaway server of its own.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class PostgresReplicaTests(PostgresServer server)
{
    [Fact]
    public async Task Two_console_processes_writing_at_once_keep_one_gap_free_audit_chain()
    {
        var database = await server.CreateDatabaseAsync();
        var connection = server.ConnectionString(database);
        var token = "opc_admin_" + Guid.NewGuid().ToString("N");
        var settings = new Dictionary<string, string>
        {
            ["OPS_STORE"] = "postgres", ["OPS_STORE_CONNECTION"] = connection, ["OPS_ADMIN_TOKEN"] = token,
            ["OPS_ADMIN_PASSWORD"] = "pw-" + Guid.NewGuid().ToString("N"), ["OPS_DEMO"] = "false", ["OPS_JOB_POLL_SECONDS"] = "0.5",
        };
        await using var a = await ConsoleProcess.StartAsync("replica-a", settings);
        await using var b = await ConsoleProcess.StartAsync("replica-b", settings);

        var options = new DbContextOptionsBuilder<OpsDbContext>();
        options.UseStore(StoreKind.Postgres, connection);
        await using var db = new OpsDbContext(options.Options);
        // The first run's admin token is audited too.
        var before = await db.AuditEntries.CountAsync(e => e.Action == "token.create");

        // 2 x 15 changes through each replica's API at once, each one audited.
        const int perReplica = 15;
        await Task.WhenAll(new[] { a, b }.SelectMany(replica => Enumerable.Range(0, perReplica).Select(async i =>
        {
            using var client = replica.Client(token);
            var response = await client.PostAsJsonAsync("/api/v1/tokens", new { name = $"{replica.Name}-{i}", roles = new[] { Roles.Viewer } });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        })));

        var verdict = await AuditTrail.VerifyAsync(db);
        Assert.True(verdict.IsIntact, verdict.Reason);
        var sequences = await db.AuditEntries.OrderBy(e => e.Sequence).Select(e => e.Sequence).ToListAsync();
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        Assert.Equal(before + 2 * perReplica, await db.AuditEntries.CountAsync(e => e.Action == "token.create"));
        Assert.Equal(verdict.EntriesChecked, sequences.Count);
    }

    [Fact]
    public async Task Replicas_migrating_at_once_take_turns_and_the_store_refuses_changes_to_audit_rows()
    {
        var database = await server.CreateDatabaseAsync();
        var connection = server.ConnectionString(database);
        OpsDbContext NewContext()
        {
            var options = new DbContextOptionsBuilder<OpsDbContext>();
            options.UseStore(StoreKind.Postgres, connection);
            return new OpsDbContext(options.Options);
        }

        // Four "replicas" start at once on an empty database: one migrates, the others wait and find nothing to do.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var db = NewContext();
            await StoreProvider.MigrateAsync(db);
        }));
        await using (var db = NewContext())
        {
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            AuditTrail.Record(db, new Actor("alice", new HashSet<string> { Roles.Admin }, "corr"), "thing.create", "thing/1");
            await db.SaveChangesAsync();
        }

        // Even the database owner, straight through SQL: no UPDATE, DELETE or TRUNCATE of audit rows.
        await using var raw = new NpgsqlConnection(connection);
        await raw.OpenAsync();
        foreach (var sql in new[] { "UPDATE \"AuditEntries\" SET \"Actor\" = 'mallory'", "DELETE FROM \"AuditEntries\"", "TRUNCATE \"AuditEntries\"" })
        {
            await using var command = new NpgsqlCommand(sql, raw);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("append-only", refused.MessageText);
        }
        await using var check = NewContext();
        Assert.Equal("alice", (await check.AuditEntries.SingleAsync()).Actor);
    }
}
