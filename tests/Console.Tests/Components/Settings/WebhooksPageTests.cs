using AngleSharp.Dom;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Components.Pages.Settings;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events;
using OpsConsole.Core.Events.Webhooks;

namespace OpsConsole.Console.Tests.Components.Settings;

/// <summary>The Webhooks page over the real registry: adding (and what the server refuses), the secret shown once, the delivery log, and the test event.</summary>
public sealed class WebhooksPageTests : AccessComponentContext
{
    public WebhooksPageTests()
    {
        CreateUserAsync("ada", Roles.Admin, Roles.Viewer).GetAwaiter().GetResult();
    }

    private sealed record Row(string Name, string Url, string Events, string Delivered, string Pending, string GaveUp, IElement Element);

    private static List<Row> Rows(IRenderedComponent<Webhooks> cut) =>
        cut.FindAll("[data-testid=webhooks-table] tbody tr").Where(tr => tr.QuerySelectorAll("td").Length >= 7).Select(tr =>
        {
            var c = tr.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList();
            return new Row(c[0], c[1], c[2], c[3], c[4], c[5], tr);
        }).ToList();

    private static void ClickIn(IElement row, string buttonText) =>
        row.QuerySelectorAll("button").Single(b => b.TextContent.Trim() == buttonText).Click();

    private static List<List<string>> LogRows(IRenderedComponent<Webhooks> cut) =>
        cut.FindAll(".mud-simple-table tbody tr").Select(tr => tr.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList()).ToList();

