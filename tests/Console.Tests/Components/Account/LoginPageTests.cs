using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Components.Pages.Account;
using OpsConsole.Console.Tests.Components.Settings;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Components.Account;

/// <summary>The sign-in page over the real Identity store and sign-in service: the form, why a sign-in failed, and single sign-on.</summary>
public sealed class LoginPageTests : AccessComponentContext
{
    private readonly DefaultHttpContext _http = new();

    public LoginPageTests()
    {
        CreateUserAsync("olga", Roles.OnCall, Roles.Viewer).GetAwaiter().GetResult();
    }

    private IRenderedComponent<Login> RenderLogin(string? query = null)
    {
        if (query is not null) Services.GetRequiredService<NavigationManager>().NavigateTo("account/login" + query);
        return Render<Login>(p => p.AddCascadingValue(_http));
    }

    private static void SubmitAs(IRenderedComponent<Login> cut, string userName, string password)
    {
        cut.Find("#username").Change(userName);
        cut.Find("#password").Change(password);
        cut.Find("[data-testid=login-form]").Submit();
    }

    [Fact]
    public void Renders_a_posting_form_for_user_name_and_password()
    {
        var cut = RenderLogin();

        var form = cut.Find("form[data-testid=login-form]");
        Assert.Equal("post", form.GetAttribute("method"));
        Assert.Equal("Input.UserName", form.QuerySelector("input#username[autocomplete=username]")?.GetAttribute("name"));
        Assert.Equal("Input.Password", form.QuerySelector("input#password[type=password][autocomplete=current-password]")?.GetAttribute("name"));
        Assert.NotNull(form.QuerySelector("button[type=submit][data-testid=login-submit]"));
        Assert.Empty(cut.FindAll("[data-testid=login-error]"));
    }

    [Fact]
    public void An_empty_form_says_what_is_missing()
    {
        var cut = RenderLogin();

        cut.Find("[data-testid=login-form]").Submit();

        cut.WaitForAssertion(() =>
        {
            var messages = cut.FindAll(".account-validation").Select(m => m.TextContent.Trim()).ToList();
            Assert.Equal(["Enter your user name.", "Enter your password."], messages);
        });
        Assert.Empty(cut.FindAll("[data-testid=login-error]"));
    }

    [Fact]
    public void A_wrong_password_says_so_without_telling_which_part_was_wrong()
    {
        var cut = RenderLogin();

        SubmitAs(cut, "olga", "not-her-password");

        cut.WaitForAssertion(() => Assert.Equal("The user name or password is wrong.", cut.Find("[data-testid=login-error]").TextContent.Trim()));
        Assert.Equal(StatusCodes.Status401Unauthorized, _http.Response.StatusCode);

        // An unknown user reads the same.
        var other = RenderLogin();
        SubmitAs(other, "nobody-here", "whatever-password");
        other.WaitForAssertion(() => Assert.Equal("The user name or password is wrong.", other.Find("[data-testid=login-error]").TextContent.Trim()));
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_and_the_page_says_for_how_long()
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var cut = RenderLogin();
            SubmitAs(cut, "olga", $"wrong-password-{attempt}");
            var expected = attempt < 5 ? "The user name or password is wrong." : "Too many failed attempts: this account is locked for 15 minutes.";
            cut.WaitForAssertion(() => Assert.Equal(expected, cut.Find("[data-testid=login-error]").TextContent.Trim()));
        }

        // Locked: even the right password is refused, with the same message.
        var locked = RenderLogin();
        SubmitAs(locked, "olga", Password);
        locked.WaitForAssertion(() => Assert.Equal("Too many failed attempts: this account is locked for 15 minutes.", locked.Find("[data-testid=login-error]").TextContent.Trim()));
        Assert.True((await StoredUserAsync("olga")).LockedOut);
    }

    [Fact]
    public async Task A_disabled_account_is_told_to_ask_an_Admin()
    {
        await WithAsync<object>(async sp => { await sp.GetRequiredService<UserDirectory>().SetEnabledAsync(ActorOf("ada", Roles.Admin), "olga", false); return true; });
        var cut = RenderLogin();

        SubmitAs(cut, "olga", Password);

        cut.WaitForAssertion(() => Assert.Equal("This account is disabled. Ask an Admin to enable it.", cut.Find("[data-testid=login-error]").TextContent.Trim()));
        Assert.Equal(StatusCodes.Status401Unauthorized, _http.Response.StatusCode);
    }

    [Theory]
    [InlineData("?error=NoRoles", "Your single sign-on account carries no console role. Ask an Admin to map your group to a role.")]
    [InlineData("?error=Disabled", "This account is disabled.")]
    [InlineData("?error=WrongCredentials", "Single sign-on did not complete. Try again.")]
    public void A_failed_single_sign_on_comes_back_with_a_readable_reason(string query, string message)
    {
        var cut = RenderLogin(query);

        Assert.Equal(message, cut.Find("[data-testid=login-error]").TextContent.Trim());
    }

    [Fact]
    public void The_single_sign_on_button_is_absent_while_OIDC_is_off()
    {
        var cut = RenderLogin();

        Assert.Empty(cut.FindAll("[data-testid=login-oidc]"));
        Assert.DoesNotContain("single sign-on", cut.Markup, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_single_sign_on_button_appears_when_OIDC_is_on_and_keeps_only_a_local_return_url()
    {
        Services.GetRequiredService<OidcSwitch>().TurnOn();

        var cut = RenderLogin("?returnUrl=%2Frollouts%3Fservice%3Dcheckout");

        var sso = cut.Find("a[data-testid=login-oidc]");
        Assert.Equal("Sign in with single sign-on", sso.TextContent.Trim());
        Assert.Equal("account/login/oidc?returnUrl=%2Frollouts%3Fservice%3Dcheckout", sso.GetAttribute("href"));

        var offsite = RenderLogin("?returnUrl=https%3A%2F%2Fevil.example.net%2F");
        Assert.DoesNotContain("evil.example.net", offsite.Find("a[data-testid=login-oidc]").GetAttribute("href"));
    }
}
