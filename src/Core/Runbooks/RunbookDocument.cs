using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Extensions.TaskLists;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using OpsConsole.Core.Domain;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OpsConsole.Core.Runbooks;

/// <summary>A step a runbook lists: a task to tick (<c>- [ ] ...</c>) or a console action (a fenced <c>action</c> block).</summary>
public sealed record RunbookStep(int Number, RunbookStepKind Kind, string Title, string? Action, IReadOnlyDictionary<string, string> Arguments, int Line);

/// <summary>
/// A runbook's Markdown, parsed: its YAML front matter (title, slug, services, alerts as label
/// matchers, severity, owners, last reviewed, tags) and its steps. Broken front matter or a broken
/// step is an <see cref="InvalidInputException"/> that says where.
/// </summary>
public sealed partial record RunbookDocument(
    string Markdown,
    string Slug,
    string Title,
    IReadOnlyList<string> Services,
    IReadOnlyList<AlertMatcherSet> Alerts,
    string? Severity,
    IReadOnlyList<string> Owners,
    DateOnly? LastReviewed,
    IReadOnlyList<string> Tags,
    IReadOnlyList<RunbookStep> Steps,
    string Body)
{
    public const int MaxMarkdownLength = 256 * 1024;
    public const string ActionInfo = "action";

    /// <summary>The Markdig pipeline runbooks are parsed and rendered with: tables, task lists, front matter, autolinks.</summary>
    public static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseYamlFrontMatter().UsePipeTables().UseGridTables().UseTaskLists().UseAutoLinks().UseEmphasisExtras()
        .Build();

    private static readonly string[] Severities = ["critical", "high", "warning", "medium", "low", "info", "sev1", "sev2", "sev3", "sev4"];

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,99}$")]
    private static partial Regex SlugPattern();

    /// <param name="slugHint">The slug when the front matter names none (e.g. the file name); otherwise one is made from the title.</param>
    public static RunbookDocument Parse(string? markdown, string? slugHint = null)
    {
        markdown = (markdown ?? "").Replace("\r\n", "\n");
        if (string.IsNullOrWhiteSpace(markdown)) throw new InvalidInputException("markdown", "The runbook is empty.");
        if (markdown.Length > MaxMarkdownLength) throw new InvalidInputException("markdown", $"A runbook is at most {MaxMarkdownLength / 1024} KiB.");
        if (!markdown.StartsWith("---\n", StringComparison.Ordinal))
            throw new InvalidInputException("markdown", "The runbook has no front matter: start it with a line '---', the YAML fields (title, services, alerts, owners, last_reviewed, tags), and another '---'.");

        var ast = Markdig.Markdown.Parse(markdown, Pipeline);
        var front = ast.Descendants<YamlFrontMatterBlock>().FirstOrDefault()
                    ?? throw new InvalidInputException("markdown", "The front matter is not closed: end it with a line '---'.");
        var yamlText = string.Join('\n', front.Lines.Lines.Take(front.Lines.Count).Select(l => l.ToString()));
        var fields = ReadFrontMatter(yamlText);

        var title = Scalar(fields, "title") ?? FirstHeading(ast) ?? throw new InvalidInputException("title", "The front matter has no 'title'.");
        if (title.Length > 200) throw new InvalidInputException("title", "A title is at most 200 characters.");
        var slug = Scalar(fields, "slug") ?? slugHint ?? Slugify(title);
        if (!SlugPattern().IsMatch(slug))
            throw new InvalidInputException("slug", $"The slug '{slug}' is not valid: lower-case letters, digits and dashes, at most 100 characters.");

        var alerts = new List<AlertMatcherSet>();
        foreach (var text in List(fields, "alerts"))
            alerts.Add(new AlertMatcherSet(text, LabelMatcher.ParseSet(text)));

        var severity = Scalar(fields, "severity")?.ToLowerInvariant();
        if (severity is not null && !Severities.Contains(severity))
            throw new InvalidInputException("severity", $"Unknown severity '{severity}': use one of {string.Join(", ", Severities)}.");

        DateOnly? reviewed = null;
        if ((Scalar(fields, "last_reviewed") ?? Scalar(fields, "lastReviewed") ?? Scalar(fields, "last-reviewed")) is { } r)
        {
            if (!DateOnly.TryParseExact(r, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                throw new InvalidInputException("last_reviewed", $"last_reviewed '{r}' is not a date (YYYY-MM-DD).");
            reviewed = d;
        }

        var owners = List(fields, "owners").Concat(List(fields, "owner")).Distinct().ToList();
        var body = markdown[Math.Min(markdown.Length, front.Span.End + 1)..].TrimStart('\n');
        return new RunbookDocument(markdown, slug, title.Trim(), List(fields, "services"), alerts, severity, owners, reviewed,
            List(fields, "tags"), ReadSteps(ast, markdown), body);
    }

    private static Dictionary<string, YamlNode> ReadFrontMatter(string yaml)
    {
        if (string.IsNullOrWhiteSpace(yaml)) throw new InvalidInputException("markdown", "The front matter is empty: it needs at least a title.");
        var stream = new YamlStream();
        try { stream.Load(new StringReader(yaml)); }
        catch (YamlException e)
        {
            throw new InvalidInputException("markdown", $"The front matter is not valid YAML (line {e.Start.Line + 1}, column {e.Start.Column}): {Innermost(e).Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode map)
            throw new InvalidInputException("markdown", "The front matter must be YAML fields (key: value), not a list or a single value.");
        var fields = new Dictionary<string, YamlNode>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in map.Children)
            if (k is YamlScalarNode { Value: { } key }) fields[key] = v;
        return fields;
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;

    private static string? Scalar(Dictionary<string, YamlNode> fields, string key)
    {
        if (!fields.TryGetValue(key, out var node)) return null;
        if (node is YamlScalarNode s) return string.IsNullOrWhiteSpace(s.Value) ? null : s.Value.Trim();
        throw new InvalidInputException(key, $"The front matter field '{key}' must be a single value.");
    }

    private static List<string> List(Dictionary<string, YamlNode> fields, string key)
    {
        if (!fields.TryGetValue(key, out var node)) return [];
        return node switch
        {
            YamlScalarNode { Value: null or "" } => [],
            YamlScalarNode s => [s.Value!.Trim()],
            YamlSequenceNode seq => seq.Children.Select(c => c is YamlScalarNode { Value: { } v } ? v.Trim()
                : throw new InvalidInputException(key, $"Each entry of '{key}' must be a single value.")).Where(v => v.Length > 0).ToList(),
            _ => throw new InvalidInputException(key, $"The front matter field '{key}' must be a list."),
        };
    }

    private static string? FirstHeading(MarkdownDocument ast) =>
        ast.Descendants<HeadingBlock>().FirstOrDefault() is { Inline: { } inline } ? InlineText(inline) : null;

    private static List<RunbookStep> ReadSteps(MarkdownDocument ast, string markdown)
    {
        var steps = new List<RunbookStep>();
        foreach (var block in ast.Descendants())
        {
            switch (block)
            {
                case FencedCodeBlock code when IsAction(code):
                    steps.Add(ActionStep(code, steps.Count + 1));
                    break;
                case ListItemBlock item when item.FirstOrDefault() is ParagraphBlock { Inline: { } inline } && inline.FirstChild is TaskList:
                    steps.Add(new RunbookStep(steps.Count + 1, RunbookStepKind.Task, InlineText(inline), null, new Dictionary<string, string>(), item.Line + 1));
                    break;
            }
        }
        return steps;
    }

    private static RunbookStep ActionStep(FencedCodeBlock code, int number)
    {
        var args = ReadArguments(code, number);
        var name = args.GetValueOrDefault("name") ?? throw new InvalidInputException("markdown", $"step {number}: the action block (line {code.Line + 1}) has no 'name'.");
        args.Remove("name");
        args.Remove("title", out var title);
        return new RunbookStep(number, RunbookStepKind.Action, title ?? name, name, args, code.Line + 1);
    }

    internal static bool IsAction(FencedCodeBlock code) => string.Equals(code.Info?.Trim(), ActionInfo, StringComparison.OrdinalIgnoreCase);

    private static Dictionary<string, string> ReadArguments(FencedCodeBlock code, int number)
    {
        var text = string.Join('\n', code.Lines.Lines.Take(code.Lines.Count).Select(l => l.ToString()));
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e) { throw new InvalidInputException("markdown", $"step {number}: the action block (line {code.Line + 1}) is not valid YAML: {Innermost(e).Message}"); }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode map)
            throw new InvalidInputException("markdown", $"step {number}: the action block (line {code.Line + 1}) must be 'key: value' lines, starting with 'name: <action>'.");
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            if (k is not YamlScalarNode { Value: { } key } || v is not YamlScalarNode value)
                throw new InvalidInputException("markdown", $"step {number}: every argument of an action is 'key: value' with a single value.");
            args[key.Trim()] = value.Value?.Trim() ?? "";
        }
        return args;
    }

    internal static string InlineText(ContainerInline inline)
    {
        var sb = new StringBuilder();
        foreach (var child in inline.Descendants())
        {
            switch (child)
            {
                case LiteralInline lit: sb.Append(lit.Content.ToString()); break;
                case CodeInline c: sb.Append(c.Content); break;
                case LineBreakInline: sb.Append(' '); break;
            }
        }
        return sb.ToString().Trim();
    }

    public static string Slugify(string title)
    {
        var sb = new StringBuilder();
        foreach (var c in title.ToLowerInvariant().Normalize(NormalizationForm.FormD))
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9') sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != '-' && (char.IsWhiteSpace(c) || char.IsPunctuation(c) || char.IsSymbol(c))) sb.Append('-');
        }
        var slug = sb.ToString().Trim('-');
        if (slug.Length > 100) slug = slug[..100].TrimEnd('-');
        return slug.Length == 0 ? "runbook" : slug;
    }
}
