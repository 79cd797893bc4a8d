using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static OpsConsole.E2E.Tests.ConsolePages;

namespace OpsConsole.E2E.Tests;

[Collection(ConsoleBrowserCollection.Name)]
public sealed class ViewerAccessTests(ConsoleBrowserFixture console)
{
    [Fact]
    public async Task Admin_creates_a_viewer_who_can_sign_in_but_is_refused_admin_pages_and_mutations()
    {
        var viewer = ConsoleBrowserFixture.UniqueName("viewer");
        const string viewerPassword = "viewer-password-123";

        // The admin creates a Viewer on the Users page.
        await using (var adminContext = await console.NewContextAsync())
        {
            var admin = await adminContext.NewPageAsync();
            await SignInAsync(admin, ConsoleBrowserFixture.AdminUserName, ConsoleBrowserFixture.AdminPassword);
            await OpenAsync(admin, "settings/users");

            await FillFieldAsync(admin, "new-user-name", viewer);
            await FillFieldAsync(admin, "new-user-password", viewerPassword);
            foreach (var role in AllRoles)
                await Checkbox(admin, $"role-{role}").SetCheckedAsync(role == "Viewer");
            foreach (var role in AllRoles)
            {
                var box = Expect(Checkbox(admin, $"role-{role}"));
                await (role == "Viewer" ? box.ToBeCheckedAsync() : box.Not.ToBeCheckedAsync());
            }
            await admin.GetByTestId("create-user").ClickAsync();

            await Expect(admin.GetByTestId("user-row-name").Filter(new() { HasTextString = viewer })).ToHaveCountAsync(1);
            await Expect(admin.GetByTestId("action-error")).ToHaveCountAsync(0);
            await ScreenshotAsync(admin, "admin-users.png");

            // Signing out ends the session: the console is back at the sign-in page.
            await admin.GetByTestId("sign-out").ClickAsync();
            await Expect(admin).ToHaveURLAsync(new Regex("/account/login"));
            await Expect(admin.Locator("#username")).ToBeVisibleAsync();
        }

        var created = Assert.Single(await console.ListUsersAsync(), u => u.UserName == viewer);
        Assert.Equal(["Viewer"], created.Roles);

        // The Viewer signs in in a browser of their own.
        await using var viewerContext = await console.NewContextAsync();
        var page = await viewerContext.NewPageAsync();
        await SignInAsync(page, viewer, viewerPassword);
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync(viewer);

        // The server refuses the Admin-only page: a notice instead of the user list and form.
        await page.GotoAsync("settings/users");
        await Expect(page.GetByTestId("access-denied")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("access-denied")).ToContainTextAsync("Ask an Admin for the role you need");
        await Expect(page.GetByTestId("users-table")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("create-user")).ToHaveCountAsync(0);
        await ScreenshotAsync(page, "viewer-refused.png");

        // The refusal comes from the server: the page it sends the Viewer holds no part of the Users page.
        var raw = await page.APIRequest.GetAsync("settings/users");
        var html = await raw.TextAsync();
        Assert.Contains("data-testid=\"access-denied\"", html);
        Assert.DoesNotContain("new-user-name", html);
        Assert.DoesNotContain("data-testid=\"users-table\"", html);

        // The API knows who the Viewer is (the session cookie is sent) ...
        var me = await page.APIRequest.GetAsync("api/v1/me");
        Assert.Equal(200, me.Status);
        var meJson = (await me.JsonAsync())!.Value;
        Assert.Equal(viewer, meJson.GetProperty("userName").GetString());

        // ... and refuses a mutation from the Viewer's browser with problem details.
        var intruder = ConsoleBrowserFixture.UniqueName("intruder");
        var response = await page.APIRequest.PostAsync("api/v1/users", new APIRequestContextOptions
        {
            DataObject = new { userName = intruder, password = "intruder-password-1", roles = new[] { "Admin" } },
        });
        Assert.Equal(403, response.Status);
        Assert.StartsWith("application/problem+json", response.Headers["content-type"]);
        var problem = (await response.JsonAsync())!.Value;
        Assert.Equal(403, problem.GetProperty("status").GetInt32());
        Assert.Equal("Forbidden", problem.GetProperty("title").GetString());
        Assert.Contains("Viewer", problem.GetProperty("detail").GetString());

        // Nothing was created.
        Assert.DoesNotContain(await console.ListUsersAsync(), u => u.UserName == intruder);
    }
}
