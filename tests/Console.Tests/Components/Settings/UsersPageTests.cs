using AngleSharp.Dom;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using OpsConsole.Console.Components.Pages.Settings;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Components.Settings;

/// <summary>The Users page over the real user directory and Identity store: the list, creating, disabling, roles, and who may use it.</summary>
public sealed class UsersPageTests : AccessComponentContext
{
    public UsersPageTests()
    {
        CreateUserAsync("ada", Roles.Admin, Roles.Viewer).GetAwaiter().GetResult();
        CreateUserAsync("olga", Roles.OnCall, Roles.Viewer).GetAwaiter().GetResult();
        CreateUserAsync("dave", Roles.Viewer).GetAwaiter().GetResult();
        WithAsync<object>(async sp => { await sp.GetRequiredService<UserDirectory>().SetEnabledAsync(ActorOf("ada", Roles.Admin), "dave", false); return true; })
            .GetAwaiter().GetResult();
    }

    private sealed record Row(string Name, IReadOnlyList<string> Roles, string Status, IElement Element);

    private static List<Row> Rows(IRenderedComponent<Users> cut) =>
        cut.FindAll("[data-testid=users-table] tbody tr").Where(tr => tr.QuerySelector("[data-testid=user-row-name]") is not null).Select(tr =>
        {
            var cells = tr.QuerySelectorAll("td");
            return new Row(tr.QuerySelector("[data-testid=user-row-name]")!.TextContent.Trim(),
                cells[1].QuerySelectorAll(".mud-chip").Select(c => c.TextContent.Trim()).ToList(),
                cells[2].TextContent.Trim(), tr);
        }).ToList();

    private static Row RowOf(IRenderedComponent<Users> cut, string name) => Rows(cut).Single(r => r.Name == name);

    private static void ClickIn(IElement row, string buttonText) =>
        row.QuerySelectorAll("button").Single(b => b.TextContent.Trim() == buttonText).Click();

    private IRenderedComponent<Users> RenderAsAdmin()
    {
        SignIn("ada", Roles.Admin, Roles.Viewer);
        var cut = RenderPage<Users>();
        cut.WaitForAssertion(() => Assert.Equal(3, Rows(cut).Count));
        return cut;
    }

    [Fact]
    public void An_Admin_sees_every_user_with_roles_and_state()
    {
        var cut = RenderAsAdmin();

        Assert.Equal(["ada", "dave", "olga"], Rows(cut).Select(r => r.Name));
        Assert.Equal([Roles.Admin, Roles.Viewer], RowOf(cut, "ada").Roles.OrderBy(r => r));
        Assert.Equal([Roles.OnCall, Roles.Viewer], RowOf(cut, "olga").Roles.OrderBy(r => r));
        Assert.Equal("active", RowOf(cut, "ada").Status);
        Assert.Equal("disabled", RowOf(cut, "dave").Status);
        Assert.Equal("active", RowOf(cut, "olga").Status);
        Assert.Empty(cut.FindAll("[data-testid=action-error]"));
    }

    [Fact]
    public async Task A_short_password_is_refused_with_the_rule_and_creates_nobody()
    {
        var cut = RenderAsAdmin();

        Type(cut, "new-user-name", "newbie");
        Type(cut, "new-user-password", "short");
        cut.Find("[data-testid=create-user]").Click();

        cut.WaitForAssertion(() => Assert.Contains("at least 10 characters", cut.Find("[data-testid=action-error]").TextContent));
        Assert.DoesNotContain("newbie", Rows(cut).Select(r => r.Name));
        Assert.DoesNotContain("newbie", (await WithAsync(sp => sp.GetRequiredService<UserDirectory>().ListAsync())).Select(u => u.UserName));
    }

    [Fact]
    public async Task Creating_a_user_adds_them_with_the_chosen_roles()
    {
        var cut = RenderAsAdmin();

        Type(cut, "new-user-name", "nina");
        Type(cut, "new-user-password", "a-long-enough-password");
        cut.Find("[data-testid=role-picker] input[data-testid=role-OnCall], [data-testid=role-picker] [data-testid=role-OnCall] input").Change(true);
        cut.Find("[data-testid=create-user]").Click();

        cut.WaitForAssertion(() => Assert.Contains("nina", Rows(cut).Select(r => r.Name)));
        Assert.Equal([Roles.OnCall, Roles.Viewer], RowOf(cut, "nina").Roles.OrderBy(r => r));
        Assert.Equal("active", RowOf(cut, "nina").Status);
        Assert.Empty(cut.FindAll("[data-testid=action-error]"));
        var stored = await StoredUserAsync("nina");
        Assert.Equal([Roles.OnCall, Roles.Viewer], stored.Roles.OrderBy(r => r));
        Assert.False(stored.Disabled);
    }

