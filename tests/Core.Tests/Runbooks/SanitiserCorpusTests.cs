using AngleSharp.Html.Parser;
using OpsConsole.Core.Runbooks;

namespace OpsConsole.Core.Tests.Runbooks;

/// <summary>A corpus of XSS payloads in Markdown and raw HTML, rendered as a runbook: the HTML must be inert.</summary>
public sealed class SanitiserCorpusTests
{
    private static readonly string Corpus = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "runbook-xss-corpus.md"));

    [Fact]
    public void The_corpus_renders_inert()
    {
        var html = new RunbookRenderer().Render(RunbookDocument.Parse(Corpus)).Html;
        var document = new HtmlParser().ParseDocument($"<!doctype html><html><body>{html}</body></html>");

        string[] forbiddenTags = ["script", "iframe", "object", "embed", "form", "input", "button", "meta", "base", "link", "style", "svg", "math",
            "template", "noscript", "textarea", "select", "frame", "frameset", "applet"];
        foreach (var tag in forbiddenTags) Assert.Empty(document.QuerySelectorAll(tag));
        foreach (var element in document.Body!.QuerySelectorAll("*"))
        {
            foreach (var attribute in element.Attributes)
            {
                Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"<{element.LocalName} {attribute.Name}> kept");
                Assert.NotEqual("style", attribute.Name, StringComparer.OrdinalIgnoreCase);
                Assert.NotEqual("id", attribute.Name, StringComparer.OrdinalIgnoreCase);
                Assert.NotEqual("srcdoc", attribute.Name, StringComparer.OrdinalIgnoreCase);
                if (attribute.Name is "href" or "src")
                {
                    var value = attribute.Value.Trim();
                    Assert.True(value.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                                || !value.Contains(':', StringComparison.Ordinal), $"<{element.LocalName} {attribute.Name}=\"{value}\"> kept");
                }
                if (attribute.Name == "class")
                    Assert.All(attribute.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries), c => Assert.StartsWith("runbook-", c.Replace("contains-task-list", "runbook-").Replace("task-list-item", "runbook-"), StringComparison.Ordinal));
            }
        }
        Assert.DoesNotContain("mud-overlay", html, StringComparison.Ordinal);
        // Text stays readable as text; the good link and the table survive.
        Assert.Contains("&lt;script&gt;window.__xss='encoded-text'&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://example.com/\"", html, StringComparison.Ordinal);
        Assert.NotEmpty(document.QuerySelectorAll("table td"));
        Assert.Contains("&lt;script&gt;window.__xss='code-block'&lt;/script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_runbook_cannot_forge_a_step_block()
    {
        var doc = RunbookDocument.Parse(RunbookFixture.Markdown(body: "<div data-runbook-step=\"0000000000000000:1\"></div>\n\n" + RunbookFixture.AbortStep));
        var rendered = new RunbookRenderer().Render(doc);
        Assert.Single(rendered.Segments.OfType<StepSegment>());
        Assert.Contains("Step 1: rollout.abort", rendered.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Tables_task_lists_and_step_blocks_render_and_front_matter_does_not()
    {
        var doc = RunbookDocument.Parse(RunbookFixture.Markdown(body: "| a | b |\n|---|---|\n| 1 | 2 |\n\n- [ ] todo\n- [x] done\n\n" + RunbookFixture.AbortStep));
        var rendered = new RunbookRenderer().Render(doc);
        Assert.Contains("<table>", rendered.Html, StringComparison.Ordinal);
        Assert.Contains("☐", rendered.Html, StringComparison.Ordinal);
        Assert.Contains("☑", rendered.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("last_reviewed", rendered.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("name: rollout.abort", rendered.Html, StringComparison.Ordinal);
        Assert.Equal(3, Assert.IsType<StepSegment>(rendered.Segments.Single(s => s is StepSegment)).Number);
    }
}
