using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;
using static OpsConsole.E2E.Tests.ConsolePages;

namespace OpsConsole.E2E.Tests;

[Collection(ConsoleBrowserCollection.Name)]
public sealed class LiveConsoleTests(ConsoleBrowserFixture console)
{
    [Fact]
    public async Task A_user_created_through_the_api_appears_in_the_overview_feed_without_a_reload()
    {
        await using var context = await console.NewContextAsync();
        var page = await context.NewPageAsync();
        await SignInAsync(page, ConsoleBrowserFixture.AdminUserName, ConsoleBrowserFixture.AdminPassword);
        await OpenAsync(page, "");
        // The chip shows once the feed listens for new events.
        await Expect(page.GetByTestId("feed-live")).ToBeVisibleAsync();

        // A marker in the window survives only if the page is never reloaded.
        await page.EvaluateAsync("() => { window.e2eMarker = 'still-here'; }");
        var url = page.Url;

        var userName = ConsoleBrowserFixture.UniqueName("feed");
        var row = page.GetByTestId("event-feed")
            .Locator("[data-testid=event-row][data-event-type='user.created']", new() { HasTextString = $"user/{userName}" });
        await Expect(row).ToHaveCountAsync(0);

        await console.CreateUserAsync(userName, "feed-user-password", "Viewer");

        await Expect(row).ToBeVisibleAsync(new() { Timeout = 5_000 });
        Assert.Equal(url, page.Url);
        Assert.Equal("still-here", await page.EvaluateAsync<string>("() => window.e2eMarker"));
    }

    [Fact]
    public async Task Verifying_the_audit_chain_reports_it_intact()
    {
        // At least one audited change beyond the first run's.
        await console.CreateUserAsync(ConsoleBrowserFixture.UniqueName("audited"), "audited-password-1", "Viewer");

        await using var context = await console.NewContextAsync();
        var page = await context.NewPageAsync();
        await SignInAsync(page, ConsoleBrowserFixture.AdminUserName, ConsoleBrowserFixture.AdminPassword);
        await OpenAsync(page, "audit");

        await page.GetByTestId("verify-chain").ClickAsync();

        var result = page.GetByTestId("verify-result");
        await Expect(result).ToHaveAttributeAsync("data-intact", "true");
        await Expect(result).ToContainTextAsync(new Regex(@"The chain is intact: [1-9]\d* entries checked"));
    }
}
