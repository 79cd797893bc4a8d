namespace OpsConsole.Core.Migrations.Sql;

public enum SqlDialect
{
    Sqlite,
    Postgres,
}

public enum SqlTokenKind
{
    Word,
    QuotedIdentifier,
    String,
    Number,
    Symbol,
}

public sealed record SqlToken(SqlTokenKind Kind, string Text, int Offset)
{
    /// <summary>Keywords compare upper-cased; quoted identifiers keep their case.</summary>
    public bool Is(string keyword) => Kind == SqlTokenKind.Word && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);

    /// <summary>The name as the database sees it: unquoted names fold to lower case.</summary>
    public string Name => Kind switch
    {
        SqlTokenKind.QuotedIdentifier => Text.Length >= 2 ? Text[1..^1] : Text,
        _ => Text.ToLowerInvariant(),
    };
}

/// <summary>One statement of a script: its text as sent to the database and where it starts in the file.</summary>
public sealed record SqlStatement(int Index, string Text, int Offset, int Line, int Column, IReadOnlyList<SqlToken> Tokens)
{
    public bool StartsWith(params string[] keywords) =>
        Tokens.Count >= keywords.Length && keywords.Select((k, i) => Tokens[i].Is(k)).All(b => b);

    /// <summary>A short single-line form for messages and reports.</summary>
    public string Excerpt(int max = 160)
    {
        var flat = string.Join(' ', Text.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()).Where(s => s.Length > 0));
        return flat.Length <= max ? flat : flat[..(max - 1)] + "…";
    }
}