    [Fact]
    public async Task An_Admin_disables_and_enables_a_user()
    {
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderAsAdmin();

        ClickIn(RowOf(cut, "olga").Element, "Disable");
        dialogs.WaitForElement("[data-testid=confirm-action]").Click();
        cut.WaitForAssertion(() => Assert.Equal("disabled", RowOf(cut, "olga").Status));
        Assert.True((await StoredUserAsync("olga")).Disabled);

        ClickIn(RowOf(cut, "olga").Element, "Enable");
        cut.WaitForAssertion(() => Assert.Equal("active", RowOf(cut, "olga").Status));
        Assert.False((await StoredUserAsync("olga")).Disabled);

        ClickIn(RowOf(cut, "dave").Element, "Enable");
        cut.WaitForAssertion(() => Assert.Equal("active", RowOf(cut, "dave").Status));
        Assert.False((await StoredUserAsync("dave")).Disabled);
    }

    [Fact]
    public async Task Disabling_asks_first_and_cancelling_leaves_the_user_able_to_sign_in()
    {
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderAsAdmin();

        ClickIn(RowOf(cut, "olga").Element, "Disable");
        Assert.Contains("every API token of theirs stops working", dialogs.WaitForElement("[data-testid=confirm-dialog]").TextContent);
        dialogs.Find("[data-testid=confirm-cancel]").Click();

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=confirm-dialog]")));
        Assert.Equal("active", RowOf(cut, "olga").Status);
        Assert.False((await StoredUserAsync("olga")).Disabled);
    }

    [Fact]
    public async Task An_Admin_cannot_disable_their_own_account()
    {
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderAsAdmin();

        ClickIn(RowOf(cut, "ada").Element, "Disable");
        dialogs.WaitForElement("[data-testid=confirm-action]").Click();

        cut.WaitForAssertion(() => Assert.Contains("You cannot disable your own account.", cut.Find("[data-testid=action-error]").TextContent));
        Assert.Equal("active", RowOf(cut, "ada").Status);
        Assert.False((await StoredUserAsync("ada")).Disabled);
    }

    [Fact]
    public async Task The_last_enabled_Admin_cannot_be_demoted_and_the_page_says_why()
    {
        // A second Admin exists but is disabled: ada is still the last enabled one.
        await CreateUserAsync("zed", Roles.Admin);
        await WithAsync<object>(async sp => { await sp.GetRequiredService<UserDirectory>().SetEnabledAsync(ActorOf("ada", Roles.Admin), "zed", false); return true; });
        SignIn("ada", Roles.Admin, Roles.Viewer);
        var cut = RenderPage<Users>();
        cut.WaitForAssertion(() => Assert.Equal(4, Rows(cut).Count));

        ClickIn(RowOf(cut, "ada").Element, "Roles");
        var adminBox = cut.WaitForElement("[data-testid=users-table] input[data-testid=role-Admin], [data-testid=users-table] [data-testid=role-Admin] input");
        adminBox.Change(false);
        ClickIn(Rows(cut).Single(r => r.Name == "ada").Element, "Save");

        cut.WaitForAssertion(() => Assert.Contains("You cannot remove the Admin role from the last enabled Admin: nobody could manage the console afterwards.",
            cut.Find("[data-testid=action-error]").TextContent));
        Assert.Contains(Roles.Admin, (await StoredUserAsync("ada")).Roles);
    }

    [Fact]
    public async Task Another_Admin_can_be_demoted()
    {
        await CreateUserAsync("zed", Roles.Admin, Roles.Viewer);
        SignIn("ada", Roles.Admin, Roles.Viewer);
        var cut = RenderPage<Users>();
        cut.WaitForAssertion(() => Assert.Equal(4, Rows(cut).Count));

        ClickIn(RowOf(cut, "zed").Element, "Roles");
        cut.WaitForElement("[data-testid=users-table] input[data-testid=role-Admin], [data-testid=users-table] [data-testid=role-Admin] input").Change(false);
        ClickIn(RowOf(cut, "zed").Element, "Save");

        cut.WaitForAssertion(() => Assert.Equal([Roles.Viewer], RowOf(cut, "zed").Roles));
        Assert.Equal([Roles.Viewer], (await StoredUserAsync("zed")).Roles);
        Assert.Empty(cut.FindAll("[data-testid=action-error]"));
    }

    [Fact]
    public async Task A_non_Admin_rendering_the_page_is_refused_readably_and_sees_no_users()
    {
        SignIn("olga", Roles.OnCall, Roles.Viewer);

        var cut = RenderPage<Users>();

        cut.WaitForAssertion(() => Assert.Equal("You may not see users: it needs the role Admin.", cut.Find("[data-testid=action-error]").TextContent.Trim()));
        Assert.Empty(Rows(cut));
        Assert.DoesNotContain("dave", cut.Markup);

        // The actions are refused on the server too.
        Type(cut, "new-user-name", "mallory");
        Type(cut, "new-user-password", "a-long-enough-password");
        cut.Find("[data-testid=create-user]").Click();
        cut.WaitForAssertion(() => Assert.Equal("You may not create users: it needs the role Admin.", cut.Find("[data-testid=action-error]").TextContent.Trim()));
        Assert.DoesNotContain("mallory", (await WithAsync(sp => sp.GetRequiredService<UserDirectory>().ListAsync())).Select(u => u.UserName));
    }
}
