using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Migrations.Tests.Shared;

namespace OpsConsole.Console.Tests.Replicas;

/// <summary>On PostgreSQL the store itself tells every replica when outbox events commit, so their live views need not wait for the next read.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class OutboxNotifyTests(PostgresServer server)
{
    [Fact]
    public async Task Committing_outbox_events_notifies_listening_replicas_once_per_commit_and_only_after_the_commit()
    {
        var connection = server.ConnectionString(await server.CreateDatabaseAsync());
        var options = new DbContextOptionsBuilder<OpsDbContext>();
        options.UseStore(StoreKind.Postgres, connection);
        await using var db = new OpsDbContext(options.Options);
        await StoreProvider.MigrateAsync(db);

        await using var listener = new NpgsqlConnection(connection);
        var heard = 0;
        listener.Notification += (_, e) => { if (e.Channel == StoreProvider.OutboxChannel) Interlocked.Increment(ref heard); };
        await listener.OpenAsync();
        await using (var listen = new NpgsqlCommand($"LISTEN {StoreProvider.OutboxChannel}", listener))
            await listen.ExecuteNonQueryAsync();

        var outbox = new EventOutbox(EventSource.ForInstance("replica-a"));
        var actor = new Actor("alice", new HashSet<string> { Roles.Admin }, "corr");
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            outbox.Add(db, actor, EventTypes.DeployStarted, "checkout/prod", new { version = "1.1.0" });
            outbox.Add(db, actor, EventTypes.DeployCompleted, "checkout/prod", new { version = "1.1.0" });
            await db.SaveChangesAsync();
            // Not committed yet: nothing to read, so nothing is announced.
            Assert.False(await listener.WaitAsync(TimeSpan.FromMilliseconds(300)));
            await transaction.CommitAsync();
        }
        Assert.True(await listener.WaitAsync(TimeSpan.FromSeconds(10)), "a notification after the commit");
        Assert.Equal(1, heard);
    }
}
