using OpsConsole.Core.Migrations.Sql;

namespace OpsConsole.Core.Migrations.Lint;

/// <summary>
/// Checks changes for patterns that hurt a live system during a rollout. It reads statement tokens,
/// not a full SQL grammar: it recognises the statement shapes the rules name and nothing more, and
/// a table created earlier in the same change is treated as new (no rows, no readers yet).
/// </summary>
public static class MigrationLinter
{
    public static IReadOnlyList<LintFinding> Lint(IEnumerable<MigrationChange> changes, SqlDialect dialect, IEnumerable<MigrationWaiver>? waivers = null)
    {
        var byKey = (waivers ?? []).GroupBy(w => (w.Change, w.RuleId)).ToDictionary(g => g.Key, g => g.Last());
        return changes.SelectMany(c => Lint(c, dialect))
            .Select(f => byKey.TryGetValue((f.Change, f.RuleId), out var w) ? f with { Waiver = w } : f)
            .ToList();
    }

    public static IReadOnlyList<LintFinding> Lint(MigrationChange change, SqlDialect dialect)
    {
        var findings = new List<LintFinding>();
        var contract = change.Phase == MigrationPhase.Contract;

        void Add(LintRule rule, MigrationScript script, SqlStatement? statement, string message, LintSeverity? severity = null) =>
            findings.Add(new LintFinding(rule.Id, severity ?? rule.Severity, change.Name, script.FileName, statement?.Line ?? 0,
                statement?.Excerpt() ?? "", message, rule.Explanation, rule.SafePattern));

        if (change.Revert is null)
            Add(LintRules.MissingRevert, new MigrationScript("revert.sql", "", ""), null, $"{change.Name} has no revert.sql.");

        foreach (var script in change.Scripts)
        {
            var statements = SqlSplitter.Split(script.Sql, dialect);
            if (script == change.Deploy && !change.Transactional && statements.Count > 1)
                Add(LintRules.NonTransactionalChangeWithManyStatements, script, statements[1],
                    $"{change.Name} is declared transactional: false and has {statements.Count} statements.");

            var created = new HashSet<string>(StringComparer.Ordinal);
            foreach (var statement in statements)
            {
                if (IsTransactionControl(statement))
                    Add(LintRules.TransactionControl, script, statement, $"{statement.Tokens[0].Text.ToUpperInvariant()} in {script.FileName}: the runner manages the transaction.");
                if (change.Transactional && NonTransactional(statement, dialect) is { } what)
                    Add(LintRules.NonTransactionalStatement, script, statement, $"{what} cannot run inside the transaction that wraps {change.Name}.");
                if (script != change.Deploy) continue;

                if (statement.StartsWith("CREATE", "TABLE") || statement.StartsWith("CREATE", "TEMP", "TABLE") || statement.StartsWith("CREATE", "TEMPORARY", "TABLE"))
                {
                    var at = statement.Tokens.ToList().FindIndex(t => t.Is("TABLE")) + 1;
                    at = SkipIfExists(statement.Tokens, at, not: true);
                    if (ObjectName(statement.Tokens, at) is { } name) created.Add(name.Name);
                }
                else if (statement.StartsWith("DROP", "TABLE"))
                {
                    Add(LintRules.DropTable, script, statement, $"DROP TABLE {ObjectName(statement.Tokens, SkipIfExists(statement.Tokens, 2, not: false))?.Name}",
                        contract ? LintSeverity.Warning : null);
                }
                else if (statement.StartsWith("ALTER", "TABLE"))
                {
                    AlterTable(statement, script, created, contract, Add);
                }
                else if (dialect == SqlDialect.Postgres && CreateIndex(statement) is { Concurrently: false } index && !created.Contains(index.Table))
                {
                    Add(LintRules.CreateIndexNotConcurrently, script, statement, $"CREATE INDEX on {index.Table} without CONCURRENTLY.");
                }
            }
        }
        return findings;
    }

    private delegate void AddFinding(LintRule rule, MigrationScript script, SqlStatement? statement, string message, LintSeverity? severity = null);

