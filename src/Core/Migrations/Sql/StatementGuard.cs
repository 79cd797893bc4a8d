namespace OpsConsole.Core.Migrations.Sql;

/// <summary>Why the runner refuses to send a statement: the rule broken and what the statement would have done.</summary>
public sealed record StatementRefusal(string Rule, string Reason)
{
    /// <summary>The runner owns the transaction around each change.</summary>
    public const string TransactionControl = "transaction-control";

    /// <summary>The statement reaches past its own target: other files, other databases, the server, roles.</summary>
    public const string TargetEscape = "target-escape";

    /// <summary>The code a refused statement carries in evidence instead of the database's SQLSTATE.</summary>
    public const string Code = "OPSCONSOLE_REFUSED";
}

/// <summary>A refused statement of a change, with where it is.</summary>
public sealed record RefusedStatement(string Change, string File, int Line, string Statement, StatementRefusal Refusal)
{
    public override string ToString() => $"Refused: {Change}/{File}{(Line > 0 ? $" line {Line}" : "")}: {Refusal.Reason}";
}

/// <summary>
/// The statements a migration may never send, whatever lint waivers say: a change touches its own
/// target and nothing else, and never ends the transaction the runner wraps it in. This is checked
/// by the runner before each statement is sent (and for the whole batch in preflight); on SQLite the
/// session's authorizer enforces the same inside the engine, so SQL the token scan misses is still
/// refused. On PostgreSQL dynamic SQL (EXECUTE of a built string) can hide a statement from any
/// scan: there the target role's privileges are the boundary, which preflight checks.
/// </summary>
public static class StatementGuard
{
    /// <summary>PRAGMAs a change may use: schema introspection and per-connection behaviour; none names a file or loosens schema trust.</summary>
    public static readonly IReadOnlySet<string> SqlitePragmas = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "foreign_keys", "foreign_key_check", "foreign_key_list", "defer_foreign_keys", "legacy_alter_table", "recursive_triggers",
        "ignore_check_constraints", "case_sensitive_like", "table_info", "table_xinfo", "table_list", "index_info", "index_xinfo",
        "index_list", "integrity_check", "quick_check", "user_version", "application_id", "optimize", "analysis_limit",
        "collation_list", "function_list", "module_list", "pragma_list", "compile_options", "query_only", "busy_timeout",
        "cache_size", "encoding", "page_count", "freelist_count", "data_version", "schema_version",
    };

    /// <summary>PRAGMAs that may be read but never set: writing schema_version corrupts the database.</summary>
    public static readonly IReadOnlySet<string> SqliteReadOnlyPragmas = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "schema_version" };

    /// <summary>SQLite functions that load code or touch files.</summary>
    public static readonly IReadOnlySet<string> SqliteFunctions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "load_extension", "fts3_tokenizer", "readfile", "writefile", "edit", "zipfile", "sqlar_compress", "sqlar_uncompress",
    };

    /// <summary>PostgreSQL functions that read or write server files, reach other databases or act on the server.</summary>
    private static readonly HashSet<string> PostgresFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "lo_export", "lo_import", "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_file_write", "pg_file_rename",
        "pg_file_unlink", "pg_file_sync", "pg_reload_conf", "pg_rotate_logfile", "pg_promote", "pg_terminate_backend", "pg_cancel_backend",
        "pg_ls_logdir", "pg_ls_waldir", "pg_ls_tmpdir", "pg_ls_archive_statusdir",
    };

    /// <summary>Extensions whose whole purpose is reaching outside the database or its files.</summary>
    private static readonly HashSet<string> PostgresExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        "dblink", "postgres_fdw", "file_fdw", "adminpack", "plpython3u", "plperlu", "pltclu",
    };

    /// <summary>Every refused statement of the scripts of <paramref name="changes"/>.</summary>
    public static IReadOnlyList<RefusedStatement> Scan(IEnumerable<MigrationChange> changes, SqlDialect dialect, Func<MigrationChange, IEnumerable<MigrationScript>>? scripts = null)
    {
        var refused = new List<RefusedStatement>();
        foreach (var change in changes)
            foreach (var script in scripts?.Invoke(change) ?? change.Scripts)
                foreach (var statement in SqlSplitter.Split(script.Sql, dialect))
                    if (Check(statement, dialect) is { } refusal)
                        refused.Add(new RefusedStatement(change.Name, script.FileName, statement.Line, statement.Excerpt(), refusal));
        return refused;
    }

    public static StatementRefusal? Check(SqlStatement statement, SqlDialect dialect)
    {
        if (TransactionControl(statement) is { } tc) return new StatementRefusal(StatementRefusal.TransactionControl, tc);
        return Escape(statement, dialect, depth: 0);
    }

    private static string? TransactionControl(SqlStatement s)
    {
        if (s.Tokens.Count == 0) return null;
        var first = s.Tokens[0];
        string[] words = ["BEGIN", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"];
        if (words.Any(first.Is) || s.StartsWith("START", "TRANSACTION") || s.StartsWith("PREPARE", "TRANSACTION"))
            return $"{first.Text.ToUpperInvariant()} manages the transaction, which belongs to the runner: a change's statements run inside the transaction it opened, " +
                   "so that the change, its verify and its history row commit together or not at all.";
        return null;
    }

    private static StatementRefusal? Escape(SqlStatement s, SqlDialect dialect, int depth)
    {
        var reason = dialect == SqlDialect.Sqlite ? Sqlite(s) : Postgres(s);
        if (reason is not null) return new StatementRefusal(StatementRefusal.TargetEscape, reason);
        if (dialect != SqlDialect.Postgres || depth >= 3) return null;
        // Function and DO bodies (and strings run by EXECUTE inside them) are SQL too: check what they hold.
        foreach (var body in s.Tokens.Where(t => t.Kind == SqlTokenKind.String).Select(Unquote).Where(b => b.Length > 4))
            foreach (var inner in SqlSplitter.Split(body, dialect))
                if (Escape(inner, dialect, depth + 1) is { } refusal)
                    return refusal with { Reason = "Inside a quoted body: " + refusal.Reason };
        return null;
    }

    private static string Unquote(SqlToken t)
    {
        var text = t.Text;
        if (text.StartsWith('$'))
        {
            var close = text.IndexOf('$', 1);
            return close > 0 && text.Length >= 2 * (close + 1) ? text[(close + 1)..^(close + 1)] : "";
        }
        var start = text.IndexOf('\'');
        return start >= 0 && text.Length - start >= 2 ? text[(start + 1)..^1].Replace("''", "'") : "";
    }

    private static string? Sqlite(SqlStatement s)
    {
        var t = s.Tokens;
        if (s.StartsWith("ATTACH") || s.StartsWith("DETACH"))
            return $"{t[0].Text.ToUpperInvariant()} opens another database file from the target's connection; a change may touch its own target only.";
        if (s.StartsWith("VACUUM") && t.Any(x => x.Is("INTO")))
            return "VACUUM INTO writes a copy of the target to another file.";
        if (s.StartsWith("PRAGMA") && t.Count > 1)
        {
            var at = t.Count > 3 && t[2].Text == "." ? 3 : 1;
            var name = t[at].Name;
            var sets = t.Skip(at + 1).Any(x => x.Text is "=" or "(");
            if (!SqlitePragmas.Contains(name))
                return $"PRAGMA {name} is not one a change may use: it changes how or where the database stores its files, or whether its schema is trusted.";
            if (sets && SqliteReadOnlyPragmas.Contains(name)) return $"PRAGMA {name} may be read, not set.";
        }
        for (var i = 0; i + 1 < t.Count; i++)
            if (t[i].Kind == SqlTokenKind.Word && t[i + 1].Text == "(" && SqliteFunctions.Contains(t[i].Text))
                return $"{t[i].Text.ToLowerInvariant()}() loads code or touches files outside the target.";
        return null;
    }

    private static string? Postgres(SqlStatement s)
    {
        var t = s.Tokens;
        if (s.StartsWith("ALTER", "SYSTEM")) return "ALTER SYSTEM changes the configuration of the whole server.";
        foreach (var verb in new[] { "CREATE", "ALTER", "DROP" })
        {
            foreach (var what in new[] { "ROLE", "USER", "GROUP", "DATABASE", "TABLESPACE", "SERVER", "SUBSCRIPTION" })
                if (s.StartsWith(verb, what))
                    return $"{verb} {what} acts beyond the target database (roles, databases, tablespaces and connections to other servers are the operator's, not a migration's).";
            if (s.StartsWith(verb, "FOREIGN", "DATA", "WRAPPER")) return $"{verb} FOREIGN DATA WRAPPER reaches other servers or files.";
        }
        if (s.StartsWith("CREATE", "EXTENSION"))
        {
            var at = t.Count > 4 && t[2].Is("IF") && t[3].Is("NOT") && t[4].Is("EXISTS") ? 5 : 2;
            if (at < t.Count && PostgresExtensions.Contains(t[at].Name))
                return $"The extension {t[at].Name} reaches other databases, server files or untrusted code.";
        }
        if (s.StartsWith("LOAD")) return "LOAD loads a shared library into the server.";
        if (s.StartsWith("SET", "ROLE") || s.StartsWith("SET", "SESSION", "AUTHORIZATION") || s.StartsWith("SET", "LOCAL", "ROLE")
            || s.StartsWith("SET", "SESSION", "ROLE") || s.StartsWith("RESET", "ROLE") || s.StartsWith("RESET", "SESSION", "AUTHORIZATION"))
            return "Changing the session's role would run the rest of the change with other privileges than the target's role.";
        if (s.StartsWith("REASSIGN", "OWNED") || s.StartsWith("DROP", "OWNED")) return $"{t[0].Text.ToUpperInvariant()} OWNED acts on every database a role owns objects in.";
        if ((s.StartsWith("GRANT") || s.StartsWith("REVOKE")) && !t.Any(x => x.Is("ON")))
            return "Granting or revoking role membership changes who may do what on the server.";
        if (s.StartsWith("COPY"))
        {
            var direction = t.ToList().FindIndex(x => x.Is("TO") || x.Is("FROM"));
            if (direction >= 0 && direction + 1 < t.Count && !(t[direction + 1].Is("STDIN") || t[direction + 1].Is("STDOUT")))
                return t[direction + 1].Is("PROGRAM")
                    ? "COPY ... PROGRAM runs a program on the database server."
                    : "COPY to or from a server file reads or writes files on the database server.";
        }
        for (var i = 0; i + 1 < t.Count; i++)
        {
            if (t[i].Kind != SqlTokenKind.Word || t[i + 1].Text != "(") continue;
            var name = t[i].Text;
            if (PostgresFunctions.Contains(name) || name.StartsWith("dblink", StringComparison.OrdinalIgnoreCase))
                return $"{name.ToLowerInvariant()}() reads or writes server files, reaches another database or acts on the server.";
        }
        return null;
    }
}