    private IRenderedComponent<Webhooks> RenderAsAdmin()
    {
        SignIn("ada", Roles.Admin, Roles.Viewer);
        var cut = RenderPage<Webhooks>();
        // The list loads from the store asynchronously (on PostgreSQL truly so): act once it is there, as a person would.
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=webhooks-table][data-loaded=true]")));
        return cut;
    }

    private Task<CreatedWebhook> AddAsync(string name, string url) =>
        WithAsync(sp => sp.GetRequiredService<WebhookRegistry>().CreateAsync(ActorOf("ada", Roles.Admin), name, url, null, ["deploy.*"], "checkout/"));

    private Task<List<WebhookSubscription>> StoredAsync() => WithAsync(async sp => await sp.GetRequiredService<OpsConsole.Core.Persistence.OpsDbContext>().Webhooks.AsNoTracking().ToListAsync());

    [Theory]
    [InlineData("not a url", "The webhook URL must be an absolute http:// or https:// address.")]
    [InlineData("ftp://files.example.com/drop", "The webhook URL must be an absolute http:// or https:// address.")]
    [InlineData("http://127.0.0.1:8080/hook", "http://127.0.0.1:8080 is ")]
    [InlineData("http://169.254.169.254/latest/meta-data", "http://169.254.169.254 is ")]
    [InlineData("https://user:pass@hooks.example.com/x", "Put credentials in the signing secret, not in the URL")]
    public async Task A_bad_or_internal_url_is_refused_with_the_reason_and_nothing_is_added(string url, string message)
    {
        var cut = RenderAsAdmin();

        Type(cut, "webhook-name", "chat");
        Type(cut, "webhook-url", url);
        cut.Find("[data-testid=create-webhook]").Click();

        cut.WaitForAssertion(() => Assert.Contains(message, cut.Find("[data-testid=action-error]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=webhook-created]"));
        Assert.Empty(Rows(cut));
        Assert.Empty(await StoredAsync());
    }

    [Fact]
    public void An_internal_address_is_refused_because_the_console_does_not_call_it()
    {
        var cut = RenderAsAdmin();

        Type(cut, "webhook-name", "metadata");
        Type(cut, "webhook-url", "http://10.0.0.7/hook");
        cut.Find("[data-testid=create-webhook]").Click();

        cut.WaitForAssertion(() =>
        {
            var error = cut.Find("[data-testid=action-error]").TextContent;
            Assert.Contains("the console does not call such addresses", error);
            Assert.Contains("OPS_EGRESS_ALLOW=10.0.0.7", error);
        });
    }

    [Fact]
    public async Task Adding_a_webhook_lists_it_and_shows_its_secret_once()
    {
        var cut = RenderAsAdmin();
        Assert.Contains("No webhooks yet.", cut.Find("[data-testid=webhooks-table]").TextContent);

        Type(cut, "webhook-name", "chat");
        Type(cut, "webhook-url", "https://hooks.example.com/services/T1/abc");
        cut.Find("[data-testid=create-webhook]").Click();

        var shownSecret = "";
        cut.WaitForAssertion(() =>
        {
            var created = cut.Find("[data-testid=webhook-created]");
            Assert.Contains("chat", created.TextContent);
            shownSecret = created.QuerySelector("code.secret")!.TextContent.Trim();
        });
        Assert.StartsWith("whsec_", shownSecret);
        Assert.Empty(cut.FindAll("[data-testid=action-error]"));
        var row = Assert.Single(Rows(cut));
        Assert.Equal(("chat", "https://hooks.example.com/services/T1/abc", "all"), (row.Name, row.Url, row.Events));

        // The secret the page showed is the one deliveries are signed with; it is stored protected, not as is.
        var stored = Assert.Single(await StoredAsync());
        Assert.NotEqual(shownSecret, stored.ProtectedSecret);
        Assert.Equal(shownSecret, Services.GetRequiredService<WebhookSecrets>().Unprotect(stored.ProtectedSecret));

        var again = Render<Webhooks>();
        again.WaitForAssertion(() => Assert.Single(Rows(again)));
        Assert.Empty(again.FindAll("[data-testid=webhook-created]"));
        Assert.DoesNotContain(shownSecret, again.Markup);
    }

    [Fact]
    public async Task The_delivery_log_shows_each_delivery_with_its_attempts()
    {
        var hook = await AddAsync("chat", "https://hooks.example.com/in");
        await using (var db = NewDb())
        {
            var at = new DateTime(2026, 3, 1, 9, 30, 5, DateTimeKind.Utc);
            db.WebhookDeliveries.Add(new WebhookDelivery
            {
                WebhookId = hook.Webhook.Id, EventId = "evt-1", EventType = "deploy.completed", Body = "{}", Status = DeliveryStatus.Delivered,
                Attempts = 2, DeliveredAt = at.AddSeconds(30), LastStatusCode = 200, CreatedAt = at,
                AttemptLog = [new() { Number = 1, At = at, StatusCode = 503, DurationMs = 41 }, new() { Number = 2, At = at.AddSeconds(30), StatusCode = 200, DurationMs = 12 }],
            });
            db.WebhookDeliveries.Add(new WebhookDelivery
            {
                WebhookId = hook.Webhook.Id, EventId = "evt-2", EventType = "deploy.failed", Body = "{}", Status = DeliveryStatus.GaveUp,
                Attempts = 1, LastError = "connection refused", CreatedAt = at.AddMinutes(1),
                AttemptLog = [new() { Number = 1, At = at.AddMinutes(1), StatusCode = null, DurationMs = 3 }],
            });
            await db.SaveChangesAsync();
        }
        var cut = RenderAsAdmin();
        cut.WaitForAssertion(() => Assert.Single(Rows(cut)));
        var row = Rows(cut)[0];
        Assert.Equal(("1", "0", "1"), (row.Delivered, row.Pending, row.GaveUp));
        Assert.Equal("deploy.* (checkout/…)", row.Events);

        ClickIn(row.Element, "Deliveries");

        cut.WaitForAssertion(() => Assert.Equal(2, LogRows(cut).Count));
        Assert.Contains("Delivery log: chat", cut.Markup);
        var failed = LogRows(cut)[0];
        Assert.StartsWith("deploy.failed", failed[0]);
        Assert.Equal("GaveUp", failed[1]);
        Assert.Equal("09:31:05 no answer 3ms", failed[2]);
        Assert.Equal("connection refused", failed[3]);
        var delivered = LogRows(cut)[1];
        Assert.Equal("Delivered", delivered[1]);
        Assert.Equal("09:30:05 503 41ms · 09:30:35 200 12ms", delivered[2]);
        Assert.Equal("200", delivered[3]);
        Assert.Equal(2, cut.FindAll(".mud-simple-table button").Count(b => b.TextContent.Trim() == "Redeliver"));
    }

    [Fact]
    public async Task Sending_a_test_event_queues_a_ping_and_shows_it_in_the_log()
    {
        var hook = await AddAsync("chat", "https://hooks.example.com/in");
        var queue = Services.GetRequiredService<RecordingWebhookQueue>();
        var cut = RenderAsAdmin();
        cut.WaitForAssertion(() => Assert.Single(Rows(cut)));

        ClickIn(Rows(cut)[0].Element, "Send test");

        cut.WaitForAssertion(() => Assert.Single(LogRows(cut)));
        var ping = LogRows(cut)[0];
        Assert.StartsWith(EventTypes.WebhookPing, ping[0]);
        Assert.Equal("Pending", ping[1]);
        var queued = Assert.Single(queue.Now);
        await using var db = NewDb();
        var delivery = await db.WebhookDeliveries.SingleAsync();
        Assert.Equal((queued, hook.Webhook.Id, EventTypes.WebhookPing), (delivery.Id, delivery.WebhookId, delivery.EventType));
    }

    [Fact]
    public async Task A_non_Admin_rendering_the_page_is_refused_readably_and_sees_no_urls()
    {
        await AddAsync("chat", "https://hooks.example.com/services/T1/secret-path");
        SignIn("olga", Roles.OnCall, Roles.Viewer);

        var cut = RenderPage<Webhooks>();

        cut.WaitForAssertion(() => Assert.Equal("You may not see webhooks: it needs the role Admin.", cut.Find("[data-testid=action-error]").TextContent.Trim()));
        Assert.Empty(Rows(cut));
        Assert.DoesNotContain("secret-path", cut.Markup);

        Type(cut, "webhook-name", "exfil");
        Type(cut, "webhook-url", "https://attacker.example.net/");
        cut.Find("[data-testid=create-webhook]").Click();
        cut.WaitForAssertion(() => Assert.Equal("You may not add webhooks: it needs the role Admin.", cut.Find("[data-testid=action-error]").TextContent.Trim()));
        Assert.Equal(["chat"], (await StoredAsync()).Select(w => w.Name));
    }
}
