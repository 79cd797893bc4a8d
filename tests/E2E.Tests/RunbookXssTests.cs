using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static OpsConsole.E2E.Tests.ConsolePages;

namespace OpsConsole.E2E.Tests;

/// <summary>
/// A runbook made of the XSS corpus (every payload tries to set window.__xss), rendered in Chromium:
/// on its console page (under the CSP) and, stricter, the API's sanitised HTML on a blank page with no
/// CSP at all. No payload may run, whatever the pointer or focus does.
/// </summary>
[Collection(ConsoleBrowserCollection.Name)]
public sealed class RunbookXssTests(ConsoleBrowserFixture console)
{
    private static readonly string Corpus = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "runbook-xss-corpus.md"));

    private async Task<string> EnsureCorpusRunbookAsync()
    {
        using var api = console.AdminApi();
        var response = await api.PostAsJsonAsync("/api/v1/runbooks", new { markdown = Corpus });
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, await response.Content.ReadAsStringAsync());
        var runbook = await api.GetFromJsonAsync<JsonElement>("/api/v1/runbooks/xss-corpus");
        return runbook.GetProperty("html").GetString()!;
    }

    /// <summary>Hovers, focuses and toggles every element (handlers that survived would fire), then waits for late timers and loads.</summary>
    private static async Task PokeEverythingAsync(IPage page)
    {
        await page.EvaluateAsync("""
            () => {
              for (const el of document.querySelectorAll('body *')) {
                for (const type of ['mouseover', 'mouseenter', 'focus', 'focusin', 'toggle', 'animationstart', 'load', 'error']) {
                  el.dispatchEvent(new Event(type, { bubbles: true }));
                }
                if (el.tagName === 'DETAILS') el.open = !el.open;
              }
            }
            """);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.WaitForTimeoutAsync(500); // payloads scheduled by the page itself (none should exist) would have run by now
    }

    [Fact]
    public async Task The_corpus_runbook_page_runs_no_payload()
    {
        await EnsureCorpusRunbookAsync();
        await using var context = await console.NewContextAsync();
        var page = await context.NewPageAsync();
        var dialogs = 0;
        page.Dialog += (_, d) => { dialogs++; _ = d.DismissAsync(); };
        await SignInAsync(page, ConsoleBrowserFixture.AdminUserName, ConsoleBrowserFixture.AdminPassword);
        await page.GotoAsync("runbooks/xss-corpus");
        await ExpectInteractiveAsync(page);
        await Expect(page.GetByTestId("runbook-title")).ToHaveTextAsync("XSS corpus");
        await Expect(page.GetByTestId("runbook-body").Locator("table")).ToHaveCountAsync(2);
        await PokeEverythingAsync(page);

        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"), "a payload ran: " + await page.EvaluateAsync<string>("() => String(window.__xss)"));
        Assert.Equal(0, dialogs);
        Assert.Equal(0, await page.Locator("[data-testid=runbook-body] script, [data-testid=runbook-body] iframe, [data-testid=runbook-body] form, [data-testid=runbook-body] [style]").CountAsync());
        Assert.EndsWith("/runbooks/xss-corpus", page.Url, StringComparison.Ordinal); // no meta refresh or base took the page away
    }

    [Fact]
    public async Task The_sanitised_html_runs_no_payload_even_on_a_page_without_a_CSP()
    {
        var html = await EnsureCorpusRunbookAsync();
        await using var context = await console.Browser.NewContextAsync();
        // The detector works: the same kind of payload, unsanitised, does set window.__xss.
        var control = await context.NewPageAsync();
        await control.SetContentAsync("<img src=x onerror=\"window.__xss='control'\">");
        await control.WaitForFunctionAsync("() => window.__xss === 'control'");

        var page = await context.NewPageAsync();
        await page.SetContentAsync($"<!doctype html><html><head><title>corpus</title></head><body>{html}</body></html>");
        await PokeEverythingAsync(page);
        foreach (var link in await page.Locator("a[href]").AllAsync())
        {
            var href = (await link.GetAttributeAsync("href"))!.Trim();
            Assert.True(href.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || href.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || !href.Contains(':'),
                $"a link to {href} survived");
        }
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"), "a payload ran: " + await page.EvaluateAsync<string>("() => String(window.__xss)"));
        Assert.Equal("corpus", await page.TitleAsync());
    }
}