/// <summary>
/// Splits a script into statements the way the database would read it, so each statement can be run
/// on its own (an error then names its statement and line) and linted by its tokens. It knows quoting
/// (strings, identifiers, PostgreSQL dollar quotes and E'' strings), comments, and bodies that hold
/// semicolons (SQLite triggers, PostgreSQL BEGIN ATOMIC). It does not parse SQL beyond that.
/// </summary>
public static class SqlSplitter
{
    public static IReadOnlyList<SqlStatement> Split(string sql, SqlDialect dialect)
    {
        var lines = LineStarts(sql);
        var statements = new List<SqlStatement>();
        var tokens = new List<SqlToken>();
        int start = -1, blockDepth = 0, caseDepth = 0, i = 0;

        void Finish(int end)
        {
            if (tokens.Count > 0)
            {
                var (line, column) = Position(lines, start);
                statements.Add(new SqlStatement(statements.Count, sql[start..end].TrimEnd(), start, line, column, tokens.ToList()));
            }
            tokens.Clear();
            start = -1;
            blockDepth = caseDepth = 0;
        }

        void Add(SqlTokenKind kind, int from, int to)
        {
            if (start < 0) start = from;
            var token = new SqlToken(kind, sql[from..to], from);
            if (kind == SqlTokenKind.Word)
            {
                if (token.Is("CASE")) caseDepth++;
                else if (token.Is("BEGIN") && blockDepth == 0 && OpensBody(tokens)) blockDepth++;
                else if (token.Is("END") && tokens.Count > 0)
                {
                    if (caseDepth > 0) caseDepth--;
                    else if (blockDepth > 0) blockDepth--;
                }
            }
            tokens.Add(token);
        }

        while (i < sql.Length)
        {
            var c = sql[i];
            var next = i + 1 < sql.Length ? sql[i + 1] : '\0';
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '-' && next == '-')
            {
                while (i < sql.Length && sql[i] != '\n') i++;
                continue;
            }
            if (c == '/' && next == '*')
            {
                var depth = 0;
                do
                {
                    if (i + 1 < sql.Length && sql[i] == '/' && sql[i + 1] == '*') { depth++; i += 2; }
                    else if (i + 1 < sql.Length && sql[i] == '*' && sql[i + 1] == '/') { depth--; i += 2; }
                    else i++;
                } while (i < sql.Length && depth > 0);
                continue;
            }
            if (c == ';')
            {
                if (blockDepth > 0) { Add(SqlTokenKind.Symbol, i, i + 1); i++; continue; }
                Finish(i);
                i++;
                continue;
            }
            if (c == '\'')
            {
                var escapes = dialect == SqlDialect.Postgres && tokens.Count > 0 && tokens[^1] is { Kind: SqlTokenKind.Word } prev
                              && prev.Offset + prev.Text.Length == i && prev.Text is "E" or "e";
                var from = i++;
                while (i < sql.Length)
                {
                    if (escapes && sql[i] == '\\') { i += 2; continue; }
                    if (sql[i] == '\'')
                    {
                        if (i + 1 < sql.Length && sql[i + 1] == '\'') { i += 2; continue; }
                        break;
                    }
                    i++;
                }
                i = Math.Min(i + 1, sql.Length);
                Add(SqlTokenKind.String, from, i);
                continue;
            }
            if (c == '"' || (dialect == SqlDialect.Sqlite && c is '`' or '['))
            {
                var close = c == '[' ? ']' : c;
                var from = i++;
                while (i < sql.Length)
                {
                    if (sql[i] == close)
                    {
                        if (close != ']' && i + 1 < sql.Length && sql[i + 1] == close) { i += 2; continue; }
                        break;
                    }
                    i++;
                }
                i = Math.Min(i + 1, sql.Length);
                Add(SqlTokenKind.QuotedIdentifier, from, i);
                continue;
            }
            if (c == '$' && dialect == SqlDialect.Postgres && DollarTag(sql, i) is { } tag)
            {
                var from = i;
                var close = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                i = close < 0 ? sql.Length : close + tag.Length;
                Add(SqlTokenKind.String, from, i);
                continue;
            }
            if (char.IsLetter(c) || c == '_' || c > 127 || (c == '$' && dialect == SqlDialect.Sqlite))
            {
                var from = i++;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] is '_' or '$' || sql[i] > 127)) i++;
                Add(SqlTokenKind.Word, from, i);
                continue;
            }
            if (char.IsDigit(c))
            {
                var from = i++;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '.')) i++;
                Add(SqlTokenKind.Number, from, i);
                continue;
            }
            Add(SqlTokenKind.Symbol, i, i + 1);
            i++;
        }
        Finish(sql.Length);
        return statements;
    }

    /// <summary>
    /// BEGIN opens a body only in a trigger or a SQL-standard function body; elsewhere it is a
    /// transaction statement or a plain name (a column called "begin").
    /// </summary>
    private static bool OpensBody(List<SqlToken> before) =>
        before.Count > 0 && before[0].Is("CREATE") && before[^1].Text != "."
        && before.Any(t => t.Is("TRIGGER") || t.Is("FUNCTION") || t.Is("PROCEDURE"));

    /// <summary>The opening <c>$tag$</c> at <paramref name="at"/>, or null for a parameter such as <c>$1</c>.</summary>
    private static string? DollarTag(string sql, int at)
    {
        if (at > 0 && (char.IsLetterOrDigit(sql[at - 1]) || sql[at - 1] == '_')) return null;
        var i = at + 1;
        if (i < sql.Length && char.IsDigit(sql[i])) return null;
        while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_')) i++;
        return i < sql.Length && sql[i] == '$' ? sql[at..(i + 1)] : null;
    }

    internal static int[] LineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
            if (text[i] == '\n') starts.Add(i + 1);
        return starts.ToArray();
    }

    /// <summary>1-based line and column of a character offset.</summary>
    internal static (int Line, int Column) Position(int[] lineStarts, int offset)
    {
        var index = Array.BinarySearch(lineStarts, offset);
        if (index < 0) index = ~index - 1;
        return (index + 1, offset - lineStarts[index] + 1);
    }

    public static (int Line, int Column) Position(string text, int offset) => Position(LineStarts(text), offset);
}
