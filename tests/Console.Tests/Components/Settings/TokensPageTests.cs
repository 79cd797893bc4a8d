using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Components.Pages.Settings;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Components.Settings;

/// <summary>The API tokens page over the real token service: issuing with roles and expiry, the secret shown once, revoking, and what is offered.</summary>
public sealed class TokensPageTests : AccessComponentContext
{
    public TokensPageTests()
    {
        CreateUserAsync("ada", Roles.Admin, Roles.Viewer).GetAwaiter().GetResult();
        CreateUserAsync("olga", Roles.OnCall, Roles.Viewer).GetAwaiter().GetResult();
    }

    private sealed record Row(string Name, string Owner, string Prefix, string Roles, string Expires, string State, IElement Element);

    private static List<Row> Rows(IRenderedComponent<Tokens> cut) =>
        cut.FindAll("[data-testid=tokens-table] tbody tr").Where(tr => tr.QuerySelectorAll("td").Length >= 7).Select(tr =>
        {
            var c = tr.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList();
            return new Row(c[0], c[1], c[2], c[3], c[4], c[6], tr);
        }).ToList();

    private static IElement DaysInput(IRenderedComponent<Tokens> cut) =>
        cut.FindAll(".mud-input-control").Single(c => c.TextContent.Contains("Expires in days")).QuerySelector("input")!;

    private static List<string> OfferedRoles(IRenderedComponent<Tokens> cut) =>
        cut.FindAll("[data-testid=role-picker] [data-testid^=role-]").Select(e => e.GetAttribute("data-testid")!["role-".Length..]).Distinct().ToList();

    private Task<IssuedToken> IssueAsync(string owner, string name, string[] ownerRoles, string[] roles, int days = 30) =>
        WithAsync(sp => sp.GetRequiredService<ApiTokens>().IssueAsync(ActorOf(owner, ownerRoles), name, roles, days));

    [Fact]
    public void Only_the_users_own_roles_are_offered_for_a_token()
    {
        SignIn("olga", Roles.OnCall, Roles.Viewer);

        var cut = RenderPage<Tokens>();

        cut.WaitForAssertion(() => Assert.Equal([Roles.Viewer, Roles.OnCall], OfferedRoles(cut).OrderByDescending(r => r == Roles.Viewer)));
        Assert.DoesNotContain(Roles.Admin, OfferedRoles(cut));
        Assert.DoesNotContain(Roles.ReleaseManager, OfferedRoles(cut));
        Assert.Contains("No tokens yet.", cut.Find("[data-testid=tokens-table]").TextContent);
    }

    [Fact]
    public async Task Creating_a_token_with_roles_and_expiry_shows_its_secret_once()
    {
        SignIn("olga", Roles.OnCall, Roles.Viewer);
        var cut = RenderPage<Tokens>();
        cut.WaitForAssertion(() => Assert.Equal(2, OfferedRoles(cut).Count));

        Type(cut, "token-name", "ci-deploy");
        DaysInput(cut).Change("7");
        cut.Find("[data-testid=role-picker] input[data-testid=role-OnCall], [data-testid=role-picker] [data-testid=role-OnCall] input").Change(true);
        cut.Find("[data-testid=create-token]").Click();

        var secret = "";
        cut.WaitForAssertion(() =>
        {
            Assert.Contains("ci-deploy", cut.Find("[data-testid=token-issued]").TextContent);
            secret = cut.Find("[data-testid=token-secret]").TextContent.Trim();
        });
        Assert.Empty(cut.FindAll("[data-testid=action-error]"));
        var row = Assert.Single(Rows(cut));
        Assert.Equal(("ci-deploy", "olga", "Active"), (row.Name, row.Owner, row.State));
        Assert.Equal(TokenSecret.DisplayPrefix(secret) + "…", row.Prefix);
        Assert.Equal(new[] { Roles.OnCall, Roles.Viewer }.Order(), row.Roles.Split(", ").Order());
        Assert.Equal(DateTime.UtcNow.AddDays(7).ToString("yyyy-MM-dd"), row.Expires);

        // The secret works against the API, with the chosen roles.
        var check = await WithAsync(sp => sp.GetRequiredService<ApiTokens>().CheckAsync(secret));
        Assert.True(check.Succeeded, check.Refusal);
        Assert.Equal(new[] { Roles.OnCall, Roles.Viewer }.Order(), check.Roles.Order());

        // Shown once: the page opened again lists the token but not its secret.
        var again = Render<Tokens>();
        again.WaitForAssertion(() => Assert.Single(Rows(again)));
        Assert.Empty(again.FindAll("[data-testid=token-secret]"));
        Assert.DoesNotContain(secret, again.Markup);
    }

