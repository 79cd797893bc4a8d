using Bunit;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Components.Pages.Config;
using OpsConsole.Console.Components.Pages.Releases;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Config;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Releases;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Tests.Components.Releases;

/// <summary>The release, freeze and config pages over a real store and the real release services.</summary>
public sealed class ReleasePagesTests : ComponentContext
{
    private static readonly Actor Ci = new("ci", new HashSet<string> { TokenScopes.Ci }, "bunit");
    private static readonly Actor Manager = new("rita", new HashSet<string> { Roles.ReleaseManager }, "bunit");
    private const string Secret = "very-secret-value-42";

    public ReleasePagesTests() : base(s =>
    {
        s.AddSingleton(TimeProvider.System);
        s.AddDataProtection().UseEphemeralDataProtectionProvider();
        s.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext());
        s.AddReleases();
    })
    {
        using (var db = NewDb())
        {
            var now = DateTime.UtcNow;
            foreach (var env in new[] { "dev", "staging", "prod" })
                db.DeployTargets.Add(new DeployTarget { Service = "checkout", Environment = env, DefaultStrategyJson = "{}", CreatedAt = now, UpdatedAt = now });
            db.SaveChanges();
        }
        using var scope = Services.CreateScope();
        var registry = scope.ServiceProvider.GetRequiredService<ReleaseRegistry>();
        registry.RegisterAsync(Ci, new ReleaseRegistration("checkout", "2.1.0", "abcdef1234567", DateTimeOffset.UtcNow.AddHours(-2), "https://ci.example.test/1", "Line one\n<script>alert(1)</script>"))
            .GetAwaiter().GetResult();
        registry.ReportCheckAsync(Ci, "checkout", "2.1.0", "unit", "<testsuite><testcase classname=\"Cart\" name=\"adds\"><failure/></testcase><testcase name=\"ok\"/></testsuite>"u8.ToArray())
            .GetAwaiter().GetResult();
        var config = scope.ServiceProvider.GetRequiredService<ConfigStore>();
        config.SetAsync(Manager, "checkout", "prod", "API_KEY", Secret, secret: true).GetAwaiter().GetResult();
        // The page opens on the first environment (dev).
        config.SetAsync(Manager, "checkout", "dev", "API_KEY", Secret, secret: true).GetAwaiter().GetResult();
        config.SetAsync(Manager, "checkout", "prod", "LOG_LEVEL", "info", secret: false).GetAwaiter().GetResult();
        config.SetAsync(Manager, "checkout", "staging", "LOG_LEVEL", "debug", secret: false).GetAwaiter().GetResult();
    }

    [Fact]
    public void The_releases_list_shows_each_release_with_its_check_chips_and_links_to_its_detail()
    {
        SignIn("vera", Roles.Viewer);
        var cut = Render<ReleasesPage>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=release-link]")));
        Assert.Equal("/releases/checkout/2.1.0", cut.Find("[data-testid=release-link]").GetAttribute("href"));
        Assert.Contains("unit", cut.Find("[data-testid=check-chip]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_detail_shows_fields_failed_tests_and_the_timeline_with_the_changelog_as_text()
    {
        SignIn("vera", Roles.Viewer);
        var cut = Render<ReleaseDetail>(p => p.Add(x => x.Service, "checkout").Add(x => x.Version, "2.1.0"));
        cut.WaitForAssertion(() => Assert.Contains("checkout 2.1.0", cut.Find("[data-testid=release-title]").TextContent, StringComparison.Ordinal));
        Assert.Equal("Cart.adds", cut.Find("[data-testid=failed-test]").TextContent);
        Assert.Contains("failed", cut.Find("[data-testid=check-result]").TextContent, StringComparison.Ordinal);
        Assert.Contains("release.registered", cut.Find("[data-testid=release-timeline]").TextContent, StringComparison.Ordinal);
        Assert.Contains("release.checks.reported", cut.Find("[data-testid=release-timeline]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=changelog] script"));
        Assert.Contains("<script>", cut.Find("[data-testid=changelog]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_release_says_so()
    {
        SignIn("vera", Roles.Viewer);
        var cut = Render<ReleaseDetail>(p => p.Add(x => x.Service, "checkout").Add(x => x.Version, "0.0.1"));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=release-missing]")));
    }

    [Fact]
    public void The_config_page_masks_secrets_and_a_viewer_cannot_edit()
    {
        SignIn("vera", Roles.Viewer);
        var cut = Render<ConfigPage>();
        cut.WaitForAssertion(() => Assert.Contains("•••• set at", cut.Find("[data-testid=config-value]").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(Secret, cut.Markup, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=config-form]"));
        Assert.Empty(cut.FindAll("[data-testid=delete-config]"));
    }

    [Fact]
    public void A_release_manager_sets_a_secret_that_the_page_never_shows_again()
    {
        SignIn("rita", Roles.ReleaseManager);
        var cut = Render<ConfigPage>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=config-form]")));
        // The page opens on checkout/dev (first environment in order).
        cut.Find("[data-testid=config-key] input, input[data-testid=config-key]").Change("NEW_TOKEN");
        cut.Find("[data-testid=config-new-value] input, input[data-testid=config-new-value]").Change("typed-secret-123");
        cut.Find("[data-testid=config-secret] input, input[data-testid=config-secret]").Change(true);
        cut.Find("[data-testid=config-save]").Click();
        cut.WaitForAssertion(() => Assert.Contains("NEW_TOKEN", cut.Find("[data-testid=config-table]").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain("typed-secret-123", cut.Markup, StringComparison.Ordinal);
        using var db = NewDb();
        Assert.True(db.ConfigEntries.Single(e => e.Key == "NEW_TOKEN").IsSecret);
    }

    [Fact]
    public async Task The_freeze_calendar_lists_the_coming_weekends_and_a_bad_rule_shows_why()
    {
        await using (var scope = Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<FreezeCalendar>().CreateAsync(Manager,
                new FreezeWindowRequest("Weekend freeze", null, "prod", "FREQ=WEEKLY;BYDAY=FR", new DateTime(2026, 1, 2, 16, 0, 0), 3840, "Europe/Berlin"));
        SignIn("rita", Roles.ReleaseManager);
        var cut = Render<FreezeCalendarPage>();
        cut.WaitForAssertion(() => Assert.InRange(cut.FindAll("[data-testid=occurrence]").Count, 4, 5));
        Assert.Contains("prod", cut.Find("[data-testid=upcoming-environment]").TextContent, StringComparison.Ordinal);

        cut.Find("[data-testid=new-freeze]").Click();
        cut.Find("[data-testid=freeze-rrule] input, input[data-testid=freeze-rrule]").Change("FREQ=SOMETIMES");
        cut.Find("[data-testid=create-freeze]").Click();
        cut.WaitForAssertion(() => Assert.Contains("does not parse", cut.Find("[data-testid=action-error]").TextContent, StringComparison.Ordinal));
        await using var db = NewDb();
        Assert.Equal(1, await db.FreezeWindows.CountAsync());
    }

    [Fact]
    public void A_viewer_sees_the_calendar_without_edit_buttons()
    {
        SignIn("vera", Roles.Viewer);
        var cut = Render<FreezeCalendarPage>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=freeze-table]")));
        Assert.Empty(cut.FindAll("[data-testid=new-freeze]"));
    }
}
