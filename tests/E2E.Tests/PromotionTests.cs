using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpsConsole.Core.Access;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Promotions;
using OpsConsole.Core.Releases;
using static Microsoft.Playwright.Assertions;
using static OpsConsole.E2E.Tests.ConsolePages;

namespace OpsConsole.E2E.Tests;

[Collection(DemoConsoleBrowserCollection.Name)]
public sealed class PromotionTests(DemoConsoleBrowserFixture console)
{
    /// <summary>A promotion's rollout deploys a real workload process and runs the demo canary's analysis.</summary>
    private static readonly LocatorAssertionsToHaveAttributeOptions RealDeploy = new() { Timeout = 120_000 };

    [Fact]
    public async Task A_ReleaseManager_approves_in_the_inbox_and_the_pipeline_board_shows_the_rollout_live()
    {
        // payments/dev: a stage that needs one approval and nothing else; a new release; a pipeline's request.
        var version = $"1.4.{Random.Shared.Next(100, 999)}";
        await using (var scope = console.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
            var now = DateTime.UtcNow;
            var stage = await db.PipelineStages.FirstOrDefaultAsync(s => s.Service == "payments" && s.Environment == "dev");
            if (stage is null)
            {
                stage = new PipelineStage { Service = "payments", Environment = "dev", Order = 0 };
                db.PipelineStages.Add(stage);
            }
            stage.RequiredChecks = "";
            stage.SoakMinutes = 0;
            stage.RequiredApprovals = 1;
            stage.UpdatedAt = now;
            db.Releases.Add(new Release
            {
                Service = "payments", Version = version, CommitSha = "e2e0000000000000000000000000000000000001", CommitTime = now.AddMinutes(-20),
                Changelog = "- refunds are faster", RegisteredBy = "e2e-pipeline", RegisteredAt = now, ContentHash = version,
            });
            await db.SaveChangesAsync();
        }
        Guid id;
        await using (var scope = console.Services.CreateAsyncScope())
        {
            var pipeline = new Actor("e2e-pipeline", new HashSet<string> { TokenScopes.Ci }, "e2e");
            id = (await scope.ServiceProvider.GetRequiredService<PromotionDesk>().RequestAsync(pipeline, "payments", version, "dev")).Id;
        }

        await using var context = await console.NewContextAsync();
        var board = await context.NewPageAsync();
        await SignInAsync(board, ConsoleBrowserFixture.AdminUserName, ConsoleBrowserFixture.AdminPassword);
        await OpenAsync(board, "pipelines/payments");
        await Expect(board.GetByTestId("board-live")).ToBeVisibleAsync();
        var card = board.Locator($"[data-testid=stage][data-environment=dev] [data-testid=release-card][data-version='{version}'][data-kind=promotion]");
        await Expect(card.GetByTestId("promotion-status")).ToHaveAttributeAsync("data-status", "AwaitingApproval");
        await Expect(card.Locator("[data-gate=approvals]")).ToHaveAttributeAsync("data-passed", "false");
        await board.EvaluateAsync("() => { window.e2eMarker = 'still-here'; }");

        // In another tab, the inbox: approve with a comment, after confirming.
        var inbox = await context.NewPageAsync();
        await OpenAsync(inbox, "approvals");
        var item = inbox.Locator($"[data-testid=inbox-item][data-promotion='{id}']");
        await Expect(item).ToContainTextAsync("refunds are faster");
        var comment = item.Locator("input[data-testid=comment], [data-testid=comment] input");
        await comment.FillAsync("checked the refunds dashboard");
        await comment.BlurAsync();
        await item.GetByTestId("approve").ClickAsync();
        await Expect(inbox.GetByTestId("confirm-dialog")).ToContainTextAsync($"payments {version} to dev");
        await inbox.GetByTestId("confirm-action").ClickAsync();
        await Expect(item).ToHaveCountAsync(0);

        // The board, never reloaded, follows the promotion: deploying with its rollout, then the release runs in dev.
        await Expect(card.GetByTestId("promotion-status")).ToHaveAttributeAsync("data-status", "Deploying", RealDeploy);
        await Expect(card.GetByTestId("rollout-link")).ToBeVisibleAsync();
        await ScreenshotAsync(board, "pipeline-board-deploying.png");
        var running = board.Locator($"[data-testid=stage][data-environment=dev] [data-testid=release-card][data-version='{version}'][data-kind=running]");
        await Expect(running).ToHaveCountAsync(1, new LocatorAssertionsToHaveCountOptions { Timeout = 120_000 });
        Assert.Equal("still-here", await board.EvaluateAsync<string>("() => window.e2eMarker"));
        await ScreenshotAsync(board, "pipeline-board.png");

        using var api = console.AdminApi();
        var promotion = await api.GetFromJsonAsync<JsonElement>($"api/v1/promotions/{id}");
        Assert.Equal("Succeeded", promotion.GetProperty("status").GetString());
        Assert.Equal("admin", promotion.GetProperty("approvals")[0].GetProperty("by").GetString());
    }
}
