using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static OpsConsole.E2E.Tests.ConsolePages;

namespace OpsConsole.E2E.Tests;

/// <summary>A facilitator plans a short game day on a demo service, runs it, ends it and downloads its report.</summary>
[Collection(DemoConsoleBrowserCollection.Name)]
public sealed class GameDayTests(DemoConsoleBrowserFixture console)
{
    [Fact]
    public async Task A_facilitator_plans_and_runs_a_short_game_day_and_downloads_its_report()
    {
        var user = ConsoleBrowserFixture.UniqueName("fay");
        const string password = "facilitator-password-1";
        await console.CreateUserAsync(user, password, "Facilitator");
        await using var context = await console.NewContextAsync();
        var page = await context.NewPageAsync();
        await SignInAsync(page, user, password);

        await OpenAsync(page, "gamedays");
        await page.GetByTestId("plan-gameday").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/gamedays/new$"));
        await ExpectInteractiveAsync(page);
        var title = "Catalog errors " + Guid.NewGuid().ToString("N")[..6];
        await FillFieldAsync(page, "plan-title", title);
        await FillFieldAsync(page, "plan-scope", "catalog/dev");
        var objective = page.Locator("textarea[data-testid=plan-objective], [data-testid=plan-objective] textarea");
        await objective.FillAsync("Does the error rate show on the run screen?");
        await objective.BlurAsync();
        var abort = page.Locator("textarea[data-testid=plan-abort], [data-testid=plan-abort] textarea");
        await abort.FillAsync("error_ratio > 0.95");
        await abort.BlurAsync();
        await page.GetByTestId("add-fault").ClickAsync();
        await Expect(page.GetByTestId("plan-fault")).ToHaveCountAsync(1);
        await page.GetByTestId("plan-save").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/gamedays/[0-9]+$"));
        await ExpectInteractiveAsync(page);
        await Expect(page.GetByTestId("gameday-title")).ToContainTextAsync(title);
        await page.GetByTestId("gameday-start").ClickAsync();
        await Expect(page.GetByTestId("gameday-status")).ToHaveAttributeAsync("data-status", "Running");
        await Expect(page.GetByTestId("faults-in-force")).ToContainTextAsync("answered 500", new() { Timeout = 15_000 });
        await Expect(page.Locator("[data-testid=timeline-item][data-kind=Fault]").First).ToBeVisibleAsync();

        await page.GetByTestId("gameday-complete").ClickAsync();
        await page.GetByTestId("confirm-action").ClickAsync();
        await Expect(page.GetByTestId("gameday-status")).ToHaveAttributeAsync("data-status", "Completed", new() { Timeout = 15_000 });
        await Expect(page.GetByTestId("faults-in-force")).ToContainTextAsync("none");
        await ScreenshotAsync(page, "gameday-completed.png");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("report-markdown").ClickAsync());
        var path = await download.PathAsync();
        var markdown = await File.ReadAllTextAsync(path);
        Assert.Contains(title, markdown, StringComparison.Ordinal);
        Assert.Contains("SHA-256", markdown, StringComparison.Ordinal);
        Assert.Contains("catalog/dev", markdown, StringComparison.Ordinal);
        Assert.EndsWith(".md", download.SuggestedFilename, StringComparison.Ordinal);
    }
}
