using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Tests.Shared;
using System.Text.Json;

namespace OpsConsole.Core.Tests.Events;

public sealed class OutboxTests
{
    private static readonly Actor Bob = new("bob", new HashSet<string> { Roles.OnCall }, "corr-42");

    private sealed class RecordingSink : IEventSink
    {
        public List<EventEnvelope> Received { get; } = [];
        public int FailAfter { get; set; } = int.MaxValue;

        public Task OnEventAsync(EventEnvelope envelope, OpsDbContext db, CancellationToken ct)
        {
            if (Received.Count >= FailAfter) throw new InvalidOperationException("sink crashed");
            Received.Add(envelope);
            return Task.CompletedTask;
        }
    }

    private static OutboxRelay RelayFor(TestStore store, params IEventSink[] sinks) =>
        new(store.Services.GetRequiredService<IDbContextFactory<OpsDbContext>>(), sinks, NullLogger<OutboxRelay>.Instance);

    private static async Task<string> CommitChangeWithEventAsync(TestStore store, string subject = "checkout/prod")
    {
        var outbox = store.Services.GetRequiredService<EventOutbox>();
        await using var db = store.NewContext();
        AuditTrail.Record(db, Bob, "deploy.start", subject);
        var e = outbox.Add(db, Bob, EventTypes.DeployStarted, subject, new { version = "1.1.0" });
        await db.SaveChangesAsync();
        return e.Id;
    }

    [Fact]
    public async Task Events_are_CloudEvents_1_0_with_the_actor_and_correlation()
    {
        await using var store = await TestStore.CreateAsync();
        var id = await CommitChangeWithEventAsync(store);
        await using var db = store.NewContext();
        var row = await db.OutboxEvents.SingleAsync();
        using var json = JsonDocument.Parse(row.CloudEventJson);
        var root = json.RootElement;
        Assert.Equal("1.0", root.GetProperty("specversion").GetString());
        Assert.Equal(id, root.GetProperty("id").GetString());
        Assert.Equal("deploy.started", root.GetProperty("type").GetString());
        Assert.Equal("checkout/prod", root.GetProperty("subject").GetString());
        Assert.Equal("/opsconsole/test", root.GetProperty("source").GetString());
        Assert.Equal("1.1.0", root.GetProperty("data").GetProperty("version").GetString());
        Assert.Equal("bob", row.Actor);
        Assert.Equal("corr-42", row.CorrelationId);
    }

    [Fact]
    public async Task An_event_commits_or_rolls_back_with_its_change()
    {
        await using var store = await TestStore.CreateAsync();
        await CommitChangeWithEventAsync(store);
        var outbox = store.Services.GetRequiredService<EventOutbox>();
        await using (var db = store.NewContext())
        {
            var existing = await db.OutboxEvents.AsNoTracking().SingleAsync();
            // The same unit of work adds an audit entry, a new event, and a row that violates a unique index.
            AuditTrail.Record(db, Bob, "deploy.start", "catalog/prod");
            outbox.Add(db, Bob, EventTypes.DeployStarted, "catalog/prod", new { });
            db.OutboxEvents.Add(new OutboxEvent { Id = existing.Id, Type = "x", Source = "s", Subject = "s", CorrelationId = "c", CloudEventJson = "{}" });
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }
        await using var check = store.NewContext();
        Assert.Equal(1, await check.OutboxEvents.CountAsync());
        Assert.Equal(1, await check.AuditEntries.CountAsync());
    }

    [Fact]
    public async Task A_restart_between_commit_and_delivery_loses_nothing()
    {
        await using var store = await TestStore.CreateAsync();
        var first = await CommitChangeWithEventAsync(store, "checkout/prod");
        var second = await CommitChangeWithEventAsync(store, "catalog/prod");
        // The console stopped here: committed, never relayed. A new relay (a new process) starts.
        var sink = new RecordingSink();
        Assert.Equal(2, await RelayFor(store, sink).RelayPendingAsync(CancellationToken.None));
        Assert.Equal([first, second], sink.Received.Select(e => e.Id));

        // Relaying again delivers nothing new.
        Assert.Equal(0, await RelayFor(store, sink).RelayPendingAsync(CancellationToken.None));
        Assert.Equal(2, sink.Received.Count);
    }

    [Fact]
    public async Task A_crash_during_relay_redelivers_with_the_same_event_id()
    {
        await using var store = await TestStore.CreateAsync();
        var id = await CommitChangeWithEventAsync(store);
        var crashing = new RecordingSink { FailAfter = 0 };
        await Assert.ThrowsAsync<InvalidOperationException>(() => RelayFor(store, crashing).RelayPendingAsync(CancellationToken.None));

        var sink = new RecordingSink();
        await RelayFor(store, sink).RelayPendingAsync(CancellationToken.None);
        Assert.Equal(id, Assert.Single(sink.Received).Id);
        await using var db = store.NewContext();
        Assert.NotNull((await db.OutboxEvents.SingleAsync()).RelayedAt);
    }

