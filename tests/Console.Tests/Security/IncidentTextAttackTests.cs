using System.Net;
using System.Net.Http.Json;
using AngleSharp.Html.Parser;
using Markdig;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Security;

/// <summary>
/// Incident titles and notes are typed by people (and alert summaries come from outside): hostile
/// HTML in them must reach every page and the postmortem as text, and hostile service names are
/// refused without saving anything.
/// </summary>
public sealed class IncidentTextAttackTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    private static readonly string[] Payloads =
    [
        "<script>alert('t')</script>",
        "<img src=x onerror=alert('i')>",
        "<a href=\"javascript:alert('a')\">click</a>",
        "\"><svg onload=alert('s')>",
    ];

    [Fact]
    public async Task Hostile_html_in_a_title_and_notes_renders_as_text_on_the_pages_and_in_the_postmortem()
    {
        using var admin = factory.CreateAdminClient();
        var title = string.Concat(Payloads);
        var created = await admin.PostAsJsonAsync("/api/v1/incidents", new { title, severity = "SEV2", services = new[] { "checkout/prod" } }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created);
        var id = (await created.ReadJsonAsync()).GetProperty("id").GetInt64();
        foreach (var p in Payloads)
            await admin.PostAsJsonAsync($"/api/v1/incidents/{id}/notes", new { text = p }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);

        var (browser, _) = factory.CreateBrowser();
        using var _b = browser;
        await browser.SignInAsync("admin", factory.AdminPassword);
        foreach (var page in new[] { $"/incidents/{id}", "/incidents", "/" })
        {
            var html = await (await browser.GetAsync(page).EnsureStatusAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync();
            var document = new HtmlParser().ParseDocument(html);
            Assert.Contains(document.QuerySelectorAll("*"), e => e.TextContent.Contains("<script>alert('t')</script>", StringComparison.Ordinal));
            Assert.DoesNotContain(document.QuerySelectorAll("script"), s => s.TextContent.Contains("alert(", StringComparison.Ordinal));
            Assert.Empty(document.QuerySelectorAll("img[onerror], svg[onload], [onerror], [onload]"));
            Assert.Empty(document.QuerySelectorAll("a[href^='javascript']"));
        }

        var md = await (await admin.GetAsync($"/api/v1/incidents/{id}/postmortem").EnsureStatusAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync();
        var rendered = new HtmlParser().ParseDocument(Markdown.ToHtml(md, new MarkdownPipelineBuilder().UseAdvancedExtensions().Build()));
        Assert.Empty(rendered.QuerySelectorAll("script, img, svg, [onerror], [onload], a[href^='javascript']"));
    }

    [Theory]
    [InlineData("<script>")]
    [InlineData("checkout/../../etc")]
    [InlineData("checkout/prod\"><img src=x>")]
    [InlineData("CHECKOUT PROD")]
    public async Task A_hostile_service_name_is_refused_and_nothing_is_saved(string service)
    {
        using var admin = factory.CreateAdminClient();
        var before = await factory.WithStoreAsync(db => db.Incidents.CountAsync());
        var events = await factory.WithStoreAsync(db => db.OutboxEvents.CountAsync());
        await admin.PostAsJsonAsync("/api/v1/incidents", new { title = "t", severity = "SEV2", services = new[] { service } }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.BadRequest);
        Assert.Equal(before, await factory.WithStoreAsync(db => db.Incidents.CountAsync()));
        Assert.Equal(events, await factory.WithStoreAsync(db => db.OutboxEvents.CountAsync()));
        await ConsoleState.AssertAuditIntactAsync(admin);
    }
}
