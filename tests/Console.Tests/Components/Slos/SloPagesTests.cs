using System.Text.Json;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Components.Pages.Slos;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Metrics;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Slo;
using OpsConsole.Tests.Shared;

namespace OpsConsole.Console.Tests.Components.Slos;

/// <summary>The SLO list and detail pages over a real store, the real SLO services and a fake metric history.</summary>
public sealed class SloPagesTests : ComponentContext
{
    private static readonly Actor Manager = new("rita", new HashSet<string> { Roles.ReleaseManager }, "bunit");
    private static readonly ServiceEnvironment Prod = new("checkout", "prod");
    private static readonly StoppedClock Clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private readonly SloFakeHistory _history;
    private readonly long _sloId;

    public SloPagesTests() : this(new SloFakeHistory()) { }

    private SloPagesTests(SloFakeHistory history) : base(s =>
    {
        s.AddSingleton<TimeProvider>(Clock);
        s.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext());
        s.AddSingleton<IMetricHistory>(history);
        s.AddSlos();
    })
    {
        _history = history;
        using (var db = NewDb())
        {
            foreach (var env in new[] { "staging", "prod" })
                db.DeployTargets.Add(new DeployTarget { Service = "checkout", Environment = env, DefaultStrategyJson = "{}" });
            db.SaveChanges();
        }
        // A clean day but for its last hour at 1.2% errors (12×): half of the day's 0.1% budget spent.
        _history.Add(Prod, Clock.GetUtcNow() - TimeSpan.FromDays(1), TimeSpan.FromHours(23), 1000, 0);
        _history.Add(Prod, Clock.GetUtcNow() - TimeSpan.FromHours(1), TimeSpan.FromHours(1), 1000, 0.012);
        _sloId = Catalog(c => c.CreateAsync(Manager, new SloRequest("checkout", "prod", "availability", 0.999, 1))).Id;
    }

    private T Catalog<T>(Func<SloCatalog, Task<T>> work)
    {
        using var scope = Services.CreateScope();
        return work(scope.ServiceProvider.GetRequiredService<SloCatalog>()).GetAwaiter().GetResult();
    }

    [Fact]
    public void The_list_shows_budget_left_and_current_burn_and_a_viewer_gets_no_create_or_delete()
    {
        SignIn("vera", Roles.Viewer);
        var cut = Render<SlosPage>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=slo-link]")));
        Assert.Equal($"/slos/{_sloId}", cut.Find("[data-testid=slo-link]").GetAttribute("href"));
        Assert.Contains("availability 99.9%", cut.Find("[data-testid=slo-link]").TextContent, StringComparison.Ordinal);
        Assert.Equal("50%", cut.Find("[data-testid=slo-budget]").TextContent.Trim());
        Assert.Equal("12×", cut.Find("[data-testid=slo-burn-1h]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=new-slo]"));
        Assert.Empty(cut.FindAll("[data-testid=delete-slo]"));
        Assert.NotNull(cut.Find("[data-testid=slos-live]"));
    }

    [Fact]
    public void A_release_manager_creates_an_slo_from_the_form_and_the_list_follows_changes_live()
    {
        SignIn("rita", Roles.ReleaseManager);
        var cut = Render<SlosPage>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=slo-link]")));
        cut.Find("[data-testid=new-slo]").Click();
        // The form opens on the first target (checkout/prod), availability at 99.9% over 30 days.
        cut.WaitForElement("[data-testid=create-slo]").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=slo-link]").Count));
        using (var db = NewDb())
            Assert.Equal(2, db.Slos.Count(s => s.Service == "checkout" && s.Environment == "prod"));

        // Created elsewhere (the API): the page is told and reads again.
        Catalog(c => c.CreateAsync(Manager, new SloRequest("checkout", "staging", "latency", 0.99, LatencyMs: 250)));
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=slo-link]").Count));
        Assert.Contains(cut.FindAll("[data-testid=slo-link]"), a => a.TextContent.Contains("latency < 250 ms at 99%", StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_input_from_the_form_shows_the_reason_and_saves_nothing()
    {
        SignIn("rita", Roles.ReleaseManager);
        var cut = Render<SlosPage>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=slo-link]")));
        cut.Find("[data-testid=new-slo]").Click();
        cut.Find("[data-testid=slo-objective] input, input[data-testid=slo-objective]").Change("99.9");
        cut.Find("[data-testid=create-slo]").Click();
        cut.WaitForAssertion(() => Assert.Contains("above 0.5 and below 1", cut.Find("[data-testid=action-error]").TextContent, StringComparison.Ordinal));
        using var db = NewDb();
        Assert.Equal(1, db.Slos.Count());
    }

    [Fact]
    public void The_detail_shows_the_budget_the_burn_per_window_the_burn_down_chart_and_the_firing_alerts_live()
    {
        SignIn("vera", Roles.Viewer);
        var cut = Render<SloDetailPage>(p => p.Add(x => x.Id, _sloId));
        cut.WaitForAssertion(() => Assert.Contains("checkout/prod · availability 99.9%", cut.Find("[data-testid=slo-title]").TextContent, StringComparison.Ordinal));
        Assert.Equal("50%", cut.Find("[data-testid=slo-budget-value]").TextContent.Trim());
        var burns = cut.FindAll("[data-testid=burn-rate]").ToDictionary(b => b.GetAttribute("data-window")!, b => b.TextContent);
        Assert.Equal(["5m", "30m", "1h", "6h", "3d"], burns.Keys);
        Assert.Contains("12×", burns["5m"], StringComparison.Ordinal);
        Assert.NotEmpty(cut.Find("[data-testid=slo-burn-down]").QuerySelectorAll("svg"));
        Assert.NotNull(cut.Find("[data-testid=no-alerts]"));

        // The evaluator raises the fast-burn alert: the page shows it once told.
        using (var db = NewDb())
        {
            var labels = new Dictionary<string, string>
            {
                ["alertname"] = SloAlerts.BurnRate, ["service"] = "checkout", ["environment"] = "prod", ["slo"] = _sloId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["rule"] = "fast-burn", ["severity"] = "page",
            };
            var labelsJson = JsonSerializer.Serialize(labels);
            db.Alerts.Add(new StoredAlert
            {
                Fingerprint = AlertFingerprint.Compute(labels), Name = SloAlerts.BurnRate, Service = "checkout", Environment = "prod", LabelsJson = labelsJson,
                AnnotationsJson = JsonSerializer.Serialize(new Dictionary<string, string> { ["summary"] = "burning 20× over 1h and 5m" }),
                Status = AlertStatus.Firing, StartsAt = DateTime.UtcNow, Source = SloBurnEvaluator.Source, RawJson = "{}", SearchText = labelsJson,
            });
            db.SaveChanges();
        }
        Services.GetRequiredService<SloUpdates>().Publish(_sloId);
        cut.WaitForAssertion(() => Assert.Equal("fast-burn", cut.Find("[data-testid=slo-alert]").GetAttribute("data-rule")));
        Assert.Contains("burning 20× over 1h and 5m", cut.Find("[data-testid=slo-alert]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_slo_says_so()
    {
        SignIn("vera", Roles.Viewer);
        var cut = Render<SloDetailPage>(p => p.Add(x => x.Id, 9999L));
        cut.WaitForAssertion(() => Assert.Contains("SLO 9999", cut.Find("[data-testid=action-error]").TextContent, StringComparison.Ordinal));
    }
}

/// <summary>A clock that stands still, so the windows the pages read are exact.</summary>
internal sealed class StoppedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
