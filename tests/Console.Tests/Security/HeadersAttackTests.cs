using System.Net;
using AngleSharp.Html.Parser;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Security;

/// <summary>
/// What a browser is told about every answer: no framing (clickjacking), no MIME sniffing, no
/// referrer to other sites, and a content policy that allows nothing from other hosts.
/// </summary>
public sealed class HeadersAttackTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    private static void AssertHardened(HttpResponseMessage response, string what)
    {
        string? One(string name) => response.Headers.TryGetValues(name, out var v) ? string.Join(",", v)
            : response.Content.Headers.TryGetValues(name, out var c) ? string.Join(",", c) : null;
        Assert.True(One("X-Frame-Options") == "DENY", $"{what}: X-Frame-Options is {One("X-Frame-Options")}");
        Assert.True(One("X-Content-Type-Options") == "nosniff", $"{what}: X-Content-Type-Options is {One("X-Content-Type-Options")}");
        Assert.True(One("Referrer-Policy") == "same-origin", $"{what}: Referrer-Policy is {One("Referrer-Policy")}");
        var csp = One("Content-Security-Policy") ?? "";
        Assert.True(csp.Contains("frame-ancestors 'none'") && csp.Contains("default-src 'self'") && csp.Contains("object-src 'none'"), $"{what}: CSP is '{csp}'");
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.DoesNotContain("http", csp); // no other host is allowed anything
    }

    [Fact]
    public async Task Pages_API_answers_errors_and_assets_carry_the_security_headers()
    {
        using var anonymous = factory.CreateAnonymousClient();
        using var admin = factory.CreateAdminClient();
        var answers = new Dictionary<string, HttpResponseMessage>
        {
            ["sign-in page"] = await anonymous.GetAsync("/account/login"),
            ["redirect to sign-in"] = await anonymous.GetAsync("/audit"),
            ["API 401"] = await anonymous.GetAsync("/api/v1/me"),
            ["API 200"] = await admin.GetAsync("/api/v1/me"),
            ["API 404"] = await admin.GetAsync("/api/v1/no-such-route"),
            ["health"] = await anonymous.GetAsync("/healthz"),
            ["OpenAPI document"] = await anonymous.GetAsync("/openapi/v1.json"),
            ["API reference"] = await anonymous.GetAsync("/api-reference/"),
            ["stylesheet"] = await anonymous.GetAsync("/css/console.css"),
        };
        Assert.Equal(HttpStatusCode.OK, answers["sign-in page"].StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, answers["API 401"].StatusCode);
        foreach (var (what, response) in answers) AssertHardened(response, what);

        // The console's pages: scripts from the console only, no inline script and no eval.
        var pageCsp = string.Join(",", answers["sign-in page"].Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", pageCsp);
        Assert.Contains("connect-src 'self'", pageCsp);
    }

    [Fact]
    public async Task The_API_reference_loads_nothing_from_other_hosts_and_runs_only_nonced_scripts()
    {
        using var anonymous = factory.CreateAnonymousClient();
        var response = await anonymous.GetAsync("/api-reference/");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var csp = string.Join(",", response.Headers.GetValues("Content-Security-Policy"));
        var nonce = System.Text.RegularExpressions.Regex.Match(csp, "'nonce-([^']+)'").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(nonce), "The API reference's CSP carries a per-request nonce: " + csp);
        var document = new HtmlParser().ParseDocument(html);
        var scripts = document.QuerySelectorAll("script");
        Assert.NotEmpty(scripts);
        Assert.All(scripts, s => Assert.Equal(nonce, s.GetAttribute("nonce")));
        foreach (var element in document.QuerySelectorAll("[src], link[href]"))
        {
            var url = element.GetAttribute("src") ?? element.GetAttribute("href") ?? "";
            Assert.False(url.StartsWith("http", StringComparison.OrdinalIgnoreCase) || url.StartsWith("//"), "The page loads from another host: " + url);
        }
        // Scalar's defaults fetch fonts from its CDN and report usage: both off.
        Assert.DoesNotContain("fonts.scalar.com", html);
        Assert.Matches("\"withDefaultFonts\"\\s*:\\s*false", html);

        // A nonce is single-use: the next answer has another.
        var again = string.Join(",", (await anonymous.GetAsync("/api-reference/")).Headers.GetValues("Content-Security-Policy"));
        Assert.DoesNotContain(nonce, again);
    }

    [Fact]
    public async Task Cookies_are_Secure_behind_a_trusted_TLS_proxy_and_a_forged_forwarded_scheme_is_ignored()
    {
        const string proxy = "203.0.113.1";
        await using var console = ConsoleFactory.With(new Dictionary<string, string?>
        {
            ["OPS_FORWARDED_HEADERS"] = "true",
            ["OPS_TRUSTED_PROXIES"] = proxy,
        });

        var viaProxy = await SignInCookiesAsync(console, proxy);
        var forged = await SignInCookiesAsync(console, "198.51.100.66");

        Assert.Contains(viaProxy, c => c.StartsWith(TestApi.AuthCookie + "=") && c.Contains("secure", StringComparison.OrdinalIgnoreCase) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));
        Assert.All(viaProxy, c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
        // The same header from an address that is not a trusted proxy changes nothing: plain HTTP, no Secure flag.
        Assert.Contains(forged, c => c.StartsWith(TestApi.AuthCookie + "="));
        Assert.All(forged, c => Assert.DoesNotContain("secure", c, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Signs the admin in from an address that claims to forward an HTTPS request; returns every Set-Cookie of the exchange.</summary>
    private static async Task<List<string>> SignInCookiesAsync(ConsoleFactory console, string fromAddress)
    {
        using var client = console.CreateAnonymousClient();
        client.DefaultRequestHeaders.Add(ConsoleFactory.ClientAddressHeader, fromAddress);
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "192.0.2.10");
        var setCookies = new List<string>();

        var page = await client.GetAsync("/account/login");
        var pageCookies = page.Headers.TryGetValues("Set-Cookie", out var pc) ? pc.ToList() : [];
        setCookies.AddRange(pageCookies);
        var form = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync());
        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login",
                ["__RequestVerificationToken"] = form.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!,
                ["Input.UserName"] = FirstRun.AdminUserName,
                ["Input.Password"] = console.AdminPassword,
            }),
        };
        post.Headers.Add("Cookie", string.Join("; ", pageCookies.Select(c => c.Split(';')[0])));
        var signedIn = await client.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        setCookies.AddRange(signedIn.Headers.GetValues("Set-Cookie"));
        return setCookies;
    }
}
