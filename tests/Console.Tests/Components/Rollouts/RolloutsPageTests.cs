using System.Text.Json;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using OpsConsole.Console.Components.Pages.Rollouts;
using OpsConsole.Console.Tests.Rollouts;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Tests.Components.Rollouts;

/// <summary>The rollouts board: the grid of targets, the start form, demo traffic, and live updates.</summary>
public sealed class RolloutsPageTests : RolloutComponentContext
{
    public RolloutsPageTests()
    {
        // A second service and environment, so the board has more than one row and column.
        using var db = NewDb();
        var now = DateTime.UtcNow;
        foreach (var (service, environment) in new[] { ("checkout", "dev"), ("catalog", "dev"), ("catalog", "prod") })
            db.DeployTargets.Add(new DeployTarget
            {
                Service = service, Environment = environment, StableVersion = "1.0.0", StableRevision = "1.0.0",
                DefaultStrategyJson = Strategy, CreatedAt = now, UpdatedAt = now,
            });
        db.SaveChanges();
    }

    private IRenderedComponent<RolloutsPage> RenderPage()
    {
        Render<MudPopoverProvider>();
        return Render<RolloutsPage>();
    }

    private static string CellSelector(string service, string environment) =>
        $"[data-testid=board-cell][data-service={service}][data-environment={environment}]";

    private static AngleSharp.Dom.IElement Cell(IRenderedComponent<RolloutsPage> cut, string service, string environment) =>
        // The board loads from the store asynchronously (on PostgreSQL truly so): wait for the cell.
        cut.WaitForElement(CellSelector(service, environment));

    /// <summary>The cell as rendered now, for use inside a WaitForAssertion (which retries it; a wait inside a wait would eat the outer one's time).</summary>
    private static AngleSharp.Dom.IElement CellNow(IRenderedComponent<RolloutsPage> cut, string service, string environment) =>
        cut.Find(CellSelector(service, environment));

    [Fact]
    public async Task The_board_shows_each_target_s_stable_version_and_the_rollout_in_flight_with_its_step_and_split()
    {
        SignIn("vera", Roles.Viewer);
        var id = await StartRolloutAsync();
        await UpdateStoredAsync(id, r => { r.CurrentStepIndex = 1; r.CanaryWeight = 20; });

        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=board-cell]").Count));
        Assert.Equal(["Service", "dev", "prod"], cut.FindAll("[data-testid=rollout-board] th").Select(th => th.TextContent.Trim()));
        var busy = Cell(cut, "checkout", "prod");
        Assert.Equal("1.0.0", busy.QuerySelector("[data-testid=stable-version]")!.TextContent);
        Assert.Equal("Progressing", busy.GetAttribute("data-active-phase"));
        Assert.Equal($"/rollouts/{id}", busy.QuerySelector("[data-testid=board-rollout-link]")!.GetAttribute("href"));
        Assert.Contains("1.1.0", busy.QuerySelector("[data-testid=board-rollout-link]")!.TextContent);
        Assert.Equal("step 2 of 4", busy.QuerySelector("[data-testid=board-step]")!.TextContent.Trim());
        Assert.Equal("20", busy.QuerySelector("[data-testid=board-traffic-bar]")!.GetAttribute("data-canary-weight"));

        var idle = Cell(cut, "catalog", "dev");
        Assert.Equal("", idle.GetAttribute("data-active-phase"));
        Assert.Contains("no rollout in flight", idle.TextContent);

