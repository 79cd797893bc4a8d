namespace OpsConsole.Core.Migrations.Sql;

/// <summary>
/// The tables a batch's deploy scripts write rows of (INSERT, REPLACE, UPDATE, DELETE, TRUNCATE),
/// by name as written (the last part of a qualified name). A dry-run counts their rows before and
/// after, so data that escaped the rehearsal shows in the evidence.
/// </summary>
public static class TouchedTables
{
    public static IReadOnlyList<string> Of(IEnumerable<MigrationChange> changes, SqlDialect dialect)
    {
        var names = new List<string>();
        foreach (var change in changes)
            foreach (var statement in SqlSplitter.Split(change.Deploy.Sql, dialect))
                foreach (var name in Written(statement.Tokens))
                    if (!names.Contains(name)) names.Add(name);
        return names;
    }

    private static IEnumerable<string> Written(IReadOnlyList<SqlToken> t)
    {
        for (var i = 0; i < t.Count; i++)
        {
            int? at = null;
            if (t[i].Is("INTO") && i > 0 && t.Take(i).Any(x => x.Is("INSERT") || x.Is("REPLACE"))) at = i + 1;
            else if (t[i].Is("DELETE") && i + 1 < t.Count && t[i + 1].Is("FROM")) at = i + 2;
            else if (t[i].Is("UPDATE") && !(i > 0 && (t[i - 1].Is("ON") || t[i - 1].Is("FOR") || t[i - 1].Is("OF") || t[i - 1].Is("BEFORE")
                                                       || t[i - 1].Is("AFTER") || t[i - 1].Is("INSTEAD") || t[i - 1].Is("DO") || t[i - 1].Is("OR") || t[i - 1].Text == ",")))
            {
                at = i + 1;
                if (at + 1 < t.Count && t[at.Value].Is("OR")) at += 2;
            }
            else if (t[i].Is("TRUNCATE"))
            {
                var j = i + 1;
                if (j < t.Count && t[j].Is("TABLE")) j++;
                for (; j < t.Count; j++)
                {
                    if (t[j].Is("ONLY") || t[j].Text is "," or "*") continue;
                    if (t[j].Kind is not (SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier) || t[j].Is("RESTART") || t[j].Is("CONTINUE")
                        || t[j].Is("CASCADE") || t[j].Is("RESTRICT")) break;
                    if (j + 2 < t.Count && t[j + 1].Text == ".") continue;
                    yield return t[j].Name;
                }
                continue;
            }
            if (at is not { } k) continue;
            if (k < t.Count && t[k].Is("ONLY")) k++;
            while (k + 2 < t.Count && t[k + 1].Text == ".") k += 2;
            if (k < t.Count && t[k].Kind is SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier) yield return t[k].Name;
        }
    }
}
