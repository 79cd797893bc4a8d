using System.Text.RegularExpressions;
using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using OpsConsole.Console.Components.Layout;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Components;

/// <summary>The shell every page sits in: navigation by role, who is signed in, and the theme switch.</summary>
public sealed class MainLayoutTests : ComponentContext
{
    private IRenderedComponent<MainLayout> RenderShell() =>
        Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddMarkupContent(0, "<p data-testid=\"body\">page body</p>"))));

    private static Dictionary<string, string> NavLinks(IRenderedComponent<MainLayout> cut) =>
        cut.FindAll("a.mud-nav-link").ToDictionary(a => a.TextContent.Trim(), a => a.GetAttribute("href") ?? "");

    [Fact]
    public void A_Viewer_sees_the_everyday_pages_but_no_admin_links()
    {
        SignIn("vera", Roles.Viewer);

        var cut = RenderShell();

        cut.WaitForAssertion(() =>
        {
            var links = NavLinks(cut);
            Assert.Equal("/", links["Overview"]);
            Assert.Equal("/audit", links["Audit trail"]);
            Assert.Equal("/settings/tokens", links["API tokens"]);
            Assert.DoesNotContain("Users", links.Keys);
            Assert.DoesNotContain("Webhooks", links.Keys);
            Assert.DoesNotContain("Background jobs", links.Keys);
        });
        Assert.Equal("page body", cut.Find("[data-testid=body]").TextContent);
    }

    [Fact]
    public void An_Admin_also_sees_users_webhooks_and_background_jobs()
    {
        SignIn("ada", Roles.Viewer, Roles.Admin);

        var cut = RenderShell();

        cut.WaitForAssertion(() =>
        {
            var links = NavLinks(cut);
            Assert.Equal("/settings/users", links["Users"]);
            Assert.Equal("/settings/webhooks", links["Webhooks"]);
            Assert.Equal("/hangfire", links["Background jobs"]);
            Assert.Contains("Overview", links.Keys);
            Assert.Contains("API tokens", links.Keys);
        });
    }

    [Fact]
    public void Roles_other_than_Admin_do_not_unlock_admin_links()
    {
        SignIn("ola", Roles.Viewer, Roles.OnCall, Roles.ReleaseManager, Roles.Facilitator);

        var cut = RenderShell();

        cut.WaitForAssertion(() => Assert.Contains("Audit trail", NavLinks(cut).Keys));
        Assert.DoesNotContain("Users", NavLinks(cut).Keys);
        Assert.DoesNotContain("Background jobs", NavLinks(cut).Keys);
    }

    [Fact]
    public void The_user_badge_shows_the_name_and_the_console_roles()
    {
        var principal = SignIn("ola", Roles.OnCall, Roles.Facilitator);
        ((System.Security.Claims.ClaimsIdentity)principal.Identity!).AddClaim(new(System.Security.Claims.ClaimTypes.Role, "some-provider-group"));

        var cut = RenderShell();

        cut.WaitForAssertion(() => Assert.Equal("ola", cut.Find("[data-testid=user-badge] [data-testid=user-name]").TextContent.Trim()));
        var chips = cut.FindAll("[data-testid=user-badge] .mud-chip").Select(c => c.TextContent.Trim()).ToList();
        Assert.Equal([Roles.OnCall, Roles.Facilitator], chips);
        Assert.NotNull(cut.Find("[data-testid=user-badge] [data-testid=sign-out]"));
    }

    [Fact]
    public void Nobody_signed_in_means_no_badge()
    {
        SignIn(null);

        var cut = RenderShell();

        Assert.Empty(cut.FindAll("[data-testid=user-badge]"));
    }

    [Fact]
    public void The_theme_toggle_switches_between_dark_and_light()
    {
        SignIn("vera", Roles.Viewer);
        var cut = RenderShell();
        var darkIcon = PathsOf(Icons.Material.Filled.DarkMode);
        var lightIcon = PathsOf(Icons.Material.Filled.LightMode);
        Assert.NotEmpty(darkIcon);
        Assert.NotEqual(darkIcon, lightIcon);

        // Light to start with (the browser reports no dark preference here): the button offers dark.
        Assert.Equal(darkIcon, RenderedPaths(cut));
        Assert.Equal("Toggle theme", cut.Find("[data-testid=theme-toggle]").GetAttribute("aria-label"));
        Assert.Contains(LightAppBar, ThemeCss(cut));

        cut.Find("[data-testid=theme-toggle]").Click();

        cut.WaitForAssertion(() => Assert.Equal(lightIcon, RenderedPaths(cut)));
        Assert.Contains(DarkAppBar, ThemeCss(cut));

        cut.Find("[data-testid=theme-toggle]").Click();

        cut.WaitForAssertion(() => Assert.Equal(darkIcon, RenderedPaths(cut)));
        Assert.Contains(LightAppBar, ThemeCss(cut));
    }

    // ConsoleTheme's app bar colours (#17243a light, #101827 dark) as the theme provider writes them.
    private const string LightAppBar = "--mud-palette-appbar-background: rgba(23,36,58,1)";
    private const string DarkAppBar = "--mud-palette-appbar-background: rgba(16,24,39,1)";

    private static List<string> PathsOf(string icon) => Regex.Matches(icon, "<path[^>]*\\sd=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();

    private static List<string> RenderedPaths(IRenderedComponent<MainLayout> cut) =>
        cut.Find("[data-testid=theme-toggle]").QuerySelectorAll("path").Select(p => p.GetAttribute("d") ?? "").Where(d => d.Length > 0).ToList();

    /// <summary>The CSS variables the theme provider writes: the app bar colour differs between the palettes.</summary>
    private static string ThemeCss(IRenderedComponent<MainLayout> cut) =>
        string.Join("\n", cut.FindAll("style").Select(s => s.TextContent)).ToLowerInvariant();
}
