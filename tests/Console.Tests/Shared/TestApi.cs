using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;

namespace OpsConsole.Console.Tests.Shared;

/// <summary>The calls tests make through the public API and the sign-in form, as a person or script would.</summary>
public static class TestApi
{
    public static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;
    public const string AuthCookie = "opsconsole.auth";

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>(Json)).Clone();

    public static async Task<HttpResponseMessage> EnsureStatusAsync(this Task<HttpResponseMessage> call, HttpStatusCode expected)
    {
        var response = await call;
        if (response.StatusCode != expected)
            throw new Xunit.Sdk.XunitException($"Expected {(int)expected} but got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    /// <summary>Creates a local user as the admin; returns the user name.</summary>
    public static async Task<string> CreateUserAsync(this ConsoleFactory factory, string password, params string[] roles)
    {
        var name = Names.Unique("user");
        using var admin = factory.CreateAdminClient();
        await admin.PostAsJsonAsync("/api/v1/users", new { userName = name, password, roles }, Json).EnsureStatusAsync(HttpStatusCode.Created);
        return name;
    }

    /// <summary>Issues a token for whoever <paramref name="caller"/> is; returns (id, secret).</summary>
    public static async Task<(Guid Id, string Secret)> CreateTokenAsync(this HttpClient caller, params string[] roles)
    {
        var response = await caller.PostAsJsonAsync("/api/v1/tokens", new { name = Names.Unique("token"), roles }, Json).EnsureStatusAsync(HttpStatusCode.Created);
        var body = await response.ReadJsonAsync();
        return (body.GetProperty("token").GetProperty("id").GetGuid(), body.GetProperty("secret").GetString()!);
    }

    public static async Task<Guid> CreateWebhookAsync(this ConsoleFactory factory, string? secret = null)
    {
        using var admin = factory.CreateAdminClient();
        // Listens for an event type nobody emits, so creating it schedules no deliveries.
        var response = await admin.PostAsJsonAsync("/api/v1/webhooks",
            new { name = Names.Unique("hook"), url = "http://127.0.0.1:9/hook", secret, eventTypes = new[] { "test.never" } }, Json)
            .EnsureStatusAsync(HttpStatusCode.Created);
        return (await response.ReadJsonAsync()).GetProperty("webhook").GetProperty("id").GetGuid();
    }

    /// <summary>A browser-like client: keeps cookies, follows no redirects.</summary>
    public static (HttpClient Client, CookieContainer Cookies) CreateBrowser(this ConsoleFactory factory)
    {
        var cookies = new CookieContainer();
        var client = factory.CreateDefaultClient(new CookieContainerHandler(cookies));
        return (client, cookies);
    }

    /// <summary>Fills in and posts the sign-in form (static SSR form "login", with its antiforgery token).</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(this HttpClient browser, string userName, string password, string? returnUrl = null)
    {
        // The form posts back to the page's own address, query included.
        var url = returnUrl is null ? "/account/login" : "/account/login?ReturnUrl=" + Uri.EscapeDataString(returnUrl);
        var page = await browser.GetAsync(url);
        page.EnsureSuccessStatusCode();
        var document = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync());
        var antiforgery = document.QuerySelector("form[data-testid=login-form] input[name=__RequestVerificationToken]")?.GetAttribute("value")
                          ?? throw new InvalidOperationException("The login form carries no antiforgery token.");
        var handler = document.QuerySelector("form[data-testid=login-form] input[name=_handler]")?.GetAttribute("value") ?? "login";
        return await browser.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = handler,
            ["__RequestVerificationToken"] = antiforgery,
            ["Input.UserName"] = userName,
            ["Input.Password"] = password,
        }));
    }

    public static async Task SignInAsync(this HttpClient browser, string userName, string password)
    {
        var response = await browser.PostLoginAsync(userName, password);
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new Xunit.Sdk.XunitException($"Sign-in as {userName} failed: {(int)response.StatusCode}");
    }

    /// <summary>
    /// Makes a signed-in browser client send the antiforgery header the API wants with changes made
    /// through the session cookie (as a browser script would after reading GET /api/v1/me/antiforgery).
    /// </summary>
    public static async Task UseAntiforgeryHeaderAsync(this HttpClient browser)
    {
        var body = await (await browser.GetAsync("/api/v1/me/antiforgery").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();
        var header = body.GetProperty("headerName").GetString()!;
        browser.DefaultRequestHeaders.Remove(header);
        browser.DefaultRequestHeaders.Add(header, body.GetProperty("token").GetString());
    }

    public static string? AuthCookieOf(this CookieContainer cookies, Uri baseAddress) =>
        cookies.GetCookies(baseAddress).FirstOrDefault(c => c.Name.StartsWith(AuthCookie, StringComparison.Ordinal))?.Value;
}