    [Fact]
    public void A_token_without_a_name_is_refused_readably()
    {
        SignIn("olga", Roles.OnCall, Roles.Viewer);
        var cut = RenderPage<Tokens>();
        cut.WaitForAssertion(() => Assert.Equal(2, OfferedRoles(cut).Count));

        cut.Find("[data-testid=create-token]").Click();

        cut.WaitForAssertion(() => Assert.Equal("Give the token a name of 1 to 100 characters.", cut.Find("[data-testid=action-error]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=token-issued]"));
        Assert.Empty(Rows(cut));
    }

    [Fact]
    public async Task Revoking_a_token_stops_it_at_once()
    {
        var issued = await IssueAsync("olga", "old-script", [Roles.OnCall, Roles.Viewer], [Roles.Viewer]);
        SignIn("olga", Roles.OnCall, Roles.Viewer);
        var cut = RenderPage<Tokens>();
        cut.WaitForAssertion(() => Assert.Equal("Active", Assert.Single(Rows(cut)).State));

        cut.Find("[data-testid=revoke-token]").Click();

        cut.WaitForAssertion(() => Assert.Equal("Revoked", Assert.Single(Rows(cut)).State));
        Assert.Empty(cut.FindAll("[data-testid=revoke-token]"));
        var check = await WithAsync(sp => sp.GetRequiredService<ApiTokens>().CheckAsync(issued.Secret));
        Assert.False(check.Succeeded);
        Assert.Equal("The token was revoked.", check.Refusal);
    }

    [Fact]
    public async Task A_user_sees_only_their_own_tokens_and_an_Admin_can_see_everyones()
    {
        await IssueAsync("olga", "olga-ci", [Roles.OnCall, Roles.Viewer], [Roles.OnCall]);
        await IssueAsync("ada", "ada-ci", [Roles.Admin, Roles.Viewer], [Roles.Admin]);

        SignIn("olga", Roles.OnCall, Roles.Viewer);
        var mine = RenderPage<Tokens>();
        mine.WaitForAssertion(() => Assert.Equal(["olga-ci"], Rows(mine).Select(r => r.Name)));
        Assert.DoesNotContain("All users", mine.Markup);

        SignIn("ada", Roles.Admin, Roles.Viewer);
        var admin = Render<Tokens>();
        admin.WaitForAssertion(() => Assert.Equal(["ada-ci"], Rows(admin).Select(r => r.Name)));
        admin.Find(".mud-switch input").Change(true);
        admin.WaitForAssertion(() => Assert.Equal(["ada-ci", "olga-ci"], Rows(admin).Select(r => r.Name).Order()));
        Assert.Contains("Every user's tokens", admin.Markup);
    }

    [Fact]
    public async Task An_operator_chosen_token_shows_no_prefix_but_says_so()
    {
        await WithAsync(async sp =>
        {
            var ada = await sp.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync("ada");
            return await sp.GetRequiredService<ApiTokens>().ProvisionAsync(Actor.System("bunit"), ada!, "operator", [Roles.Admin], "operator-chosen-secret-0123456789");
        });
        var issued = await IssueAsync("ada", "ada-ci", [Roles.Admin, Roles.Viewer], [Roles.Viewer]);
        SignIn("ada", Roles.Admin, Roles.Viewer);

        var cut = RenderPage<Tokens>();

        cut.WaitForAssertion(() => Assert.Equal(2, Rows(cut).Count));
        var chosen = Rows(cut).Single(r => r.Name == "operator");
        Assert.Equal("(operator-chosen)", chosen.Prefix);
        Assert.Equal("never", chosen.Expires);
        Assert.DoesNotContain("operator-chos…", cut.Markup);
        Assert.DoesNotContain("operator-chosen-secret", cut.Markup);
        Assert.Equal(TokenSecret.DisplayPrefix(issued.Secret) + "…", Rows(cut).Single(r => r.Name == "ada-ci").Prefix);
    }
}
