using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Egress;
using OpsConsole.Core.Events;
using OpsConsole.Core.Events.Webhooks;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Tests.Shared;

namespace OpsConsole.Core.Tests.Events;

public sealed class WebhookTests
{
    private static readonly Actor Admin = new("admin", new HashSet<string>(Roles.All), "corr-w");

    [Fact]
    public void Signature_is_HMAC_SHA256_over_the_body_in_hex()
    {
        var body = Encoding.UTF8.GetBytes("The quick brown fox jumps over the lazy dog");
        var signature = WebhookSignature.Sign("key", body);
        Assert.Equal("sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", signature);
        Assert.True(WebhookSignature.IsValid("key", body, signature));
        Assert.False(WebhookSignature.IsValid("other-key", body, signature));
        Assert.False(WebhookSignature.IsValid("key", Encoding.UTF8.GetBytes("tampered"), signature));
    }

    [Fact]
    public void Retries_back_off_exponentially_up_to_an_hour_then_give_up_after_a_day()
    {
        var policy = WebhookRetryPolicy.Default;
        var created = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        TimeSpan DelayAfter(int failures, TimeSpan age) => policy.NextAttempt(created, failures, created + age)!.Value - (created + age);

        Assert.Equal(TimeSpan.FromSeconds(30), DelayAfter(1, TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromSeconds(60), DelayAfter(2, TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromSeconds(120), DelayAfter(3, TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromHours(1), DelayAfter(20, TimeSpan.FromHours(2)));
        // The last attempt is at the one-day mark, not beyond it; after that, none.
        Assert.Equal(created + TimeSpan.FromDays(1), policy.NextAttempt(created, 30, created + TimeSpan.FromHours(23.9)));
        Assert.Null(policy.NextAttempt(created, 31, created + TimeSpan.FromDays(1)));
    }

    [Theory]
    [InlineData("", "", "deploy.started", "checkout/prod", true)]
    [InlineData("deploy.*", "", "deploy.completed", "checkout/prod", true)]
    [InlineData("deploy.*", "", "rollback.executed", "checkout/prod", false)]
    [InlineData("rollback.executed incident.opened", "", "incident.opened", "x", true)]
    [InlineData("", "checkout/", "deploy.started", "catalog/prod", false)]
    [InlineData("", "checkout/", "deploy.started", "checkout/prod", true)]
    public void Subscriptions_match_event_types_and_subject_prefixes(string types, string prefix, string type, string subject, bool expected)
    {
        var hook = new WebhookSubscription { Name = "n", Url = "http://x/", EventTypes = types, SubjectPrefix = prefix, ProtectedSecret = "p", CreatedBy = "a" };
        Assert.Equal(expected, hook.Matches(type, subject));
    }

    [Theory]
    [InlineData("ftp://example.test/hook")]
    [InlineData("not a url")]
    [InlineData("/relative/path")]
    [InlineData("http://user:pass@example.test/hook")]
    public async Task A_webhook_url_that_is_not_plain_http_or_https_is_refused_and_nothing_is_written(string url)
    {
        await using var store = await TestStore.CreateAsync(s => s.AddSingleton<IWebhookQueue>(new RecordingQueue()).AddScoped<WebhookRegistry>());
        await using var scope = store.Services.CreateAsyncScope();
        var registry = scope.ServiceProvider.GetRequiredService<WebhookRegistry>();
        var error = await Assert.ThrowsAsync<InvalidInputException>(() => registry.CreateAsync(Admin, "hook", url, null, null, null));
        Assert.True(error.Errors.ContainsKey("url"));
        await using var db = store.NewContext();
        Assert.Equal(0, await db.Webhooks.CountAsync());
        Assert.Equal(0, await db.AuditEntries.CountAsync());
    }

    [Theory]
    [InlineData("http://10.0.0.5/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://127.0.0.1:5080/api/v1/users")]
    [InlineData("http://[::1]/hook")]
    public async Task A_webhook_to_a_literal_internal_address_is_refused_unless_allowlisted(string url)
    {
        await using var store = await TestStore.CreateAsync(s => s.AddSingleton<IWebhookQueue>(new RecordingQueue()).AddScoped<WebhookRegistry>());
        await using (var scope = store.Services.CreateAsyncScope())
        {
            var error = await Assert.ThrowsAsync<InvalidInputException>(() => scope.ServiceProvider.GetRequiredService<WebhookRegistry>().CreateAsync(Admin, "hook", url, null, null, null));
            Assert.Contains("OPS_EGRESS_ALLOW", error.Message);
        }
        await using (var db = store.NewContext()) Assert.Equal(0, await db.Webhooks.CountAsync());

        await using var allowing = await TestStore.CreateAsync(s => s.AddSingleton<IWebhookQueue>(new RecordingQueue()).AddScoped<WebhookRegistry>()
            .AddSingleton(new EgressPolicy(EgressAllowlist.Parse(new Uri(url).Authority))));
        await using var allowed = allowing.Services.CreateAsyncScope();
        await allowed.ServiceProvider.GetRequiredService<WebhookRegistry>().CreateAsync(Admin, "hook", url, null, null, null);
    }

    [Fact]
    public async Task The_audit_trail_and_events_name_a_webhook_by_scheme_and_host_only()
    {
        await using var store = await TestStore.CreateAsync(s => s.AddSingleton<IWebhookQueue>(new RecordingQueue()).AddScoped<WebhookRegistry>());
        const string url = "https://hooks.example.com/services/T000/B000/PATHSECRET123?token=QUERYSECRET456";
        await using (var scope = store.Services.CreateAsyncScope())
        {
            var registry = scope.ServiceProvider.GetRequiredService<WebhookRegistry>();
            var created = await registry.CreateAsync(Admin, "slack", url, null, null, null);
            Assert.Equal(url, created.Webhook.Url); // the Admin who configured it sees it whole
            await registry.DeleteAsync(Admin, created.Webhook.Id);
        }
        await using var db = store.NewContext();
        var audit = await db.AuditEntries.AsNoTracking().ToListAsync();
        var events = await db.OutboxEvents.AsNoTracking().Select(e => e.CloudEventJson).ToListAsync();
        Assert.Contains(audit, a => (a.After ?? "").Contains("https://hooks.example.com"));
        Assert.Contains(events, e => e.Contains("https://hooks.example.com"));
        foreach (var secret in new[] { "PATHSECRET123", "QUERYSECRET456", "/services/" })
        {
            Assert.DoesNotContain(audit, a => (a.Before ?? "").Contains(secret) || (a.After ?? "").Contains(secret) || a.Target.Contains(secret));
            Assert.DoesNotContain(events, e => e.Contains(secret));
        }
    }

    [Fact]
    public async Task Only_admins_may_add_webhooks()
    {
        await using var store = await TestStore.CreateAsync(s => s.AddSingleton<IWebhookQueue>(new RecordingQueue()).AddScoped<WebhookRegistry>());
        await using var scope = store.Services.CreateAsyncScope();
        var registry = scope.ServiceProvider.GetRequiredService<WebhookRegistry>();
        var viewer = new Actor("vic", new HashSet<string> { Roles.Viewer, Roles.OnCall }, "c");
        await Assert.ThrowsAsync<AccessDeniedException>(() => registry.CreateAsync(viewer, "hook", "http://example.test/", null, null, null));
    }

    [Fact]
    public async Task Deliveries_are_signed_retried_after_failure_and_logged()
    {
        await using var owed = await OwedDelivery.StartAsync(failFirst: 1);
        var (receiver, queue, clock, store, sender, deliveryId) = owed;
        Assert.Equal(DeliveryStatus.Pending, await sender.AttemptAsync(deliveryId, CancellationToken.None));
        var (retryId, retryAt) = Assert.Single(queue.Scheduled);
        Assert.Equal(deliveryId, retryId);
        Assert.InRange(retryAt - clock.GetUtcNow().UtcDateTime, TimeSpan.FromSeconds(24), TimeSpan.FromSeconds(36));

        clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal(DeliveryStatus.Delivered, await sender.AttemptAsync(deliveryId, CancellationToken.None));

        Assert.Equal(2, receiver.Requests.Count);
        foreach (var r in receiver.Requests)
        {
            Assert.True(WebhookSignature.IsValid(owed.Secret, r.Body, r.Signature), "each attempt carries a valid signature over its exact body");
            Assert.Equal(owed.EventId, r.EventId);
            Assert.StartsWith("application/cloudevents+json", r.ContentType);
        }
        await using var db = store.NewContext();
        var delivery = await db.WebhookDeliveries.Include(d => d.AttemptLog).SingleAsync(d => d.WebhookId == owed.WebhookId);
        Assert.Equal([500, 200], delivery.AttemptLog.OrderBy(a => a.Number).Select(a => a.StatusCode ?? 0));
        Assert.NotNull(delivery.DeliveredAt);

        // A delivered event is not sent again, even if its job runs twice.
        Assert.Equal(DeliveryStatus.Delivered, await sender.AttemptAsync(deliveryId, CancellationToken.None));
        Assert.Equal(2, receiver.Requests.Count);
    }

    [Fact]
    public async Task An_event_that_fails_for_a_day_is_kept_as_gave_up_and_can_be_redelivered()
    {
        await using var owed = await OwedDelivery.StartAsync(failFirst: int.MaxValue);
        var (_, queue, clock, store, sender, deliveryId) = owed;

        var status = DeliveryStatus.Pending;
        var attempts = 0;
        while (status == DeliveryStatus.Pending && attempts < 100)
        {
            status = await sender.AttemptAsync(deliveryId, CancellationToken.None);
            attempts++;
            if (queue.Scheduled.LastOrDefault() is var (_, at) && at > clock.GetUtcNow().UtcDateTime) clock.SetUtcNow(new DateTimeOffset(at));
        }
        Assert.Equal(DeliveryStatus.GaveUp, status);
        Assert.InRange(attempts, 5, 60);
        await using (var db = store.NewContext())
        {
            var kept = await db.WebhookDeliveries.SingleAsync();
            Assert.Equal(attempts, kept.Attempts);
            Assert.Contains("500", kept.LastError);
            Assert.False(string.IsNullOrEmpty(kept.Body));
        }

        await using var scope = store.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<WebhookRegistry>().RedeliverAsync(Admin, deliveryId);
        Assert.Equal(2, queue.Now.Count(id => id == deliveryId));
    }

    [Fact]
    public async Task Relaying_an_event_twice_owes_each_webhook_one_delivery()
    {
        var queue = new RecordingQueue();
        await using var store = await TestStore.CreateAsync(s => ConfigureSending(s, queue, TimeProvider.System));
        await AddWebhookAsync(store, "http://127.0.0.1:9/never");
        await EmitAndRelayAsync(store);
        await using (var db = store.NewContext())
            await db.OutboxEvents.ExecuteUpdateAsync(u => u.SetProperty(e => e.RelayedAt, (DateTime?)null)); // as if the mark was lost in a crash
        await RelayAsync(store);
        await using var check = store.NewContext();
        Assert.Equal(1, await check.WebhookDeliveries.CountAsync());
    }

    [Fact]
    public async Task A_delivery_saved_but_never_queued_is_queued_by_the_overdue_sweep_and_sent_once_though_two_jobs_run_it()
    {
        await using var owed = await OwedDelivery.StartAsync(failFirst: 0, answerAfter: TimeSpan.FromMilliseconds(300));
        var (receiver, queue, clock, store, sender, deliveryId) = owed;
        queue.Now.Clear(); // the replica died after saving the delivery, before its job was queued

        Assert.Equal(0, await sender.RequeueOverdueAsync(TimeSpan.FromMinutes(1), CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(1, await sender.RequeueOverdueAsync(TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal([deliveryId], queue.Now);

        // The sweep's job and a late one for the same delivery run at once: one sends, the other finds it held.
        var both = await Task.WhenAll(sender.AttemptAsync(deliveryId, CancellationToken.None), sender.AttemptAsync(deliveryId, CancellationToken.None));
        Assert.Contains(DeliveryStatus.Delivered, both);
        Assert.Single(receiver.Requests);
        await using var db = store.NewContext();
        var delivery = await db.WebhookDeliveries.Include(d => d.AttemptLog).SingleAsync();
        Assert.Equal((DeliveryStatus.Delivered, 1), (delivery.Status, delivery.Attempts));
        Assert.Single(delivery.AttemptLog);
    }

    [Fact]
    public async Task An_attempt_whose_replica_died_holds_its_delivery_until_the_hold_runs_out_then_the_sweep_sends_it()
    {
        await using var owed = await OwedDelivery.StartAsync(failFirst: 0);
        var (receiver, _, clock, store, sender, deliveryId) = owed;
        await using (var db = store.NewContext()) // as a replica's claim leaves it when the replica is killed mid-attempt
            await db.WebhookDeliveries.ExecuteUpdateAsync(u => u.SetProperty(d => d.NextAttemptAt, clock.GetUtcNow().UtcDateTime + WebhookSender.AttemptHold));

        // Its job, fetched again by another replica, leaves it alone while the dead replica's hold lasts.
        Assert.Equal(DeliveryStatus.Pending, await sender.AttemptAsync(deliveryId, CancellationToken.None));
        Assert.Empty(receiver.Requests);
        clock.Advance(WebhookSender.AttemptHold);
        Assert.Equal(0, await sender.RequeueOverdueAsync(TimeSpan.FromMinutes(1), CancellationToken.None));

        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(1, await sender.RequeueOverdueAsync(TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal(DeliveryStatus.Delivered, await sender.AttemptAsync(deliveryId, CancellationToken.None));
        Assert.Single(receiver.Requests);
    }

    private static void ConfigureSending(IServiceCollection s, RecordingQueue queue, TimeProvider clock)
    {
        s.AddSingleton<IWebhookQueue>(queue);
        s.AddSingleton(clock);
        // The receivers here listen on loopback, which the default policy blocks: allow it, as an Admin would.
        s.AddSingleton(new EgressPolicy(EgressAllowlist.Parse("127.0.0.1")));
        s.AddEgressHttpClient(WebhookSender.HttpClientName, TimeSpan.FromSeconds(10));
        s.AddSingleton<WebhookSender>();
        s.AddScoped<WebhookRegistry>();
        s.AddSingleton<WebhookSink>();
    }

    private static async Task<(Guid Id, string Secret)> AddWebhookAsync(TestStore store, string url)
    {
        await using var scope = store.Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<WebhookRegistry>().CreateAsync(Admin, "receiver", url, null, ["deploy.*"], null);
        return (created.Webhook.Id, created.Secret);
    }

    private static async Task<string> EmitAndRelayAsync(TestStore store)
    {
        string id;
        await using (var db = store.NewContext())
        {
            id = store.Services.GetRequiredService<EventOutbox>().Add(db, Admin, EventTypes.DeployStarted, "checkout/prod", new { version = "2.0.0" }).Id;
            await db.SaveChangesAsync();
        }
        await RelayAsync(store);
        return id;
    }

    private static Task<int> RelayAsync(TestStore store) =>
        new OutboxRelay(store.Services.GetRequiredService<IDbContextFactory<OpsDbContext>>(), [store.Services.GetRequiredService<WebhookSink>()], NullLogger<OutboxRelay>.Instance)
            .RelayPendingAsync(CancellationToken.None);

    /// <summary>One event owed to one webhook on a real receiver: relayed, its delivery queued (and recorded), not yet attempted.</summary>
    private sealed class OwedDelivery : IAsyncDisposable
    {
        public required Receiver Receiver { get; init; }
        public RecordingQueue Queue { get; } = new();
        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
        public TestStore Store { get; private set; } = null!;
        public WebhookSender Sender => Store.Services.GetRequiredService<WebhookSender>();
        public Guid WebhookId { get; private set; }
        public string Secret { get; private set; } = "";
        public string EventId { get; private set; } = "";
        public Guid DeliveryId { get; private set; }

        public static async Task<OwedDelivery> StartAsync(int failFirst, TimeSpan answerAfter = default)
        {
            var owed = new OwedDelivery { Receiver = await Receiver.StartAsync(failFirst, answerAfter) };
            owed.Store = await TestStore.CreateAsync(s => ConfigureSending(s, owed.Queue, owed.Clock));
            (owed.WebhookId, owed.Secret) = await AddWebhookAsync(owed.Store, owed.Receiver.Url);
            owed.EventId = await EmitAndRelayAsync(owed.Store);
            owed.DeliveryId = Assert.Single(owed.Queue.Now);
            return owed;
        }

        public void Deconstruct(out Receiver receiver, out RecordingQueue queue, out FakeTimeProvider clock, out TestStore store, out WebhookSender sender, out Guid deliveryId) =>
            (receiver, queue, clock, store, sender, deliveryId) = (Receiver, Queue, Clock, Store, Sender, DeliveryId);

        public async ValueTask DisposeAsync()
        {
            await Store.DisposeAsync();
            await Receiver.DisposeAsync();
        }
    }

    private sealed class RecordingQueue : IWebhookQueue
    {
        public List<Guid> Now { get; } = [];
        public List<(Guid Id, DateTime At)> Scheduled { get; } = [];
        public void DeliverNow(Guid deliveryId) => Now.Add(deliveryId);
        public void DeliverAt(Guid deliveryId, DateTime whenUtc) => Scheduled.Add((deliveryId, whenUtc));
    }

    /// <summary>A real HTTP endpoint on loopback that answers 500 for the first N requests, then 200 (after a delay, if given).</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        public ConcurrentQueue<(byte[] Body, string? Signature, string? EventId, string? ContentType)> RequestsQueue { get; } = new();
        public List<(byte[] Body, string? Signature, string? EventId, string? ContentType)> Requests => [.. RequestsQueue];
        public string Url { get; private set; } = "";

        private Receiver(WebApplication app) => _app = app;

        public static async Task<Receiver> StartAsync(int failFirst, TimeSpan answerAfter = default)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var receiver = new Receiver(app);
            var count = 0;
            app.MapPost("/hook", async (HttpContext ctx) =>
            {
                using var ms = new MemoryStream();
                await ctx.Request.Body.CopyToAsync(ms);
                receiver.RequestsQueue.Enqueue((ms.ToArray(), ctx.Request.Headers[WebhookSignature.Header].ToString(),
                    ctx.Request.Headers[WebhookSignature.EventIdHeader].ToString(), ctx.Request.ContentType));
                await Task.Delay(answerAfter);
                return Interlocked.Increment(ref count) <= failFirst ? Results.StatusCode(500) : Results.Ok();
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            receiver.Url = address.TrimEnd('/') + "/hook";
            return receiver;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
