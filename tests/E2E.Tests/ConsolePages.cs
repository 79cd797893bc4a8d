using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2E.Tests;

/// <summary>What a person does in the console, in Playwright terms.</summary>
public static class ConsolePages
{
    public static readonly string[] AllRoles = ["Viewer", "OnCall", "ReleaseManager", "Facilitator", "Admin"];

    /// <summary>Signs in through the (static) sign-in form and waits until the landing page is interactive.</summary>
    public static async Task SignInAsync(IPage page, string userName, string password)
    {
        await page.GotoAsync("account/login");
        await page.Locator("#username").FillAsync(userName);
        await page.Locator("#password").FillAsync(password);
        await page.GetByTestId("login-submit").ClickAsync();
        await ExpectInteractiveAsync(page);
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync(userName);
    }

    /// <summary>Opens a console page and waits for its Blazor circuit, so clicks reach the server.</summary>
    public static async Task OpenAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await ExpectInteractiveAsync(page);
    }

    public static Task ExpectInteractiveAsync(IPage page) =>
        Expect(page.GetByTestId("page")).ToHaveAttributeAsync("data-interactive", "true");

    /// <summary>A MudTextField's input: the data-testid may sit on the input or on a wrapper around it.</summary>
    public static ILocator Input(IPage page, string testId) =>
        page.Locator($"input[data-testid='{testId}'], [data-testid='{testId}'] input");

    /// <summary>A MudCheckBox's checkbox: the data-testid may sit on the input or on a wrapper around it.</summary>
    public static ILocator Checkbox(IPage page, string testId) =>
        page.Locator($"input[type=checkbox][data-testid='{testId}'], [data-testid='{testId}'] input[type=checkbox]");

    /// <summary>Types into a MudTextField and leaves it, so the bound value reaches the server.</summary>
    public static async Task FillFieldAsync(IPage page, string testId, string value)
    {
        var input = Input(page, testId);
        await input.FillAsync(value);
        await input.BlurAsync();
        await Expect(input).ToHaveValueAsync(value);
    }

    public static async Task ScreenshotAsync(IPage page, string fileName)
    {
        Directory.CreateDirectory(ConsoleBrowserFixture.ScreenshotDirectory);
        var path = Path.Combine(ConsoleBrowserFixture.ScreenshotDirectory, fileName);
        if (File.Exists(path)) File.Delete(path);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        var file = new FileInfo(path);
        Assert.True(file.Exists, $"No screenshot was written to {path}.");
        Assert.True(file.Length > 0, $"The screenshot {path} is empty.");
    }
}
