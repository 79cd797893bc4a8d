using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2E.Tests;

[Collection(ConsoleBrowserCollection.Name)]
public sealed class SignInTests(ConsoleBrowserFixture console)
{
    [Fact]
    public async Task A_wrong_password_shows_a_readable_error_and_does_not_sign_in()
    {
        // A user of its own, so failed attempts never lock out the admin other tests sign in as.
        var userName = ConsoleBrowserFixture.UniqueName("oncall");
        await console.CreateUserAsync(userName, "the-right-password", "OnCall");

        await using var context = await console.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("account/login");
        await page.Locator("#username").FillAsync(userName);
        await page.Locator("#password").FillAsync("not-the-password");
        await page.GetByTestId("login-submit").ClickAsync();

        await Expect(page.GetByTestId("login-error")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("login-error")).ToHaveTextAsync("The user name or password is wrong.");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "opsconsole.auth");

        // Still signed out: the console sends the visitor back to the sign-in page.
        await page.GotoAsync("");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await Expect(page.GetByTestId("user-name")).ToHaveCountAsync(0);
    }
}
