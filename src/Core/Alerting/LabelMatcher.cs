using System.Text;
using System.Text.RegularExpressions;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Alerting;

public enum MatcherType
{
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

/// <summary>
/// One label matcher with Alertmanager's semantics: a missing label has the value "", regular
/// expressions are anchored at both ends (<c>^(?:re)$</c>). Regexes run on .NET's non-backtracking
/// engine (linear time, like Alertmanager's RE2) with a match timeout as a second guard.
/// </summary>
public sealed class LabelMatcher
{
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);
    private readonly Regex? regex;

    public LabelMatcher(string name, MatcherType type, string value)
    {
        if (string.IsNullOrEmpty(name)) throw new InvalidInputException("matcher", "A matcher needs a label name.");
        Name = name;
        Type = type;
        Value = value;
        if (type is MatcherType.Regex or MatcherType.NotRegex)
        {
            try
            {
                regex = new Regex("^(?:" + value + ")$", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, RegexTimeout);
            }
            catch (ArgumentException e)
            {
                throw new InvalidInputException("matcher", $"Invalid regular expression in matcher {ToString()}: {e.Message}");
            }
            catch (NotSupportedException e)
            {
                throw new InvalidInputException("matcher", $"Unsupported regular expression in matcher {ToString()}: {e.Message}");
            }
        }
    }

    public string Name { get; }
    public MatcherType Type { get; }
    public string Value { get; }

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var v = labels.TryGetValue(Name, out var found) ? found : "";
        return Type switch
        {
            MatcherType.Equal => v == Value,
            MatcherType.NotEqual => v != Value,
            MatcherType.Regex => RegexMatch(v),
            MatcherType.NotRegex => !RegexMatch(v),
            _ => false,
        };
    }

    private bool RegexMatch(string v)
    {
        try { return regex!.IsMatch(v); }
        catch (RegexMatchTimeoutException) { return false; } // a pathological value never matches rather than hanging
    }

    public string Operator => Type switch
    {
        MatcherType.Equal => "=",
        MatcherType.NotEqual => "!=",
        MatcherType.Regex => "=~",
        _ => "!~",
    };

    public override string ToString() => $"{Name}{Operator}\"{Escape(Value)}\"";

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Alertmanager's string form of a matcher list: <c>{a="b",c=~"d"}</c>.</summary>
    public static string Format(IEnumerable<LabelMatcher> matchers) => "{" + string.Join(",", matchers.Select(m => m.ToString())) + "}";

    /// <summary>
    /// Parses one matcher or a list in Alertmanager's syntax: <c>severity="critical"</c>,
    /// <c>{service=~"api|web", env!=prod}</c>; values may be quoted (with \" \\ \n escapes) or bare.
    /// </summary>
    public static IReadOnlyList<LabelMatcher> ParseList(string input)
    {
        var s = input.Trim();
        if (s.StartsWith('{'))
        {
            if (!s.EndsWith('}')) throw new InvalidInputException("matcher", $"Matcher list '{input}' opens with '{{' but does not close it.");
            s = s[1..^1];
        }
        var result = new List<LabelMatcher>();
        var i = 0;
        while (true)
        {
            SkipSpace(s, ref i);
            if (i >= s.Length) break;
            result.Add(ParseOne(s, ref i, input));
            SkipSpace(s, ref i);
            if (i >= s.Length) break;
            if (s[i] != ',') throw new InvalidInputException("matcher", $"Expected ',' at position {i + 1} in '{input}'.");
            i++;
        }
        return result;
    }

    public static LabelMatcher Parse(string input)
    {
        var list = ParseList(input);
        if (list.Count != 1) throw new InvalidInputException("matcher", $"Expected exactly one matcher in '{input}'.");
        return list[0];
    }

    private static void SkipSpace(string s, ref int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
    }

    private static LabelMatcher ParseOne(string s, ref int i, string input)
    {
        var start = i;
        string name;
        if (s[i] == '"') name = ReadQuoted(s, ref i, input);
        else
        {
            while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] is '_' or '.' or '-' or ':')) i++;
            name = s[start..i];
        }
        if (name.Length == 0) throw new InvalidInputException("matcher", $"Expected a label name at position {start + 1} in '{input}'.");
        SkipSpace(s, ref i);
        MatcherType type;
        if (At(s, i, "=~")) { type = MatcherType.Regex; i += 2; }
        else if (At(s, i, "!~")) { type = MatcherType.NotRegex; i += 2; }
        else if (At(s, i, "!=")) { type = MatcherType.NotEqual; i += 2; }
        else if (At(s, i, "=")) { type = MatcherType.Equal; i += 1; }
        else throw new InvalidInputException("matcher", $"Expected one of = != =~ !~ after '{name}' in '{input}'.");
        SkipSpace(s, ref i);
        string value;
        if (i < s.Length && s[i] == '"') value = ReadQuoted(s, ref i, input);
        else
        {
            var vs = i;
            while (i < s.Length && s[i] != ',') i++;
            value = s[vs..i].TrimEnd();
        }
        return new LabelMatcher(name, type, value);
    }

    private static bool At(string s, int i, string token) => string.CompareOrdinal(s, i, token, 0, token.Length) == 0;

    private static string ReadQuoted(string s, ref int i, string input)
    {
        var sb = new StringBuilder();
        i++; // opening quote
        while (i < s.Length)
        {
            var c = s[i++];
            if (c == '"') return sb.ToString();
            if (c == '\\' && i < s.Length)
            {
                var e = s[i++];
                sb.Append(e switch { 'n' => '\n', 't' => '\t', _ => e });
            }
            else sb.Append(c);
        }
        throw new InvalidInputException("matcher", $"Unterminated quoted string in '{input}'.");
    }
}

public static class MatcherExtensions
{
    public static bool MatchesAll(this IReadOnlyList<LabelMatcher> matchers, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var m in matchers)
            if (!m.Matches(labels)) return false;
        return true;
    }
}
