using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpsConsole.Console.Auth;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Access;

public sealed class OidcConsoleFixture : IDisposable
{
    public ConsoleFactory Factory { get; } = ConsoleFactory.With(new Dictionary<string, string?>
    {
        ["Authentication:Oidc:Enabled"] = "true",
        ["Authentication:Oidc:Authority"] = "https://login.example.test",
        ["Authentication:Oidc:ClientId"] = "opsconsole",
        ["Authentication:Oidc:RoleClaim"] = "groups",
        ["Authentication:Oidc:RoleMap:ops-admins"] = "Admin",
    });

    public void Dispose() => Factory.Dispose();
}

/// <summary>Single sign-on wiring as configured by an operator (no identity provider runs here).</summary>
public sealed class OidcTests(OidcConsoleFixture fx) : IClassFixture<OidcConsoleFixture>
{
    [Fact]
    public async Task The_oidc_scheme_is_registered_with_the_configured_options()
    {
        var schemes = fx.Factory.Services.GetRequiredService<IAuthenticationSchemeProvider>();
        var scheme = await schemes.GetSchemeAsync(AuthSetup.OidcScheme);
        Assert.NotNull(scheme);
        Assert.Equal(typeof(OpenIdConnectHandler), scheme.HandlerType);
        Assert.Equal("Single sign-on", scheme.DisplayName);

        var options = fx.Factory.Services.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(AuthSetup.OidcScheme);
        Assert.Equal("https://login.example.test", options.Authority);
        Assert.Equal("opsconsole", options.ClientId);
        Assert.Equal("code", options.ResponseType);
        Assert.True(options.UsePkce);
        Assert.True(options.RequireHttpsMetadata);
        Assert.Equal("groups", options.TokenValidationParameters.RoleClaimType);
        Assert.Equal("preferred_username", options.TokenValidationParameters.NameClaimType);
        Assert.Equal("/signin-oidc", options.CallbackPath.Value);
        Assert.Equal(["openid", "profile", "email"], options.Scope);
    }

    [Fact]
    public async Task The_sign_in_page_offers_single_sign_on()
    {
        using var client = fx.Factory.CreateAnonymousClient();
        var html = await client.GetStringAsync("/account/login?returnUrl=%2Faudit");
        var link = new HtmlParser().ParseDocument(html).QuerySelector("a[data-testid=login-oidc]");
        Assert.NotNull(link);
        Assert.Equal("account/login/oidc?returnUrl=%2Faudit", link.GetAttribute("href"));
        Assert.Contains("single sign-on", link.TextContent);
    }

    [Fact]
    public void Provider_groups_map_to_console_roles_and_unknown_ones_are_dropped()
    {
        var oidc = fx.Factory.Services.GetRequiredService<OidcSettings>();
        Assert.True(oidc.Enabled);
        Assert.Equal([Roles.Admin, Roles.Viewer], oidc.Roles.Map(["ops-admins", "Viewer", "unknown"]));
    }
}

/// <summary>Without single sign-on configured, nothing of it is reachable.</summary>
public sealed class OidcDisabledTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    [Fact]
    public async Task The_single_sign_on_route_is_404_and_the_page_offers_no_link()
    {
        using var client = factory.CreateAnonymousClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/account/login/oidc")).StatusCode);
        var html = await client.GetStringAsync("/account/login");
        Assert.Null(new HtmlParser().ParseDocument(html).QuerySelector("a[data-testid=login-oidc]"));
        Assert.Null(await factory.Services.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(AuthSetup.OidcScheme));
    }
}
