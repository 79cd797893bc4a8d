using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Ganss.Xss;
using Markdig;
using Markdig.Extensions.TaskLists;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Renderers.Html.Inlines;
using Markdig.Syntax;

namespace OpsConsole.Core.Runbooks;

/// <summary>A piece of a rendered runbook: sanitised HTML, or the place of an executable step (the page puts its button there).</summary>
public abstract record RunbookSegment;
public sealed record HtmlSegment(string Html) : RunbookSegment;
public sealed record StepSegment(int Number) : RunbookSegment;

/// <param name="Html">The whole runbook as sanitised HTML, each action step shown as a block naming the action and what it does.</param>
/// <param name="Segments">The same HTML cut at the action steps, for a page that puts a button in their place.</param>
public sealed record RenderedRunbook(string Html, IReadOnlyList<RunbookSegment> Segments);

/// <summary>
/// Renders runbook Markdown with Markdig and passes the HTML through an allowlist sanitiser: only
/// text, structure, tables, code, links and images over http(s) remain. No script, event handler,
/// style, form, frame, object, meta or base element or attribute survives, whatever the file holds;
/// no id or name (nothing can shadow the page's own elements) and no class the page's CSS knows
/// (nothing can borrow an overlay's position). Action blocks become step blocks, never code to run.
/// </summary>
public sealed partial class RunbookRenderer
{
    private static readonly HtmlSanitizerOptions Options = new()
    {
        AllowedTags = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "em", "strong", "b", "i", "u", "s", "del", "ins", "mark",
            "code", "pre", "kbd", "samp", "blockquote", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "hr", "br",
            "span", "div", "img", "dl", "dt", "dd", "sup", "sub", "small", "abbr", "details", "summary",
        },
        AllowedAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "href", "src", "alt", "title", "colspan", "rowspan", "align", "start", "class", "rel", StepAttribute,
        },
        AllowedClasses = new HashSet<string>(StringComparer.Ordinal) { "contains-task-list", "task-list-item", "runbook-task", "runbook-step", "runbook-step-action" },
        AllowedCssProperties = new HashSet<string>(),
        AllowedAtRules = new HashSet<AngleSharp.Css.Dom.CssRuleType>(),
        AllowedSchemes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "http", "https", "mailto" },
        UriAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href", "src", "action", "formaction", "background", "cite", "longdesc", "poster", "xlink:href" },
    };

    private const string StepAttribute = "data-runbook-step";

    private readonly Func<RunbookStep, string> _describe;

    /// <param name="describe">One line for an action step (the action's own description of what it will do).</param>
    public RunbookRenderer(Func<RunbookStep, string>? describe = null)
    {
        _describe = describe ?? (s => s.Action ?? s.Title);
    }

    /// <summary>What an action step will do, in one line.</summary>
    public string Describe(RunbookStep step) => _describe(step);

    /// <summary>Sanitises HTML with the runbook allowlist (also used for any other HTML a runbook produces).</summary>
    public static string Sanitize(string html)
    {
        var sanitizer = new HtmlSanitizer(Options);
        sanitizer.KeepChildNodes = true;
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Dom.IElement { LocalName: "a" } a)
            {
                a.SetAttribute("rel", "noopener noreferrer nofollow");
            }
        };
        return sanitizer.Sanitize(html);
    }

    public RenderedRunbook Render(RunbookDocument doc)
    {
        var ast = Markdig.Markdown.Parse(doc.Markdown, RunbookDocument.Pipeline);
        // Number the steps as RunbookDocument does (document order, tasks and actions together).
        var number = 0;
        foreach (var block in ast.Descendants())
        {
            if (block is FencedCodeBlock code && RunbookDocument.IsAction(code)) code.SetData(StepKey, ++number);
            else if (block is ListItemBlock item && item.FirstOrDefault() is ParagraphBlock { Inline.FirstChild: TaskList }) number++;
        }

        // A marker only this rendering knows: a runbook cannot forge a step block by writing the attribute itself.
        var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        RunbookDocument.Pipeline.Setup(renderer);
        renderer.ObjectRenderers.Replace<CodeBlockRenderer>(new StepAwareCodeBlockRenderer(nonce));
        renderer.ObjectRenderers.Replace<HtmlTaskListRenderer>(new TaskBoxRenderer());
        renderer.Render(ast);
        writer.Flush();
        var clean = Sanitize(writer.ToString());

        var segments = new List<RunbookSegment>();
        var html = new StringBuilder();
        var last = 0;
        foreach (Match m in MarkerPattern().Matches(clean))
        {
            if (m.Groups["nonce"].Value != nonce) continue;
            var step = int.Parse(m.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture);
            var before = clean[last..m.Index];
            if (before.Length > 0) segments.Add(new HtmlSegment(before));
            segments.Add(new StepSegment(step));
            html.Append(before).Append(StaticStep(doc, step));
            last = m.Index + m.Length;
        }
        if (last < clean.Length)
        {
            segments.Add(new HtmlSegment(clean[last..]));
            html.Append(clean, last, clean.Length - last);
        }
        return new RenderedRunbook(html.ToString(), segments);
    }

    private string StaticStep(RunbookDocument doc, int number)
    {
        var step = doc.Steps.FirstOrDefault(s => s.Number == number);
        if (step is null) return "";
        return $"<div class=\"runbook-step\"><span class=\"runbook-step-action\">Step {number}: {WebUtility.HtmlEncode(step.Action)}</span> {WebUtility.HtmlEncode(_describe(step))}</div>";
    }

    private const string StepKey = "runbook-step-number";

    [GeneratedRegex("<div data-runbook-step=\"(?<nonce>[0-9A-F]{16}):(?<n>[0-9]+)\"></div>")]
    private static partial Regex MarkerPattern();

    private sealed class StepAwareCodeBlockRenderer(string nonce) : CodeBlockRenderer
    {
        protected override void Write(HtmlRenderer renderer, CodeBlock obj)
        {
            if (obj is FencedCodeBlock code && code.GetData(StepKey) is int n)
            {
                renderer.EnsureLine();
                renderer.Write($"<div {StepAttribute}=\"{nonce}:{n}\"></div>");
                renderer.WriteLine();
                return;
            }
            base.Write(renderer, obj);
        }
    }

    private sealed class TaskBoxRenderer : HtmlObjectRenderer<TaskList>
    {
        protected override void Write(HtmlRenderer renderer, TaskList obj) =>
            renderer.Write(obj.Checked ? "<span class=\"runbook-task\">☑</span> " : "<span class=\"runbook-task\">☐</span> ");
    }
}
