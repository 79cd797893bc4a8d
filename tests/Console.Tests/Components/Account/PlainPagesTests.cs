using Bunit;
using OpsConsole.Console.Components.Pages;
using OpsConsole.Console.Components.Pages.Account;
using OpsConsole.Console.Tests.Shared;

namespace OpsConsole.Console.Tests.Components.Account;

/// <summary>The two pages a person lands on when something is not there or not theirs: each says what happened and leads back.</summary>
public sealed class PlainPagesTests : ComponentContext
{
    [Fact]
    public void Access_denied_says_the_roles_do_not_allow_it_and_who_can_help_and_links_back_to_the_overview()
    {
        var cut = Render<AccessDenied>();

        Assert.Equal("Access denied", cut.Find("h1").TextContent);
        var message = cut.Find("[data-testid=access-denied]").TextContent;
        Assert.Contains("roles do not allow", message);
        Assert.Contains("Ask an Admin", message);
        Assert.Equal("/", cut.Find("a").GetAttribute("href"));
    }

    [Fact]
    public void Not_found_says_there_is_nothing_at_the_address_and_links_back_to_the_overview()
    {
        var cut = Render<NotFound>();

        Assert.Contains("There is nothing at this address.", cut.Markup);
        Assert.Equal("/", cut.Find("a").GetAttribute("href"));
    }
}
