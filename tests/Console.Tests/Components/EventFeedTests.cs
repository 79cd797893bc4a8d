using Bunit;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Components.Shared;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events;

namespace OpsConsole.Console.Tests.Components;

/// <summary>The live feed on the overview: history from the store, then new events pushed in without a reload.</summary>
public sealed class EventFeedTests : ComponentContext
{
    private readonly Actor _actor = new("alice", new HashSet<string> { Roles.Admin }, "corr-1");

    /// <summary>Builds an event the way capabilities do (CloudEvents JSON via the outbox); saved to the store only when asked.</summary>
    private EventEnvelope MakeEvent(string type, string subject, object data, bool save)
    {
        using var db = NewDb();
        var row = Services.GetRequiredService<EventOutbox>().Add(db, _actor, type, subject, data);
        if (save) db.SaveChanges();
        return EventEnvelope.From(row);
    }

    private static List<(string Type, string Subject)> Rows(IRenderedComponent<EventFeed> cut) =>
        cut.FindAll("[data-testid=event-row]").Select(r => (r.GetAttribute("data-event-type") ?? "", r.QuerySelector("code")?.TextContent ?? "")).ToList();

    [Fact]
    public async Task Shows_stored_events_then_a_new_one_as_soon_as_it_is_relayed()
    {
        MakeEvent(EventTypes.UserCreated, "user/bob", new { userName = "bob" }, save: true);
        var cut = Render<EventFeed>();
        cut.WaitForAssertion(() => Assert.Equal([(EventTypes.UserCreated, "user/bob")], Rows(cut)));
        Assert.NotNull(cut.Find("[data-testid=feed-live]"));

        var live = MakeEvent(EventTypes.TokenCreated, "user/carol", new { name = "ci" }, save: false);
        var relayed = Services.GetRequiredService<LiveEvents>().OnEventAsync(live, db: null!, CancellationToken.None);

        cut.WaitForAssertion(() => Assert.Equal([(EventTypes.TokenCreated, "user/carol"), (EventTypes.UserCreated, "user/bob")], Rows(cut)));
        await relayed.WaitAsync(TimeSpan.FromSeconds(5));
        var row = cut.Find("[data-testid=event-row]");
        Assert.Contains("alice", row.TextContent);
        Assert.Contains("\"name\":\"ci\"", row.TextContent);
        Assert.Contains("2 shown", cut.Markup);
    }

    [Fact]
    public async Task An_event_delivered_twice_is_shown_once()
    {
        var cut = Render<EventFeed>();
        cut.WaitForAssertion(() => Assert.Contains("No events yet", cut.Markup));
        var e = MakeEvent(EventTypes.UserChanged, "user/dave", new { disabled = true }, save: false);
        var live = Services.GetRequiredService<LiveEvents>();

        await live.OnEventAsync(e, null!, CancellationToken.None);
        await live.OnEventAsync(e, null!, CancellationToken.None);

        cut.WaitForAssertion(() => Assert.Single(Rows(cut)));
        Assert.Equal((EventTypes.UserChanged, "user/dave"), Rows(cut)[0]);
    }
}
