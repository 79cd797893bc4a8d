using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpsConsole.Console.Components.Shared;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Events;

namespace OpsConsole.Console.Tests.Components;

/// <summary>The one live-page base and the one change notifier every live page uses.</summary>
public sealed class LivePageTests() : ComponentContext(s =>
{
    s.AddLogging();
    s.AddSingleton(new ChangeNotifier<string>());
})
{
    /// <summary>A page that shows how often it read, and listens for one key.</summary>
    public sealed class CountingPage : LivePage
    {
        [Inject] private ChangeNotifier<string> Notifier { get; set; } = default!;
        public int Loads { get; private set; }

        protected override async Task OnInitializedAsync()
        {
            Listen(() => Notifier.Subscribe(key =>
            {
                if (key == "mine") Refresh();
            }));
            await LoadAsync();
        }

        protected override Task LoadAsync()
        {
            Loads++;
            return Task.CompletedTask;
        }

        protected override void BuildRenderTree(RenderTreeBuilder b)
        {
            b.OpenElement(0, "p");
            b.AddAttribute(1, "data-live", IsLive ? "yes" : "no");
            b.AddContent(2, $"loads {Loads}");
            b.CloseElement();
        }
    }

    private ChangeNotifier<string> Notifier => Services.GetRequiredService<ChangeNotifier<string>>();

    [Fact]
    public void A_notice_for_the_page_rereads_and_renders_one_for_something_else_does_not()
    {
        var cut = Render<CountingPage>();
        cut.WaitForAssertion(() => Assert.Equal("loads 1", cut.Find("p").TextContent));
        Assert.Equal("yes", cut.Find("p").GetAttribute("data-live"));

        Notifier.Publish("other");
        Notifier.Publish("mine");

        cut.WaitForAssertion(() => Assert.Equal("loads 2", cut.Find("p").TextContent));
        Assert.Equal(2, cut.Instance.Loads);
    }

    [Fact]
    public void A_subscriber_that_throws_is_logged_and_the_others_still_hear_the_change()
    {
        var logs = new LogCapture();
        var notifier = new ChangeNotifier<string>(logs.CreateLogger("live"));
        var heard = new List<string>();
        using var broken = notifier.Subscribe(_ => throw new InvalidOperationException("a broken view"));
        using var working = notifier.Subscribe(heard.Add);

        notifier.Publish("mine");

        Assert.Equal(["mine"], heard);
        var warning = Assert.Single(logs.Entries);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("mine", warning.Text);
    }

    [Fact]
    public void A_page_still_refreshes_when_another_subscriber_throws()
    {
        using var broken = Notifier.Subscribe(_ => throw new InvalidOperationException("a broken view"));
        var cut = Render<CountingPage>();
        cut.WaitForAssertion(() => Assert.Equal("loads 1", cut.Find("p").TextContent));

        Notifier.Publish("mine");

        cut.WaitForAssertion(() => Assert.Equal("loads 2", cut.Find("p").TextContent));
    }

    [Fact]
    public async Task Disposing_the_page_unsubscribes_it()
    {
        var cut = Render<CountingPage>();
        cut.WaitForAssertion(() => Assert.Equal(1, Notifier.SubscriberCount));
        var page = cut.Instance;

        await DisposeComponentsAsync();

        Assert.Equal(0, Notifier.SubscriberCount);
        Notifier.Publish("mine");
        Assert.Equal(1, page.Loads);
    }

    [Fact]
    public void Disposing_a_subscription_twice_removes_only_it()
    {
        var heard = new List<string>();
        var first = Notifier.Subscribe(_ => heard.Add("first"));
        using var second = Notifier.Subscribe(_ => heard.Add("second"));

        first.Dispose();
        first.Dispose();
        Notifier.Publish("x");

        Assert.Equal(["second"], heard);
    }
}
