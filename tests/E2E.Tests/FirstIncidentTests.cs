using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static OpsConsole.E2E.Tests.ConsolePages;

namespace OpsConsole.E2E.Tests;

/// <summary>An on-call engineer's first incident: from the alert to the runbook's button that aborts a rollout, seen on the timeline.</summary>
[Collection(DemoConsoleBrowserCollection.Name)]
public sealed class FirstIncidentTests(DemoConsoleBrowserFixture console)
{
    /// <summary>Sets 20%, then waits for a person.</summary>
    private const string PausingCanary = """{"canary":{"steps":[{"setWeight":20},{"pause":{}}]}}""";

    [Fact]
    public async Task An_oncall_user_opens_the_incident_from_an_alert_aborts_the_rollout_from_its_runbook_and_sees_it_on_the_timeline()
    {
        var alertName = "CatalogCanaryErrors" + Guid.NewGuid().ToString("N")[..8];
        var slug = "catalog-canary-" + Guid.NewGuid().ToString("N")[..8];
        string fingerprint;
        using (var api = console.AdminApi())
        {
            // A canary of catalog in staging, paused at 20% (a real deploy behind the local ingress).
            var started = await api.PostAsJsonAsync("api/v1/rollouts", new
            {
                service = "catalog", environment = "staging", version = "1.1.0", strategy = JsonDocument.Parse(PausingCanary).RootElement,
            });
            Assert.True(started.StatusCode == HttpStatusCode.Created, await started.Content.ReadAsStringAsync());
            var rolloutId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while ((await api.GetFromJsonAsync<JsonElement>($"api/v1/rollouts/{rolloutId}")).GetProperty("phase").GetString() != "Paused")
            {
                Assert.True(DateTime.UtcNow < deadline, "The canary did not reach its pause.");
                await Task.Delay(250);
            }

            // The runbook written for this alert, with a step that aborts the catalog rollout in staging.
            var runbook = await api.PostAsJsonAsync("api/v1/runbooks", new
            {
                markdown = $"---\ntitle: Catalog canary errors {slug}\nslug: {slug}\nservices: [catalog]\nalerts: ['alertname=\"{alertName}\"']\nowners: [sre]\n---\n\n" +
                           "# Catalog canary errors\n\nThe canary answers 5xx: send all traffic back to stable.\n\n" +
                           "```action\nname: rollout.abort\nservice: catalog\nenvironment: staging\ntitle: Abort the catalog rollout in staging\n```\n",
            });
            Assert.True(runbook.StatusCode == HttpStatusCode.Created, await runbook.Content.ReadAsStringAsync());

            // The alert, as a script posts it.
            var posted = await api.PostAsJsonAsync("api/v1/alerts", new
            {
                labels = new Dictionary<string, string> { ["alertname"] = alertName, ["service"] = "catalog", ["environment"] = "staging", ["severity"] = "critical" },
                annotations = new { summary = "catalog 1.1.0 answers 5xx" },
            });
            Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync());
            fingerprint = (await api.GetFromJsonAsync<JsonElement>($"api/v1/alerts?q={alertName.ToLowerInvariant()}"))[0].GetProperty("fingerprint").GetString()!;
        }

        var user = ConsoleBrowserFixture.UniqueName("ona");
        const string password = "on-call-password-1";
        await console.CreateUserAsync(user, password, "OnCall");
        await using var context = await console.NewContextAsync();
        var page = await context.NewPageAsync();
        await SignInAsync(page, user, password);

        // Alerts -> the alert -> Open incident.
        await OpenAsync(page, "alerts");
        await page.Locator($"[data-testid=alert-{fingerprint}] a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/alerts/{fingerprint}$"));
        await ExpectInteractiveAsync(page);
        await page.GetByTestId("open-incident").ClickAsync();
        await page.Locator("[data-testid=incident-opened] a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/incidents/[0-9]+$"));
        var incidentPath = new Uri(page.Url).AbsolutePath.TrimStart('/');
        await ExpectInteractiveAsync(page);

        // The runbook is attached by the alert's labels; start a run for this incident and press the step's button.
        var attached = page.Locator($"[data-testid=runbook][data-slug='{slug}']");
        await Expect(attached).ToBeVisibleAsync();
        await attached.GetByTestId("runbook-start").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/runbooks/{slug}"));
        await ExpectInteractiveAsync(page);
        await page.Locator("[data-testid^=run-step-]").First.ClickAsync();
        await Expect(page.GetByTestId("confirm-dialog")).ToBeVisibleAsync();
        await page.GetByTestId("confirm-action").ClickAsync();
        await Expect(page.Locator("[data-testid=step-block] [data-testid=step-state]").First).ToHaveTextAsync("done", new() { Timeout = 30_000 });

        // The incident's timeline shows the step and the rollback it caused.
        await OpenAsync(page, incidentPath);
        await Expect(page.Locator("[data-testid=timeline-entry][data-type='runbook.step.executed']").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator("[data-testid=timeline-entry][data-type='rollback.executed']").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await ScreenshotAsync(page, "incident-timeline.png");

        using (var api = console.AdminApi())
        {
            var service = await api.GetFromJsonAsync<JsonElement>("api/v1/services/catalog/environments/staging");
            Assert.Equal(100, service.GetProperty("stableWeight").GetInt32());
        }
    }
}
