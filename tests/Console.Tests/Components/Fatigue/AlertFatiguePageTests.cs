using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Components.Pages.Fatigue;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Fatigue;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Console.Tests.Components.Fatigue;

public sealed class AlertFatiguePageTests : ComponentContext
{
    public AlertFatiguePageTests() : base(s =>
    {
        s.AddSingleton(TimeProvider.System);
        s.AddSingleton(FatigueSettings.Default);
    })
    {
    }

    private async Task SeedAsync()
    {
        await using var db = NewDb();
        var start = DateTime.UtcNow.AddDays(-40).ToString("yyyy-MM-dd");
        db.OnCallSchedules.Add(new OnCallSchedule { Name = "Primary", UpdatedBy = "t", Layers = [new RotationLayer { Users = ["admin"], RotationLength = 7, StartDate = start }] });
        db.OnCallSchedules.Add(new OnCallSchedule { Name = "Quiet", UpdatedBy = "t", Layers = [new RotationLayer { Users = ["vera"], RotationLength = 7, StartDate = start }] });
        db.EscalationPolicies.Add(new EscalationPolicy { Name = FatigueDemoHistory.Policy, UpdatedBy = "t", Levels = [new EscalationLevel([new EscalationTarget(EscalationTargetKind.Schedule, "Primary")], 5)] });
        await db.SaveChangesAsync();
        await FatigueDemoHistory.EnsureAsync(db, DateTime.UtcNow);
    }

    [Fact]
    public async Task The_page_shows_the_score_with_its_thresholds_the_charts_the_rules_and_the_recommendations()
    {
        SignIn("vera", Roles.Viewer);
        await SeedAsync();

        var cut = Render<AlertFatiguePage>();

        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=threshold-row]").Count));
        Assert.Equal(["pages-per-shift", "out-of-hours", "ack-p90", "self-resolving"], cut.FindAll("[data-testid=threshold-row]").Select(r => r.GetAttribute("data-key")));
        Assert.InRange(int.Parse(cut.Find("[data-testid=score-value]").TextContent.Trim()), 0, 100);
        Assert.Equal("DiskAlmostFull", cut.FindAll("[data-testid=rule-row]")[0].GetAttribute("data-rule"));
        Assert.Contains(cut.FindAll("[data-testid=recommendation-row]"), r => r.GetAttribute("data-rule") == "CertificateExpiresSoon" && r.GetAttribute("data-kind") == "ticket");
        Assert.NotEmpty(cut.FindAll("[data-testid=chart-pages] svg"));
        Assert.NotEmpty(cut.FindAll("[data-testid=chart-out-of-hours] svg"));
        Assert.NotEmpty(cut.FindAll("[data-testid=chart-rules] svg"));
        Assert.Contains("Renewed 3 times", cut.Find("[data-testid=fatigue-silences]").TextContent);
        Assert.Equal(6, cut.FindAll("[data-testid=fatigue-duplicates] a").Count);
        Assert.StartsWith("/api/v1/alert-fatigue?format=markdown&from=", cut.Find("[data-testid=fatigue-download-markdown]").GetAttribute("href"));
        Assert.StartsWith("/api/v1/alert-fatigue?format=csv", cut.Find("[data-testid=fatigue-download-csv]").GetAttribute("href"));
        Assert.NotNull(cut.Find("[data-testid=fatigue-live]"));
    }

    [Fact]
    public async Task A_schedule_in_the_query_is_assessed_alone_and_an_unknown_one_is_named()
    {
        SignIn("vera", Roles.Viewer);
        await SeedAsync();
        var navigation = Services.GetRequiredService<NavigationManager>();

        navigation.NavigateTo("/alert-fatigue?schedule=Quiet&days=7");
        var cut = Render<AlertFatiguePage>();
        cut.WaitForAssertion(() => Assert.Equal("0", cut.Find("[data-testid=figure-pages] [data-testid=figure-value]").TextContent.Trim()));
        Assert.Equal("100", cut.Find("[data-testid=score-value]").TextContent.Trim());
        Assert.NotNull(cut.Find("[data-testid=no-recommendations]"));
        Assert.Contains("schedule=Quiet", cut.Find("[data-testid=fatigue-download-markdown]").GetAttribute("href"));

        navigation.NavigateTo("/alert-fatigue?schedule=Gone");
        var gone = Render<AlertFatiguePage>();
        gone.WaitForAssertion(() => Assert.Contains("no on-call schedule named 'Gone'", gone.Find("[data-testid=fatigue-error]").TextContent));
    }
}
