using System.Text;
using System.Text.RegularExpressions;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Runbooks;

public enum MatchOperator { Equal, NotEqual, Regex, NotRegex }

/// <summary>
/// One label matcher as Alertmanager writes it: <c>alertname="HighErrorRate"</c>, <c>service!="x"</c>,
/// <c>env=~"prod|staging"</c>, <c>team!~"db.*"</c>. Regular expressions are anchored (the whole value
/// must match), as in Alertmanager; a missing label matches as the empty string.
/// </summary>
public sealed record LabelMatcher(string Name, MatchOperator Operator, string Value)
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);
    private Regex? _regex;

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var actual = labels.TryGetValue(Name, out var v) ? v : "";
        return Operator switch
        {
            MatchOperator.Equal => actual == Value,
            MatchOperator.NotEqual => actual != Value,
            MatchOperator.Regex => IsMatch(actual),
            _ => !IsMatch(actual),
        };
    }

    private bool IsMatch(string actual)
    {
        _regex ??= Compile(Name, Value);
        try { return _regex.IsMatch(actual); }
        catch (RegexMatchTimeoutException) { return false; }
    }

    private static Regex Compile(string name, string value)
    {
        try { return new Regex($"^(?:{value})$", RegexOptions.CultureInvariant, RegexTimeout); }
        catch (ArgumentException e) { throw new InvalidInputException("alerts", $"The matcher for '{name}' has an invalid regular expression: {e.Message}"); }
    }

    public override string ToString() =>
        $"{Name}{Operator switch { MatchOperator.Equal => "=", MatchOperator.NotEqual => "!=", MatchOperator.Regex => "=~", _ => "!~" }}\"{Value.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"";

    /// <summary>
    /// Parses a matcher set: <c>{alertname="X", service=~"a|b"}</c> (braces optional), or a bare alert
    /// name (<c>HighErrorRate</c> means <c>alertname="HighErrorRate"</c>). Throws InvalidInputException naming the problem.
    /// </summary>
    public static IReadOnlyList<LabelMatcher> ParseSet(string text)
    {
        var s = text.Trim();
        if (s.StartsWith('{') && s.EndsWith('}')) s = s[1..^1].Trim();
        if (s.Length == 0) throw new InvalidInputException("alerts", "An alert matcher is empty.");
        if (Regex.IsMatch(s, "^[A-Za-z_:][A-Za-z0-9_:]*$"))
            return [new LabelMatcher("alertname", MatchOperator.Equal, s)];

        var result = new List<LabelMatcher>();
        var i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && (char.IsWhiteSpace(s[i]) || s[i] == ',')) i++;
            if (i >= s.Length) break;
            var start = i;
            while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] is '_' or ':' or '.')) i++;
            var name = s[start..i];
            if (name.Length == 0 || char.IsDigit(name[0])) throw Bad(text, "a label name is expected");
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
            MatchOperator op;
            if (At(s, i, "=~")) { op = MatchOperator.Regex; i += 2; }
            else if (At(s, i, "!~")) { op = MatchOperator.NotRegex; i += 2; }
            else if (At(s, i, "!=")) { op = MatchOperator.NotEqual; i += 2; }
            else if (At(s, i, "=")) { op = MatchOperator.Equal; i += 1; }
            else throw Bad(text, $"'{name}' needs one of = != =~ !~");
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
            string value;
            if (i < s.Length && s[i] == '"')
            {
                var sb = new StringBuilder();
                i++;
                var closed = false;
                while (i < s.Length)
                {
                    var c = s[i++];
                    if (c == '\\' && i < s.Length) { sb.Append(s[i] switch { 'n' => '\n', var x => x }); i++; }
                    else if (c == '"') { closed = true; break; }
                    else sb.Append(c);
                }
                if (!closed) throw Bad(text, $"the value of '{name}' has no closing quote");
                value = sb.ToString();
            }
            else
            {
                start = i;
                while (i < s.Length && s[i] != ',') i++;
                value = s[start..i].Trim();
            }
            var matcher = new LabelMatcher(name, op, value);
            if (op is MatchOperator.Regex or MatchOperator.NotRegex) matcher._regex = Compile(name, value);
            result.Add(matcher);
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
            if (i < s.Length && s[i] != ',') throw Bad(text, $"unexpected '{s[i]}' after the matcher for '{name}'");
        }
        if (result.Count == 0) throw new InvalidInputException("alerts", "An alert matcher is empty.");
        return result;
    }

    public static bool MatchesAll(IEnumerable<LabelMatcher> set, IReadOnlyDictionary<string, string> labels) => set.All(m => m.Matches(labels));

    private static bool At(string s, int i, string token) => string.CompareOrdinal(s, i, token, 0, token.Length) == 0;

    private static InvalidInputException Bad(string text, string why) =>
        new("alerts", $"The alert matcher '{text}' is not valid: {why}.");
}

/// <summary>An alert matcher set as written in the front matter, parsed.</summary>
public sealed record AlertMatcherSet(string Text, IReadOnlyList<LabelMatcher> Matchers)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels) => LabelMatcher.MatchesAll(Matchers, labels);
}
