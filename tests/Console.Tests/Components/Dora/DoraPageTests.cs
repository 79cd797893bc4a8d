using Bunit;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Components.Pages.Dora;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Dora;
using OpsConsole.Core.Events;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Tests.Components.Dora;

public sealed class DoraPageTests : ComponentContext
{
    public DoraPageTests() : base(s =>
    {
        s.AddSingleton(TimeProvider.System);
        s.AddSingleton(DoraSettings.Default);
    })
    {
    }

    private async Task StoreAsync(string type, string subject, object data, DateTime at)
    {
        await using var db = NewDb();
        var row = Services.GetRequiredService<EventOutbox>().Add(db, new Actor("ci", new HashSet<string>(), "bunit"), type, subject, data);
        row.Time = at;
        await db.SaveChangesAsync();
    }

    private async Task TargetsAsync(params string[] services)
    {
        await using var db = NewDb();
        foreach (var s in services)
            db.DeployTargets.Add(new DeployTarget { Service = s, Environment = "prod", DefaultStrategyJson = "{}", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task The_page_shows_the_four_figures_with_their_bands_and_a_row_per_service()
    {
        SignIn("vera", Roles.Viewer);
        await TargetsAsync("checkout", "payments");
        var now = DateTime.UtcNow;
        await StoreAsync(EventTypes.DeployCompleted, "checkout/prod", new { service = "checkout", environment = "prod", version = "2.0.0", outcome = "Healthy" }, now.AddDays(-3));
        await StoreAsync(EventTypes.DeployCompleted, "checkout/prod", new { service = "checkout", environment = "prod", version = "2.0.1", outcome = "Healthy" }, now.AddDays(-2));
        await StoreAsync(EventTypes.RollbackExecuted, "payments/prod", new { rolloutId = "r1", service = "payments", environment = "prod", version = "3.0.0" }, now.AddDays(-1));
        await StoreAsync(EventTypes.DeployCompleted, "payments/prod", new { rolloutId = "r1", service = "payments", environment = "prod", version = "3.0.0", outcome = "Aborted" }, now.AddDays(-1));

        var cut = Render<DoraPage>();

        cut.WaitForAssertion(() => Assert.Equal(["checkout", "payments"], cut.FindAll("[data-testid=service-row]").Select(r => r.GetAttribute("data-service"))));
        Assert.Equal("33.3 %", cut.Find("[data-testid=figure-change-failure] [data-testid=figure-value]").TextContent);
        Assert.Equal("Low", cut.Find("[data-testid=figure-change-failure] [data-testid=figure-band]").TextContent.Trim());
        Assert.Equal("0.5 / week", cut.Find("[data-testid=figure-frequency] [data-testid=figure-value]").TextContent);
        Assert.Equal("Medium", cut.Find("[data-testid=figure-frequency] [data-testid=figure-band]").TextContent.Trim());
        Assert.Equal("—", cut.Find("[data-testid=figure-recovery] [data-testid=figure-value]").TextContent);
        Assert.Equal(3, cut.FindAll("[data-testid=deployment-row]").Count);
        Assert.NotEmpty(cut.FindAll("[data-testid=chart-deploys] svg"));
        Assert.NotNull(cut.Find("[data-testid=dora-live]"));
    }

    [Fact]
    public async Task A_service_in_the_query_shows_that_service_alone_and_a_new_deploy_appears_live()
    {
        SignIn("vera", Roles.Viewer);
        await TargetsAsync("checkout", "payments");
        var now = DateTime.UtcNow;
        await StoreAsync(EventTypes.DeployCompleted, "checkout/prod", new { service = "checkout", environment = "prod", version = "2.0.0", outcome = "Healthy" }, now.AddDays(-3));

        var navigation = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        navigation.NavigateTo("/dora?service=payments&days=7");
        var cut = Render<DoraPage>();
        cut.WaitForAssertion(() => Assert.Equal(["payments"], cut.FindAll("[data-testid=service-row]").Select(r => r.GetAttribute("data-service"))));
        Assert.Empty(cut.FindAll("[data-testid=deployment-row]"));

        await StoreAsync(EventTypes.DeployCompleted, "payments/prod", new { service = "payments", environment = "prod", version = "3.1.0", outcome = "Healthy" }, now);
        await using (var db = NewDb())
        {
            var newest = db.OutboxEvents.OrderBy(e => e.Position).ToList().Last();
            await Services.GetRequiredService<LiveEvents>().OnEventAsync(EventEnvelope.From(newest), db, CancellationToken.None);
        }
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=deployment-row]")));
        Assert.Contains("1 healthy prod deploys", cut.Find("[data-testid=figure-frequency]").TextContent);
    }
}
