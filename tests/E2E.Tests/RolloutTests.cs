using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static OpsConsole.E2E.Tests.ConsolePages;

namespace OpsConsole.E2E.Tests;

[Collection(DemoConsoleBrowserCollection.Name)]
public sealed class RolloutTests(DemoConsoleBrowserFixture console)
{
    /// <summary>Sets 20%, then waits for a person; then 60%, and waits again.</summary>
    private const string PausingCanary = """{"canary":{"steps":[{"setWeight":20},{"pause":{}},{"setWeight":60},{"pause":{}}]}}""";

    /// <summary>Deploying a new revision starts a real process and waits for its health check.</summary>
    private static readonly LocatorAssertionsToHaveAttributeOptions RealDeploy = new() { Timeout = 60_000 };

    [Fact]
    public async Task A_canary_started_in_the_browser_shifts_traffic_live_and_an_abort_sends_it_all_back_to_stable()
    {
        await using var context = await console.NewContextAsync();
        var page = await context.NewPageAsync();
        await SignInAsync(page, ConsoleBrowserFixture.AdminUserName, ConsoleBrowserFixture.AdminPassword);
        await OpenAsync(page, "rollouts");
        await Expect(page.GetByTestId("board-live")).ToBeVisibleAsync();
        var cell = page.Locator("[data-testid=board-cell][data-service=checkout][data-environment=dev]");
        await Expect(cell.GetByTestId("stable-version")).ToHaveTextAsync("1.0.0");
        await Expect(cell.GetByTestId("traffic-toggle")).ToHaveAttributeAsync("data-on", "true");

        // The form, as a person fills it in.
        await ChooseAsync(page, "start-service", "checkout");
        await ChooseAsync(page, "start-environment", "dev");
        await FillFieldAsync(page, "start-version", "1.1.0");
        await page.GetByText("inline JSON").ClickAsync();
        var json = page.Locator("textarea[data-testid=start-strategy-json], [data-testid=start-strategy-json] textarea");
        await json.FillAsync(PausingCanary);
        await json.BlurAsync();
        await page.GetByTestId("start-submit").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/rollouts/[0-9a-f-]{36}$"));
        await ExpectInteractiveAsync(page);
        await Expect(page.GetByTestId("rollout-live")).ToBeVisibleAsync();
        var rolloutId = page.Url[^36..];
        await Expect(page.GetByTestId("rollout-strategy")).ToHaveTextAsync("canary");
        await Expect(page.GetByTestId("version-from")).ToHaveTextAsync("1.0.0");
        await Expect(page.GetByTestId("version-to")).ToHaveTextAsync("1.1.0");

        // From here on the page is never reloaded: a marker on the window would not survive one.
        await page.EvaluateAsync("() => { window.e2eMarker = 'still-here'; }");
        var url = page.Url;

        var bar = page.GetByTestId("traffic-bar");
        await Expect(bar).ToHaveAttributeAsync("data-canary-weight", "20", RealDeploy);
        await Expect(bar).ToHaveAttributeAsync("data-stable-weight", "80");
        await Expect(page.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "Paused");
        await Expect(page.Locator("[data-testid=step][data-index='1']")).ToHaveAttributeAsync("data-state", "waiting");
        await Expect(page.Locator("[data-testid=revision-row][data-revision='1.1.0'] [data-testid=instance]").First).ToHaveAttributeAsync("data-state", "Healthy");
        await ScreenshotAsync(page, "rollout-detail-canary.png");

        // The ingress splits real traffic the same way.
        using (var api = console.AdminApi())
        {
            var service = await api.GetFromJsonAsync<JsonElement>("api/v1/services/checkout/environments/dev");
            Assert.Equal(80, service.GetProperty("weights").GetProperty("1.0.0").GetInt32());
            Assert.Equal(20, service.GetProperty("weights").GetProperty("1.1.0").GetInt32());
        }

        await page.GetByTestId("action-abort").ClickAsync();
        await Expect(page.GetByTestId("confirm-dialog")).ToContainTextAsync("Send 100% of checkout/dev back to 1.0.0");
        await page.GetByTestId("confirm-action").ClickAsync();

        await Expect(page.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "Aborted");
        await Expect(bar).ToHaveAttributeAsync("data-stable-weight", "100");
        await Expect(bar).ToHaveAttributeAsync("data-canary-weight", "0");
        await Expect(page.GetByTestId("abort-reason")).ToContainTextAsync("aborted by admin");
        await Expect(page.Locator("[data-testid=rollout-event][data-event-type='rollback.executed']")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("action-retry")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "rollout-detail-aborted.png");
        Assert.Equal(url, page.Url);
        Assert.Equal("still-here", await page.EvaluateAsync<string>("() => window.e2eMarker"));

        using (var api = console.AdminApi())
        {
            var service = await api.GetFromJsonAsync<JsonElement>($"api/v1/services/checkout/environments/dev");
            Assert.Equal(100, service.GetProperty("stableWeight").GetInt32());
            var rollout = await api.GetFromJsonAsync<JsonElement>($"api/v1/rollouts/{rolloutId}");
            Assert.Equal("Aborted", rollout.GetProperty("phase").GetString());
        }

        // Back on the board (no reload either), the rollout is listed as aborted and checkout/dev is free again.
        await page.GetByText("← Rollouts").ClickAsync();
        await Expect(page.Locator($"[data-testid=recent-rollout][data-rollout-id='{rolloutId}'] [data-testid=recent-phase]"))
            .ToHaveAttributeAsync("data-phase", "Aborted");
        await Expect(cell).ToHaveAttributeAsync("data-active-phase", "");
        Assert.Equal("still-here", await page.EvaluateAsync<string>("() => window.e2eMarker"));
        await ScreenshotAsync(page, "rollouts-board.png");
    }

