using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Access;

/// <summary>The sign-in page as a person uses it: a plain form post that sets the session cookie.</summary>
public sealed class PasswordSignInTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    private static string? ErrorOn(string html) =>
        new HtmlParser().ParseDocument(html).QuerySelector("[data-testid=login-error]")?.TextContent.Trim();

    [Fact]
    public async Task A_wrong_password_sets_no_cookie_and_says_so()
    {
        var user = await factory.CreateUserAsync(Names.Password(), Roles.Viewer);
        var (browser, cookies) = factory.CreateBrowser();
        using (browser)
        {
            var response = await browser.PostLoginAsync(user, "not-the-password");

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("The user name or password is wrong.", ErrorOn(await response.Content.ReadAsStringAsync()));
            Assert.Null(cookies.AuthCookieOf(browser.BaseAddress!));
            Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/v1/me")).StatusCode);
        }
    }

    [Fact]
    public async Task An_unknown_user_gets_the_same_message_as_a_wrong_password()
    {
        var (browser, cookies) = factory.CreateBrowser();
        using (browser)
        {
            var response = await browser.PostLoginAsync(Names.Unique("nobody"), "whatever-password");

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("The user name or password is wrong.", ErrorOn(await response.Content.ReadAsStringAsync()));
            Assert.Null(cookies.AuthCookieOf(browser.BaseAddress!));
        }
    }

    [Fact]
    public async Task Five_failures_lock_the_account_even_against_the_right_password()
    {
        var password = Names.Password();
        var user = await factory.CreateUserAsync(password, Roles.Viewer);
        var (browser, cookies) = factory.CreateBrowser();
        using (browser)
        {
            var messages = new List<string?>();
            for (var i = 0; i < 5; i++)
                messages.Add(ErrorOn(await (await browser.PostLoginAsync(user, $"wrong-{i}")).Content.ReadAsStringAsync()));
            var afterwards = await browser.PostLoginAsync(user, password);

            Assert.All(messages.Take(4), m => Assert.Equal("The user name or password is wrong.", m));
            Assert.Contains("locked", messages[4]);
            Assert.Equal(HttpStatusCode.Unauthorized, afterwards.StatusCode);
            Assert.Equal("Too many failed attempts: this account is locked for 15 minutes.", ErrorOn(await afterwards.Content.ReadAsStringAsync()));
            Assert.Null(cookies.AuthCookieOf(browser.BaseAddress!));
        }
    }

    [Fact]
    public async Task The_right_password_sets_the_cookie_and_the_API_knows_the_user()
    {
        var password = Names.Password();
        var user = await factory.CreateUserAsync(password, Roles.Viewer, Roles.Facilitator);
        var (browser, cookies) = factory.CreateBrowser();
        using (browser)
        {
            var response = await browser.PostLoginAsync(user, password);

            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/", new Uri(browser.BaseAddress!, response.Headers.Location!).PathAndQuery);
            Assert.NotNull(cookies.AuthCookieOf(browser.BaseAddress!));
            var me = await (await browser.GetAsync("/api/v1/me").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
            Assert.Equal(user, me.GetProperty("userName").GetString());
            Assert.Equal([Roles.Viewer, Roles.Facilitator], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        }
    }

    [Fact]
    public async Task A_disabled_user_cannot_sign_in()
    {
        var password = Names.Password();
        var user = await factory.CreateUserAsync(password, Roles.Viewer);
        using (var admin = factory.CreateAdminClient())
            await admin.PostAsync($"/api/v1/users/{user}/disable", null).EnsureStatusAsync(HttpStatusCode.NoContent);
        var (browser, cookies) = factory.CreateBrowser();
        using (browser)
        {
            var response = await browser.PostLoginAsync(user, password);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("disabled", ErrorOn(await response.Content.ReadAsStringAsync()));
            Assert.Null(cookies.AuthCookieOf(browser.BaseAddress!));
        }
    }

    [Fact]
    public async Task Sign_in_attempts_are_audited_without_the_password()
    {
        var password = Names.Password();
        var wrong = "wrong-" + Names.Password();
        var user = await factory.CreateUserAsync(password, Roles.Viewer);
        var (browser, _) = factory.CreateBrowser();
        using (browser)
        {
            await browser.PostLoginAsync(user, wrong);
            await browser.SignInAsync(user, password);
        }

        var entries = await factory.WithStoreAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.Target == $"user/{user}" && e.Action.StartsWith("auth."))
            .OrderBy(e => e.Sequence).ToListAsync());

        Assert.Equal(["auth.signin.refused", "auth.signin"], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal(user, e.Actor));
        Assert.Contains("WrongCredentials", entries[0].After);
        Assert.Contains("SignedIn", entries[1].After);
        Assert.All(entries, e =>
        {
            Assert.DoesNotContain(password, (e.Before ?? "") + (e.After ?? ""));
            Assert.DoesNotContain(wrong, (e.Before ?? "") + (e.After ?? ""));
        });
    }

    [Fact]
    public async Task A_page_opened_without_signing_in_leads_through_sign_in_back_to_the_page()
    {
        var password = Names.Password();
        var user = await factory.CreateUserAsync(password, Roles.Viewer);
        var (browser, _) = factory.CreateBrowser();
        using (browser)
        {
            var response = await browser.GetAsync("/audit");
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            var login = new Uri(browser.BaseAddress!, response.Headers.Location!);
            Assert.Equal("/account/login", login.AbsolutePath);
            Assert.Contains("returnurl=%2faudit", login.Query.ToLowerInvariant());

            var signedIn = await browser.PostLoginAsync(user, password, returnUrl: "/audit");
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            Assert.Equal("/audit", new Uri(browser.BaseAddress!, signedIn.Headers.Location!).PathAndQuery);
        }
    }

    [Fact]
    public async Task A_return_address_on_another_site_is_ignored()
    {
        var password = Names.Password();
        var user = await factory.CreateUserAsync(password, Roles.Viewer);
        var (browser, _) = factory.CreateBrowser();
        using (browser)
        {
            var signedIn = await browser.PostLoginAsync(user, password, returnUrl: "//evil.example.test/phish");
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            var target = new Uri(browser.BaseAddress!, signedIn.Headers.Location!);
            Assert.Equal(browser.BaseAddress!.Host, target.Host);
            Assert.Equal("/", target.PathAndQuery);
        }
    }
}
