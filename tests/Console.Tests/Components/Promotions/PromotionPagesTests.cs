using Bunit;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor;
using OpsConsole.Console.Components.Pages.Promotions;
using OpsConsole.Console.Tests.Components.Migrations;
using OpsConsole.Console.Tests.Components.Rollouts;
using OpsConsole.Console.Tests.Promotions;
using OpsConsole.Core.Access;
using OpsConsole.Core.Config;
using OpsConsole.Core.Events;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Promotions;
using OpsConsole.Core.Releases;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Tests.Components.Promotions;

/// <summary>The pipeline board and the approvals inbox over the real promotion desk and store (no reconciler, fake cluster).</summary>
public sealed class PromotionPagesTests : RolloutComponentContext
{
    private const string Shop = "shop";
    private readonly Guid _v1, _v2;

    public PromotionPagesTests() : base(s =>
    {
        s.AddLogging();
        s.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider());
        s.AddMigrationEngine(_ => new MigrationCatalog(Path.Combine(AppContext.BaseDirectory, "migrations")));
        s.AddSingleton<MigrationBatchPageTests.RecordingQueue>();
        s.AddSingleton<IMigrationJobQueue>(sp => sp.GetRequiredService<MigrationBatchPageTests.RecordingQueue>());
        s.AddSingleton<FakeConfigSnapshots>();
        s.AddSingleton<IConfigSnapshots>(sp => sp.GetRequiredService<FakeConfigSnapshots>());
        s.AddSingleton<IFreezeCalendar>(new FakeFreezeCalendar());
        s.AddPromotions();
    })
    {
        using var db = NewDb();
        var now = DateTime.UtcNow;
        var v1 = Release("1.0.0", "aaaaaaaa11111111", "- the first cut", now.AddDays(-2));
        var v2 = Release("1.1.0", "bbbbbbbb22222222", "- faster checkout\n- fixes the coupon bug", now.AddHours(-1));
        _v1 = v1.Id;
        _v2 = v2.Id;
        db.Releases.AddRange(v1, v2);
        db.ReleaseChecks.Add(new ReleaseCheck { ReleaseId = v2.Id, Name = "unit", Passed = true, Tests = 12, ReportedBy = "ci", ReportedAt = now });
        db.PipelineStages.AddRange(
            new PipelineStage { Service = Shop, Environment = "dev", Order = 0, RequiredChecks = "unit", UpdatedAt = now },
            new PipelineStage { Service = Shop, Environment = "prod", Order = 1, RequiredChecks = "unit", RequiredApprovals = 1, UpdatedAt = now });
        foreach (var env in new[] { "dev", "prod" })
            db.DeployTargets.Add(new DeployTarget
            {
                Service = Shop, Environment = env, StableVersion = "1.0.0", StableRevision = "1.0.0", DefaultStrategyJson = Strategy, CreatedAt = now, UpdatedAt = now,
                StableConfigJson = """{"LOG_LEVEL":"info","API_KEY":"${secret:api-key@1}","OLD_FLAG":"1"}""",
            });
        db.ReleaseEnvironments.Add(new ReleaseEnvironment
        {
            ReleaseId = v2.Id, Service = Shop, Version = "1.1.0", Environment = "dev", RunningSince = now.AddMinutes(-30), HealthySince = now.AddMinutes(-30),
        });
        db.SaveChanges();
        Services.GetRequiredService<FakeConfigSnapshots>().Configs[$"{Shop}/prod"] = new()
        {
            ["LOG_LEVEL"] = "debug", ["API_KEY"] = "${secret:api-key@2}", ["NEW_FLAG"] = "on",
        };
    }

    private static Release Release(string version, string sha, string changelog, DateTime at) => new()
    {
        Service = Shop, Version = version, CommitSha = sha, Changelog = changelog, RegisteredBy = "ci", RegisteredAt = at, CommitTime = at, ContentHash = version,
    };

    private async Task<Guid> RequestProdAsync(string requester)
    {
        await using var scope = Services.CreateAsyncScope();
        var ticket = await scope.ServiceProvider.GetRequiredService<PromotionDesk>()
            .RequestAsync(new Actor(requester, new HashSet<string> { Roles.ReleaseManager }, "bunit"), Shop, "1.1.0", "prod");
        return ticket.Id;
    }

    [Fact]
    public async Task The_board_shows_stages_as_columns_and_a_waiting_promotion_with_its_gate_chips()
    {
        SignIn("vera", Roles.Viewer);
        await RequestProdAsync("alice");
        var cut = Render<PipelinesPage>();
        cut.WaitForAssertion(() => Assert.Equal(["dev", "prod"], cut.FindAll("[data-testid=stage]").Select(e => e.GetAttribute("data-environment"))));
        var prod = cut.Find("[data-testid=stage][data-environment=prod]");
        var card = prod.QuerySelector("[data-testid=release-card][data-version='1.1.0']")!;
        Assert.Equal("AwaitingApproval", card.QuerySelector("[data-testid=promotion-status]")!.GetAttribute("data-status"));
        Assert.Equal("true", card.QuerySelector("[data-gate=checks]")!.GetAttribute("data-passed"));
        var approvals = card.QuerySelector("[data-gate=approvals]")!;
        Assert.Equal("false", approvals.GetAttribute("data-passed"));
        Assert.Contains("other than the requester alice", approvals.GetAttribute("title"));
        Assert.Empty(cut.FindAll("[data-testid=promote]")); // a Viewer cannot promote
        Assert.NotNull(cut.Find("[data-testid=board-live]"));
    }

    [Fact]
    public async Task A_ReleaseManager_promotes_from_the_board_and_it_updates_live()
    {
        SignIn("rita", Roles.ReleaseManager);
        var cut = Render<PipelinesPage>();
        var dev = cut.WaitForElement("[data-testid=stage][data-environment=dev]");
        Assert.Contains("1.1.0", dev.TextContent);
        cut.Find("[data-testid=stage][data-environment=dev] [data-testid=release-card][data-version='1.1.0'] [data-testid=promote]").Click();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=stage][data-environment=prod] [data-testid=release-card][data-version='1.1.0'] [data-testid=promotion-status]")));
        await using (var db = NewDb())
            Assert.Equal("rita", (await db.Promotions.SingleAsync(p => p.Service == Shop)).RequestedBy);

        // Someone else's change arrives as an event: the board reads again.
        await using (var db = NewDb())
        {
            var p = await db.Promotions.SingleAsync(p => p.Service == Shop);
            p.Status = PromotionStatus.Cancelled;
            p.InFlightKey = null;
            await db.SaveChangesAsync();
        }
        await Services.GetRequiredService<LiveEvents>().OnEventAsync(
            new EventEnvelope(Guid.NewGuid().ToString(), EventTypes.PromotionFailed, "test", $"{Shop}/prod", DateTime.UtcNow, "x", "c", """{"data":{}}"""),
            NewDb(), CancellationToken.None);
        cut.WaitForAssertion(() => Assert.Equal("Cancelled",
            cut.Find("[data-testid=stage][data-environment=prod] [data-testid=release-card][data-version='1.1.0'] [data-testid=promotion-status]").GetAttribute("data-status")));
    }

    [Fact]
    public async Task The_inbox_shows_what_would_change_and_another_ReleaseManager_approves_after_confirming()
    {
        var id = await RequestProdAsync("alice");
        SignIn("bob", Roles.ReleaseManager);
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<ApprovalsPage>();
        var item = cut.WaitForElement($"[data-testid=inbox-item][data-promotion='{id}']");
        Assert.Equal(["1.1.0"], item.QuerySelectorAll("[data-testid=between-release]").Select(e => e.GetAttribute("data-version")));
        Assert.Contains("bbbbbbbb22222222", item.TextContent);
        Assert.Contains("fixes the coupon bug", item.TextContent);
        var lines = item.QuerySelectorAll("[data-testid=config-line]").ToDictionary(e => e.GetAttribute("data-key")!, e => e);
        Assert.Equal("Changed", lines["LOG_LEVEL"].GetAttribute("data-change"));
        Assert.Contains("info → debug", lines["LOG_LEVEL"].TextContent);
        Assert.Equal("Added", lines["NEW_FLAG"].GetAttribute("data-change"));
        Assert.Equal("Removed", lines["OLD_FLAG"].GetAttribute("data-change"));
        Assert.Contains("secret", lines["API_KEY"].TextContent);
        Assert.DoesNotContain("api-key@", item.TextContent);
        Assert.Equal("true", item.QuerySelector("[data-testid=check][data-name=unit]")!.GetAttribute("data-passed"));
        Assert.Contains("No freeze", item.QuerySelector("[data-testid=freeze]")!.TextContent);

        cut.Find("input[data-testid=comment], [data-testid=comment] input").Change("looks good");
        cut.Find("[data-testid=approve]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Approve the promotion of shop 1.1.0 to prod", dialogs.Find("[data-testid=confirm-dialog]").TextContent));
        await using (var db = NewDb())
            Assert.Empty(await db.PromotionApprovals.ToListAsync()); // nothing before the confirmation
        dialogs.Find("[data-testid=confirm-action]").Click();

        await using var check = NewDb();
        await WaitAsync(async () => await check.PromotionApprovals.AnyAsync());
        var approval = await check.PromotionApprovals.SingleAsync();
        Assert.Equal("bob", approval.By);
        Assert.Equal("looks good", approval.Comment);
    }

    [Fact]
    public async Task The_requester_sees_why_they_cannot_approve()
    {
        var id = await RequestProdAsync("alice");
        SignIn("alice", Roles.ReleaseManager);
        var cut = Render<ApprovalsPage>();
        var item = cut.WaitForElement($"[data-testid=inbox-item][data-promotion='{id}']");
        Assert.Contains("four-eyes", item.QuerySelector("[data-testid=cannot-decide]")!.TextContent);
        Assert.Null(item.QuerySelector("[data-testid=approve]"));
    }

    [Fact]
    public void An_empty_inbox_says_so()
    {
        SignIn("bob", Roles.ReleaseManager);
        var cut = Render<ApprovalsPage>();
        cut.WaitForElement("[data-testid=inbox-empty]");
    }

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new Xunit.Sdk.XunitException("The condition did not hold within 10 s.");
            await Task.Delay(50);
        }
    }
}
