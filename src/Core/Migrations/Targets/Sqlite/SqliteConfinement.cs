using Microsoft.Data.Sqlite;
using OpsConsole.Core.Migrations.Sql;
using SQLitePCL;

namespace OpsConsole.Core.Migrations.Targets.Sqlite;

/// <summary>
/// Confines a migration connection to its own database file, inside SQLite itself, so SQL that a
/// token scan misses (a trigger, a view, a CTE) is refused too: no other file can be attached
/// (the attach limit is 0 and the authorizer denies ATTACH/DETACH), no extension can be loaded,
/// defensive mode keeps the schema from being edited as data, the schema is not trusted to run
/// functions with side effects, and only PRAGMAs that neither move files nor loosen trust run.
/// The console's own statements (history table, snapshots) need none of what is denied.
/// </summary>
internal static class SqliteConfinement
{
    public const int NotAuthorized = 23; // SQLITE_AUTH

    public static void Apply(SqliteConnection connection)
    {
        var db = connection.Handle ?? throw new InvalidOperationException("The SQLite connection is not open.");
        raw.sqlite3_limit(db, raw.SQLITE_LIMIT_ATTACHED, 0);
        Config(db, raw.SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0);
        Config(db, raw.SQLITE_DBCONFIG_DEFENSIVE, 1);
        Config(db, raw.SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0);
        Config(db, raw.SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0);
        Check(raw.sqlite3_set_authorizer(db, Authorize, null), "set the authorizer");
    }

    private static void Config(sqlite3 db, int option, int value) =>
        Check(raw.sqlite3_db_config(db, option, value, out _), $"set option {option}");

    private static void Check(int rc, string what)
    {
        // A connection that cannot be confined must not be used for a migration at all.
        if (rc != raw.SQLITE_OK) throw new InvalidOperationException($"Could not {what} on the SQLite target connection (code {rc}).");
    }

    private static int Authorize(object userData, int action, string param0, string param1, string dbName, string trigger) => action switch
    {
        raw.SQLITE_ATTACH or raw.SQLITE_DETACH => raw.SQLITE_DENY,
        raw.SQLITE_PRAGMA => PragmaAllowed(param0, param1) ? raw.SQLITE_OK : raw.SQLITE_DENY,
        raw.SQLITE_FUNCTION => param1 is not null && StatementGuard.SqliteFunctions.Contains(param1) ? raw.SQLITE_DENY : raw.SQLITE_OK,
        _ => raw.SQLITE_OK,
    };

    private static bool PragmaAllowed(string? name, string? value) =>
        name is not null && StatementGuard.SqlitePragmas.Contains(name) && !(value is not null && StatementGuard.SqliteReadOnlyPragmas.Contains(name));
}
