using System.Net;
using AngleSharp.Html.Parser;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Components.Account;

/// <summary>
/// The sign-in page as the console serves it (a static server-rendered form, which bunit does not
/// render with its form handler and antiforgery field): the form carries the token, and a post without it changes nothing.
/// </summary>
public sealed class LoginPageServedTests(ConsoleFactory console) : IClassFixture<ConsoleFactory>
{
    private static async Task<(AngleSharp.Dom.IElement Form, string Cookies)> GetFormAsync(HttpClient client)
    {
        var page = await client.GetAsync("/account/login");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var cookies = page.Headers.TryGetValues("Set-Cookie", out var set) ? string.Join("; ", set.Select(c => c.Split(';')[0])) : "";
        var form = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync()).QuerySelector("form[data-testid=login-form]");
        Assert.NotNull(form);
        return (form, cookies);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string cookies, Dictionary<string, string> fields)
    {
        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/login") { Content = new FormUrlEncodedContent(fields) };
        if (cookies.Length > 0) post.Headers.Add("Cookie", cookies);
        return await client.SendAsync(post);
    }

    [Fact]
    public async Task The_served_form_posts_with_an_antiforgery_token_and_offers_no_single_sign_on_by_default()
    {
        using var client = console.CreateAnonymousClient();

        var (form, _) = await GetFormAsync(client);

        Assert.Equal("post", form.GetAttribute("method"));
        Assert.False(string.IsNullOrEmpty(form.QuerySelector("input[type=hidden][name=__RequestVerificationToken]")?.GetAttribute("value")));
        Assert.Equal("login", form.QuerySelector("input[type=hidden][name=_handler]")?.GetAttribute("value"));
        Assert.Null(form.Owner!.QuerySelector("[data-testid=login-oidc]"));
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_token_is_refused_and_signs_nobody_in()
    {
        using var client = console.CreateAnonymousClient();
        var (_, cookies) = await GetFormAsync(client);

        var response = await PostAsync(client, cookies, new()
        {
            ["_handler"] = "login",
            ["Input.UserName"] = FirstRun.AdminUserName,
            ["Input.Password"] = console.AdminPassword,
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.StartsWith("opsconsole.auth="));
    }

    [Fact]
    public async Task A_wrong_password_posted_with_the_token_comes_back_as_401_with_the_message()
    {
        using var client = console.CreateAnonymousClient();
        var (form, cookies) = await GetFormAsync(client);

        var response = await PostAsync(client, cookies, new()
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = form.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!,
            ["Input.UserName"] = "nobody-" + Guid.NewGuid().ToString("N")[..8],
            ["Input.Password"] = "not-a-password",
        });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        Assert.Equal("The user name or password is wrong.", page.QuerySelector("[data-testid=login-error]")?.TextContent.Trim());
    }
}