    [Fact]
    public async Task Committing_an_event_wakes_the_relay()
    {
        await using var store = await TestStore.CreateAsync();
        // Drain any signal left by the migration.
        while (await store.Signal.WaitAsync(TimeSpan.Zero, CancellationToken.None)) { }
        await CommitChangeWithEventAsync(store);
        Assert.True(await store.Signal.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
    }

    [Fact]
    public async Task Live_subscribers_receive_relayed_events_until_they_unsubscribe()
    {
        await using var store = await TestStore.CreateAsync();
        var live = new LiveEvents(NullLogger<LiveEvents>.Instance);
        var seen = new List<string>();
        var subscription = live.Subscribe(e => { seen.Add(e.Type); return Task.CompletedTask; });
        await CommitChangeWithEventAsync(store);
        await RelayFor(store, live).RelayPendingAsync(CancellationToken.None);
        subscription.Dispose();
        await CommitChangeWithEventAsync(store);
        await RelayFor(store, live).RelayPendingAsync(CancellationToken.None);
        Assert.Equal(["deploy.started"], seen);
    }
    private sealed class LiveRecordingSink : IEventSink
    {
        public List<EventEnvelope> Received { get; } = [];
        public bool Live => true;

        public Task OnEventAsync(EventEnvelope envelope, OpsDbContext db, CancellationToken ct)
        {
            lock (Received) Received.Add(envelope);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task A_committed_event_reaches_live_sinks_at_commit_and_once_although_the_relay_passes_after()
    {
        await using var store = await TestStore.CreateAsync();
        var live = new LiveRecordingSink();
        var durable = new RecordingSink();
        using var relay = new OutboxRelay(store.Services.GetRequiredService<IDbContextFactory<OpsDbContext>>(), [durable, live], NullLogger<OutboxRelay>.Instance, store.Signal);

        var id = await CommitChangeWithEventAsync(store);
        // Handed over by the commit itself: no relay pass has run yet.
        lock (live.Received) Assert.Equal([id], live.Received.Select(e => e.Id));
        Assert.Empty(durable.Received);

        Assert.Equal(1, await relay.RelayPendingAsync(CancellationToken.None));
        lock (live.Received) Assert.Single(live.Received);
        Assert.Equal([id], durable.Received.Select(e => e.Id));
    }

    [Fact]
    public async Task A_save_that_fails_hands_nothing_to_live_sinks_and_a_retried_save_hands_its_event_once()
    {
        await using var store = await TestStore.CreateAsync();
        var existing = await CommitChangeWithEventAsync(store);
        var live = new LiveRecordingSink();
        using var relay = new OutboxRelay(store.Services.GetRequiredService<IDbContextFactory<OpsDbContext>>(), [live], NullLogger<OutboxRelay>.Instance, store.Signal);
        await relay.RelayPendingAsync(CancellationToken.None);
        lock (live.Received) live.Received.Clear();

        var outbox = store.Services.GetRequiredService<EventOutbox>();
        await using var db = store.NewContext();
        var added = outbox.Add(db, Bob, EventTypes.DeployStarted, "catalog/prod", new { });
        var clash = new OutboxEvent { Id = existing, Type = "x", Source = "s", Subject = "s", CorrelationId = "c", CloudEventJson = "{}" };
        db.OutboxEvents.Add(clash);
        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        lock (live.Received) Assert.Empty(live.Received);

        db.Entry(clash).State = EntityState.Detached;
        await db.SaveChangesAsync();
        await relay.RelayPendingAsync(CancellationToken.None);
        lock (live.Received) Assert.Equal([added.Id], live.Received.Select(e => e.Id));
    }

    [Fact]
    public async Task Events_in_a_transaction_reach_live_sinks_only_when_it_commits()
    {
        await using var store = await TestStore.CreateAsync();
        var live = new LiveRecordingSink();
        using var relay = new OutboxRelay(store.Services.GetRequiredService<IDbContextFactory<OpsDbContext>>(), [live], NullLogger<OutboxRelay>.Instance, store.Signal);
        var outbox = store.Services.GetRequiredService<EventOutbox>();
        await using (var first = store.NewContext())
        await using (var rolledBack = await first.Database.BeginTransactionAsync())
        {
            outbox.Add(first, Bob, EventTypes.DeployStarted, "catalog/prod", new { });
            await first.SaveChangesAsync();
            await rolledBack.RollbackAsync();
        }
        lock (live.Received) Assert.Empty(live.Received);

        await using var db = store.NewContext();
        await using var tx = await db.Database.BeginTransactionAsync();
        var kept = outbox.Add(db, Bob, EventTypes.DeployStarted, "checkout/prod", new { });
        await db.SaveChangesAsync();
        lock (live.Received) Assert.Empty(live.Received);
        await tx.CommitAsync();
        lock (live.Received) Assert.Equal([kept.Id], live.Received.Select(e => e.Id));
    }
}