        var recent = cut.Find("[data-testid=recent-rollout]");
        Assert.Equal(id.ToString(), recent.GetAttribute("data-rollout-id"));
        Assert.Equal("Progressing", recent.QuerySelector("[data-testid=recent-phase]")!.GetAttribute("data-phase"));
    }

    [Fact]
    public async Task The_board_picks_up_a_rollout_started_elsewhere_when_the_reconciler_publishes()
    {
        SignIn("vera", Roles.Viewer);
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.Equal("", CellNow(cut, "checkout", "prod").GetAttribute("data-active-phase")));
        Assert.NotNull(cut.Find("[data-testid=board-live]"));

        var id = await StartRolloutAsync();
        Services.GetRequiredService<RolloutUpdates>().Publish(id, Checkout.ToString());

        cut.WaitForAssertion(() => Assert.Equal("Progressing", CellNow(cut, "checkout", "prod").GetAttribute("data-active-phase")));
        Assert.Single(cut.FindAll("[data-testid=recent-rollout]"));
    }

    [Fact]
    public void A_viewer_gets_no_start_form_and_cannot_switch_demo_traffic()
    {
        SignIn("vera", Roles.Viewer);
        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=start-not-allowed]")));
        // The board (and its toggles) loads from the store asynchronously: wait for its four cells.
        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("input[data-testid=traffic-toggle]").Count));
        Assert.Empty(cut.FindAll("[data-testid=start-rollout]"));
        Assert.Empty(cut.FindAll("[data-testid=start-here]"));
        var toggles = cut.FindAll("input[data-testid=traffic-toggle]");
        Assert.Equal(4, toggles.Count);
        Assert.All(toggles, i => Assert.True(i.HasAttribute("disabled")));
    }

    [Fact]
    public async Task On_call_starts_an_inline_canary_with_config_overrides_and_lands_on_its_detail()
    {
        SignIn("olga", Roles.OnCall);
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=start-rollout]")));

        Cell(cut, "catalog", "prod").QuerySelector("[data-testid=start-here]")!.Click();
        cut.Find("[data-testid=start-version] input, input[data-testid=start-version]").Input("2.0.0");
        cut.Find("input[data-testid=strategy-inline]").Click();
        cut.WaitForElement("[data-testid=start-strategy-json] textarea, textarea[data-testid=start-strategy-json]")
            .Change("""{"canary":{"steps":[{"setWeight":10},{"pause":{}}]}}""");
        cut.Find("[data-testid=start-config] textarea, textarea[data-testid=start-config]").Change("FAULT_ERROR_RATE=0.5\n# comment\n\nFAULT_LATENCY_MS=20");
        cut.Find("[data-testid=start-submit]").Click();

        var navigation = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Matches("/rollouts/[0-9a-f-]{36}$", navigation.Uri));
        var id = Guid.Parse(navigation.Uri[^36..]);
        await using var db = NewDb();
        var stored = await db.Rollouts.AsNoTracking().SingleAsync(r => r.Id == id);
        Assert.Equal(("catalog", "prod", "2.0.0", "olga"), (stored.Service, stored.Environment, stored.Version, stored.CreatedBy));
        Assert.Equal(new Dictionary<string, string> { ["FAULT_ERROR_RATE"] = "0.5", ["FAULT_LATENCY_MS"] = "20" }, stored.Config);
        Assert.Equal([new SetWeightStep(10), new PauseStep(null)], stored.Strategy.Canary!.Steps);
    }

    [Fact]
    public async Task Starting_where_a_rollout_is_in_flight_says_so_and_links_to_it()
    {
        SignIn("olga", Roles.OnCall);
        var running = await StartRolloutAsync();
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=start-rollout]")));

        // The board offers no "start here" on a busy cell, so pick it the long way: a cell of the same service elsewhere, then fix the environment.
        var form = cut.FindComponent<StartRolloutForm>();
        await cut.InvokeAsync(() => form.Instance.Preset("checkout", "prod"));
        cut.Find("[data-testid=start-version] input, input[data-testid=start-version]").Input("1.2.0");
        cut.Find("[data-testid=start-submit]").Click();

        cut.WaitForAssertion(() => Assert.Contains("already in flight", cut.Find("[data-testid=start-error]").TextContent));
        Assert.Equal($"/rollouts/{running}", cut.Find("[data-testid=start-running-link]").GetAttribute("href"));
        await using var db = NewDb();
        Assert.Equal(1, await db.Rollouts.CountAsync());
    }

    [Theory]
    [InlineData("inline", "{not json", "", "The strategy is not valid JSON")]
    [InlineData("default", "", "FAULT_ERROR_RATE", "Config line 1 ('FAULT_ERROR_RATE') is not KEY=VALUE.")]
    [InlineData("default", "", "PORT=1", "'PORT' cannot be part of a revision's config: the cluster sets it itself")]
    [InlineData("default", "", "LD_PRELOAD=/tmp/x.so", "'LD_PRELOAD' cannot be part of a revision's config")]
    public async Task Bad_input_is_explained_and_nothing_starts(string strategy, string json, string config, string message)
    {
        SignIn("olga", Roles.OnCall);
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=start-rollout]")));

        Cell(cut, "catalog", "dev").QuerySelector("[data-testid=start-here]")!.Click();
        cut.Find("[data-testid=start-version] input, input[data-testid=start-version]").Input("1.1.0");
        if (strategy != "default")
        {
            cut.Find($"input[data-testid=strategy-{strategy}]").Click();
            cut.WaitForElement("[data-testid=start-strategy-json] textarea, textarea[data-testid=start-strategy-json]").Change(json);
        }
        if (config.Length > 0) cut.Find("[data-testid=start-config] textarea, textarea[data-testid=start-config]").Change(config);
        cut.Find("[data-testid=start-submit]").Click();

        cut.WaitForAssertion(() => Assert.Contains(message, cut.Find("[data-testid=start-error]").TextContent));
        await using var db = NewDb();
        Assert.Equal(0, await db.Rollouts.CountAsync());
    }

    [Fact]
    public void On_call_switches_demo_traffic_on_at_the_configured_rate_and_off_again()
    {
        SignIn("olga", Roles.OnCall);
        var cut = RenderPage();
        var target = new ServiceEnvironment("catalog", "dev");
        cut.WaitForAssertion(() => Assert.Equal("false", CellNow(cut, "catalog", "dev").QuerySelector("[data-testid=traffic-toggle]")!.GetAttribute("data-on")));

        Cell(cut, "catalog", "dev").QuerySelector("input[data-testid=traffic-toggle]")!.Change(true);

        cut.WaitForAssertion(() => Assert.Equal("true", CellNow(cut, "catalog", "dev").QuerySelector("[data-testid=traffic-toggle]")!.GetAttribute("data-on")));
        Assert.Equal(7, Traffic.LoadOf(target)!.RequestsPerSecond);
        Assert.Contains("7 rps", Cell(cut, "catalog", "dev").TextContent);

        Cell(cut, "catalog", "dev").QuerySelector("input[data-testid=traffic-toggle]")!.Change(false);
        cut.WaitForAssertion(() => Assert.Null(Traffic.LoadOf(target)));
    }

    [Fact]
    public void Switching_demo_traffic_is_refused_on_the_server_without_the_role()
    {
        var generator = new FakeTrafficGenerator();
        var viewer = new Actor("vera", new HashSet<string> { Roles.Viewer }, "t");
        var ex = Assert.Throws<AccessDeniedException>(() => DemoTraffic.Switch(generator, viewer, new ServiceEnvironment("catalog", "dev"), true, 5));
        Assert.Contains("OnCall or ReleaseManager or Admin", ex.Message);
        Assert.Empty(generator.Status());

        DemoTraffic.Switch(generator, new Actor("ada", new HashSet<string> { Roles.Admin }, "t"), new ServiceEnvironment("catalog", "dev"), true, 0);
        Assert.Equal(DemoTraffic.FallbackRequestsPerSecond, Assert.Single(generator.Status()).Load.RequestsPerSecond);
    }
}