    [Fact]
    public async Task A_canary_with_half_its_requests_failing_is_rolled_back_on_its_own_with_the_failing_measurements_shown()
    {
        await using var context = await console.NewContextAsync();
        var page = await context.NewPageAsync();
        await StartCheckoutInStagingAsync(page, "1.2.0", "FAULT_ERROR_RATE=0.5");
        await Expect(page.GetByTestId("rollout-live")).ToBeVisibleAsync();
        await page.EvaluateAsync("() => { window.e2eMarker = 'still-here'; }");

        // Nobody acts: the analysis measures the canary's error rate and the console rolls it back.
        await Expect(page.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "Aborted", RealDeploy);
        await Expect(page.GetByTestId("abort-reason")).ToContainTextAsync("Analysis error-rate failed");
        var bar = page.GetByTestId("traffic-bar");
        await Expect(bar).ToHaveAttributeAsync("data-stable-weight", "100");
        await Expect(bar).ToHaveAttributeAsync("data-canary-weight", "0");
        var run = page.Locator("[data-testid=analysis-run][data-phase=Failed]");
        await Expect(run).ToHaveCountAsync(1);
        var chart = run.Locator("[data-testid=metric-chart][data-metric=error-rate]");
        await Expect(chart.GetByTestId("success-condition")).ToContainTextAsync("result <= 0.05");
        await Expect(chart.Locator("[data-testid=threshold]")).ToHaveAttributeAsync("data-value", "0.05");
        var failed = chart.Locator("[data-testid=measurement-point][data-phase=Failed]");
        await Expect(failed.First).ToHaveAttributeAsync("fill", "#d32f2f");
        var value = double.Parse((await failed.First.GetAttributeAsync("data-value"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(value > 0.05, $"A failed measurement of {value} is within the threshold.");
        await Expect(page.Locator("[data-testid=rollout-event][data-event-type='analysis.failed']")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-testid=rollout-event][data-event-type='rollback.executed']")).ToHaveCountAsync(1);
        Assert.Equal("still-here", await page.EvaluateAsync<string>("() => window.e2eMarker"));
        await ScreenshotAsync(page, "rollout-detail-rolled-back.png");
    }

    /// <summary>
    /// The statistical judge's "done when": checkout 1.3.0 with 30 ms of injected latency passes the
    /// demo canary's threshold steps (no errors, far under any limit), then the judge compares it with
    /// a baseline of stable, fails it, and the verdict page says why.
    /// </summary>
    [Fact]
    public async Task A_canary_30ms_slower_passes_the_thresholds_but_the_judge_rolls_it_back_and_its_verdict_page_says_why()
    {
        await using var context = await console.NewContextAsync();
        var page = await context.NewPageAsync();
        await StartCheckoutInStagingAsync(page, "1.3.0", "FAULT_LATENCY_MS=30");

        // The threshold steps pass; the judged step fails it (the demo canary: 20%, error rate, 50%, error rate, judge).
        await Expect(page.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "Aborted", new() { Timeout = 150_000 });
        await Expect(page.GetByTestId("abort-reason")).ToContainTextAsync("Judge 'judge' failed");
        await Expect(page.Locator("[data-testid=analysis-run][data-phase=Successful]")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("traffic-bar")).ToHaveAttributeAsync("data-stable-weight", "100");

        await page.GetByTestId("verdict-link").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/rollouts/[0-9a-f-]{36}/verdicts/[0-9a-f-]{36}$"));
        await ExpectInteractiveAsync(page);
        await Expect(page.GetByTestId("verdict-header")).ToHaveAttributeAsync("data-outcome", "Fail");
        var latency = page.Locator("[data-testid=verdict-metric][data-metric=latency]");
        await Expect(latency).ToHaveAttributeAsync("data-class", "High");
        await Expect(latency.GetByTestId("verdict-sentence")).ToContainTextAsync("higher than the baseline");
        await Expect(latency.GetByTestId("verdict-test")).ToContainTextAsync("Mann-Whitney");
        await Expect(latency.Locator("[data-testid=box][data-series=canary]")).ToHaveCountAsync(1);
        var shift = await latency.GetByTestId("verdict-effect").TextContentAsync();
        Assert.True(double.Parse(shift!.Split(' ')[0].TrimStart('+'), System.Globalization.CultureInfo.InvariantCulture) > 20, $"shift {shift}");
        await ScreenshotAsync(page, "judge-verdict.png");
    }

    /// <summary>
    /// Signs in as the admin and starts checkout in staging from "Start here" on the rollouts board
    /// (the target's default strategy, the demo canary, runs) with <paramref name="config"/>; returns on the live rollout page.
    /// </summary>
    private static async Task StartCheckoutInStagingAsync(IPage page, string version, string config)
    {
        await SignInAsync(page, ConsoleBrowserFixture.AdminUserName, ConsoleBrowserFixture.AdminPassword);
        await OpenAsync(page, "rollouts");
        await page.Locator("[data-testid=board-cell][data-service=checkout][data-environment=staging]").GetByTestId("start-here").ClickAsync();
        await Expect(page.GetByTestId("start-service")).ToHaveTextAsync("checkout");
        await Expect(page.GetByTestId("start-environment")).ToHaveTextAsync("staging");
        await FillFieldAsync(page, "start-version", version);
        var field = page.Locator("textarea[data-testid=start-config], [data-testid=start-config] textarea");
        await field.FillAsync(config);
        await field.BlurAsync();
        await page.GetByTestId("start-submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/rollouts/[0-9a-f-]{36}$"));
        await ExpectInteractiveAsync(page);
    }

    /// <summary>Picks an option of a MudSelect: open it, click the option, and wait for the field to show it.</summary>
    private static async Task ChooseAsync(IPage page, string testId, string option)
    {
        // Empty, the select is a read-only input; once chosen, MudBlazor shows the choice in an element
        // that carries the test id (and the combobox role) instead.
        var field = page.GetByTestId(testId);
        await field.ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true }).ClickAsync();
        await Expect(field).ToHaveTextAsync(option);
    }
}
