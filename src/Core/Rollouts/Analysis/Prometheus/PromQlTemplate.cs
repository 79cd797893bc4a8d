using System.Text;
using System.Text.RegularExpressions;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Rollouts.Analysis.Prometheus;

/// <summary>
/// A PromQL query with the rollout's variables, <c>{{service}}</c>, <c>{{environment}}</c> and
/// <c>{{revision}}</c> (also written <c>{{args.service}}</c> as in Argo Rollouts). A value is
/// substituted escaped for a PromQL string literal (backslash, quotes, line breaks), so a variable
/// placed inside quotes, e.g. <c>revision="{{revision}}"</c>, can never end the literal and add to
/// the query. The query only ever becomes a form field sent to the configured Prometheus: it names
/// no server.
/// </summary>
public static partial class PromQlTemplate
{
    public const int MaxLength = 4000;
    public static readonly IReadOnlyList<string> Variables = ["service", "environment", "revision"];

    /// <summary>Checks a saved query: not empty, bounded, only known variables. Throws saying what to fix.</summary>
    public static void Check(string? query, string field)
    {
        if (string.IsNullOrWhiteSpace(query))
            throw new InvalidInputException(field, "A Prometheus metric needs a PromQL query, e.g. sum(rate(http_requests_total{revision=\"{{revision}}\",code=~\"5..\"}[1m])).");
        if (query.Length > MaxLength)
            throw new InvalidInputException(field, $"A query is at most {MaxLength} characters; {query.Length} were given.");
        if (query.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
            throw new InvalidInputException(field, "A query cannot hold control characters.");
        foreach (Match m in Placeholder().Matches(query))
            if (Name(m) is null)
                throw new InvalidInputException(field, $"The query uses {m.Value}; the variables are {string.Join(", ", Variables.Select(v => "{{" + v + "}}"))}.");
    }

    /// <summary>The query with the variables of <paramref name="target"/> and <paramref name="revision"/> filled in.</summary>
    public static string Render(string query, ServiceEnvironment target, string revision) =>
        Placeholder().Replace(query, m => Name(m) switch
        {
            "service" => Escape(target.Service),
            "environment" => Escape(target.Environment),
            "revision" => Escape(revision),
            _ => throw new InvalidInputException("query", $"The query uses {m.Value}, which is not a variable."),
        });

    /// <summary>Escapes a value for the inside of a PromQL double- or single-quoted string literal.</summary>
    public static string Escape(string value)
    {
        var s = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': s.Append(@"\\"); break;
                case '"': s.Append("\\\""); break;
                case '\'': s.Append("\\'"); break;
                case '`': s.Append("\\`"); break;
                case '\n': s.Append(@"\n"); break;
                case '\r': s.Append(@"\r"); break;
                case '\t': s.Append(@"\t"); break;
                default:
                    if (char.IsControl(c)) s.Append(@"\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                    else s.Append(c);
                    break;
            }
        }
        return s.ToString();
    }

    private static string? Name(Match m)
    {
        var name = m.Groups["name"].Value;
        if (name.StartsWith("args.", StringComparison.Ordinal)) name = name[5..];
        return Variables.Contains(name) ? name : null;
    }

    [GeneratedRegex(@"\{\{\s*(?<name>[^{}\s]*)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