    private static void AlterTable(SqlStatement statement, MigrationScript script, HashSet<string> created, bool contract, AddFinding add)
    {
        var tokens = statement.Tokens;
        var at = SkipIfExists(tokens, 2, not: false);
        if (at < tokens.Count && tokens[at].Is("ONLY")) at++;
        if (ObjectName(tokens, at) is not { } table) return;
        at = table.Next;
        if (at < tokens.Count && tokens[at].Text == "*") at++;
        var isNew = created.Contains(table.Name);

        foreach (var action in SplitActions(tokens, at))
        {
            if (action.Count == 0) continue;
            var verb = action[0];
            if (verb.Is("ADD"))
            {
                var i = 1;
                if (i < action.Count && action[i].Is("COLUMN")) i++;
                i = SkipIfExists(action, i, not: true);
                if (i >= action.Count || action[i].Is("CONSTRAINT") || action[i].Is("PRIMARY") || action[i].Is("UNIQUE")
                    || action[i].Is("FOREIGN") || action[i].Is("CHECK") || action[i].Is("EXCLUDE")) continue;
                var column = action[i].Name;
                var notNull = action.Where((t, k) => t.Is("NOT") && k + 1 < action.Count && action[k + 1].Is("NULL")).Any();
                var hasDefault = action.Any(t => t.Is("DEFAULT") || t.Is("GENERATED"));
                if (notNull && !hasDefault && !isNew)
                    add(LintRules.AddColumnNotNullWithoutDefault, script, statement, $"ADD COLUMN {table.Name}.{column} NOT NULL without a DEFAULT.");
            }
            else if (verb.Is("DROP"))
            {
                var i = 1;
                if (i < action.Count && action[i].Is("CONSTRAINT")) continue;
                if (i < action.Count && action[i].Is("COLUMN")) i++;
                i = SkipIfExists(action, i, not: false);
                if (i < action.Count)
                    add(LintRules.DropColumn, script, statement, $"DROP COLUMN {table.Name}.{action[i].Name}", contract ? LintSeverity.Warning : null);
            }
            else if (verb.Is("RENAME"))
            {
                if (action.Count > 1 && action[1].Is("CONSTRAINT")) continue;
                if (action.Count > 1 && action[1].Is("TO"))
                    add(LintRules.Rename, script, statement, $"RENAME TABLE {table.Name} to {(action.Count > 2 ? action[2].Name : "?")}");
                else
                {
                    var i = action.Count > 1 && action[1].Is("COLUMN") ? 2 : 1;
                    if (i < action.Count)
                        add(LintRules.Rename, script, statement, $"RENAME COLUMN {table.Name}.{action[i].Name} to {(i + 2 < action.Count ? action[i + 2].Name : "?")}");
                }
            }
            else if (verb.Is("ALTER"))
            {
                var i = action.Count > 1 && action[1].Is("COLUMN") ? 2 : 1;
                if (i >= action.Count) continue;
                var column = action[i].Name;
                var rest = action.Skip(i + 1).ToList();
                var changesType = rest.Count > 0 && (rest[0].Is("TYPE") || (rest.Count > 2 && rest[0].Is("SET") && rest[1].Is("DATA") && rest[2].Is("TYPE")));
                if (changesType && !isNew)
                    add(LintRules.AlterColumnType, script, statement, $"ALTER COLUMN {table.Name}.{column} TYPE");
            }
        }
    }

    private static bool IsTransactionControl(SqlStatement s) =>
        s.StartsWith("BEGIN") || s.StartsWith("START", "TRANSACTION") || s.StartsWith("COMMIT") || s.StartsWith("END")
        || s.StartsWith("ABORT") || (s.StartsWith("ROLLBACK") && !(s.Tokens.Count > 1 && (s.Tokens[1].Is("TO") || (s.Tokens.Count > 2 && s.Tokens[2].Is("TO")))));

    private static string? NonTransactional(SqlStatement s, SqlDialect dialect)
    {
        if (s.StartsWith("VACUUM")) return "VACUUM";
        if (dialect != SqlDialect.Postgres) return null;
        if (CreateIndex(s) is { Concurrently: true }) return "CREATE INDEX CONCURRENTLY";
        if (s.StartsWith("DROP", "INDEX", "CONCURRENTLY")) return "DROP INDEX CONCURRENTLY";
        if (s.StartsWith("REINDEX") && s.Tokens.Any(t => t.Is("CONCURRENTLY"))) return "REINDEX CONCURRENTLY";
        if (s.StartsWith("CREATE", "DATABASE") || s.StartsWith("DROP", "DATABASE")) return "CREATE/DROP DATABASE";
        if (s.StartsWith("CREATE", "TABLESPACE") || s.StartsWith("DROP", "TABLESPACE")) return "CREATE/DROP TABLESPACE";
        if (s.StartsWith("ALTER", "SYSTEM")) return "ALTER SYSTEM";
        return null;
    }

    private sealed record IndexShape(string Table, bool Concurrently);

    private static IndexShape? CreateIndex(SqlStatement s)
    {
        var t = s.Tokens;
        if (!(s.StartsWith("CREATE", "INDEX") || s.StartsWith("CREATE", "UNIQUE", "INDEX"))) return null;
        var on = t.ToList().FindIndex(x => x.Is("ON"));
        if (on < 0) return null;
        var at = on + 1;
        if (at < t.Count && t[at].Is("ONLY")) at++;
        var table = ObjectName(t, at);
        return table is null ? null : new IndexShape(table.Value.Name, t.Take(on).Any(x => x.Is("CONCURRENTLY")));
    }

    private static int SkipIfExists(IReadOnlyList<SqlToken> t, int at, bool not)
    {
        if (not && at + 2 < t.Count && t[at].Is("IF") && t[at + 1].Is("NOT") && t[at + 2].Is("EXISTS")) return at + 3;
        if (!not && at + 1 < t.Count && t[at].Is("IF") && t[at + 1].Is("EXISTS")) return at + 2;
        return at;
    }

    /// <summary>A possibly schema-qualified name at <paramref name="at"/>; the last part names the object.</summary>
    private static (string Name, int Next)? ObjectName(IReadOnlyList<SqlToken> t, int at)
    {
        if (at >= t.Count || t[at].Kind is not (SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier)) return null;
        var name = t[at].Name;
        at++;
        while (at + 1 < t.Count && t[at].Text == "." && t[at + 1].Kind is SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier)
        {
            name = t[at + 1].Name;
            at += 2;
        }
        return (name, at);
    }

    /// <summary>ALTER TABLE actions are comma-separated at the top level (commas inside parentheses belong to an action).</summary>
    private static IEnumerable<List<SqlToken>> SplitActions(IReadOnlyList<SqlToken> t, int from)
    {
        var current = new List<SqlToken>();
        var depth = 0;
        for (var i = from; i < t.Count; i++)
        {
            var token = t[i];
            if (token.Kind == SqlTokenKind.Symbol)
            {
                if (token.Text == "(") depth++;
                else if (token.Text == ")") depth--;
                else if (token.Text == "," && depth == 0)
                {
                    yield return current;
                    current = [];
                    continue;
                }
            }
            current.Add(token);
        }
        yield return current;
    }
}
