using OpsConsole.Core.Migrations.Sql;

namespace OpsConsole.Migrations.Tests.Security;

/// <summary>The runner's statement check on its own: what it refuses, and ordinary migration SQL it must let through.</summary>
public sealed class StatementGuardTests
{
    private static StatementRefusal? Check(string sql, SqlDialect dialect) => SqlSplitter.Split(sql, dialect).Select(s => StatementGuard.Check(s, dialect)).FirstOrDefault(r => r is not null);

    [Theory]
    [InlineData("COMMIT")]
    [InlineData("end transaction")]
    [InlineData("BEGIN IMMEDIATE")]
    [InlineData("ROLLBACK TO SAVEPOINT x")]
    [InlineData("SAVEPOINT x")]
    [InlineData("RELEASE opsconsole_change")]
    [InlineData("START TRANSACTION")]
    public void Transaction_control_is_refused_in_both_dialects(string sql)
    {
        Assert.Equal(StatementRefusal.TransactionControl, Check(sql, SqlDialect.Sqlite)?.Rule);
        Assert.Equal(StatementRefusal.TransactionControl, Check(sql, SqlDialect.Postgres)?.Rule);
    }

    [Theory]
    [InlineData("ATTACH DATABASE 'x.db' AS x")]
    [InlineData("attach 'x.db' as x")]
    [InlineData("DETACH x")]
    [InlineData("VACUUM INTO 'copy.db'")]
    [InlineData("PRAGMA writable_schema = 1")]
    [InlineData("PRAGMA main.journal_mode = WAL")]
    [InlineData("PRAGMA schema_version = 7")]
    [InlineData("SELECT load_extension('x')")]
    [InlineData("CREATE VIEW v AS SELECT fts3_tokenizer('simple')")]
    public void SQLite_statements_that_leave_the_target_are_refused(string sql) =>
        Assert.Equal(StatementRefusal.TargetEscape, Check(sql, SqlDialect.Sqlite)?.Rule);

    [Theory]
    [InlineData("COPY t TO PROGRAM 'id'")]
    [InlineData("copy t from '/etc/passwd'")]
    [InlineData("ALTER SYSTEM SET fsync = off")]
    [InlineData("CREATE ROLE x SUPERUSER")]
    [InlineData("ALTER USER app WITH SUPERUSER")]
    [InlineData("DROP DATABASE other")]
    [InlineData("CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw")]
    [InlineData("CREATE EXTENSION IF NOT EXISTS dblink")]
    [InlineData("SELECT dblink_exec('host=other', 'DROP TABLE t')")]
    [InlineData("SELECT lo_export(1, 'exported')")]
    [InlineData("SELECT pg_read_file('/etc/passwd')")]
    [InlineData("SET ROLE postgres")]
    [InlineData("GRANT pg_write_server_files TO app")]
    [InlineData("LOAD 'evil'")]
    [InlineData("DO $$ BEGIN EXECUTE 'ALTER SYSTEM SET fsync = off'; END $$")]
    [InlineData("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $f$ COPY t TO PROGRAM 'id' $f$")]
    public void PostgreSQL_statements_that_leave_the_target_are_refused(string sql) =>
        Assert.Equal(StatementRefusal.TargetEscape, Check(sql, SqlDialect.Postgres)?.Rule);

    [Theory]
    [InlineData("CREATE TABLE orders (id int PRIMARY KEY, \"begin\" text, commit_sha text)", "postgres")]
    [InlineData("CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN RETURN NEW; END; $fn$", "postgres")]
    [InlineData("GRANT SELECT ON orders TO reporting", "postgres")]
    [InlineData("COPY orders FROM STDIN", "postgres")]
    [InlineData("CREATE EXTENSION IF NOT EXISTS pgcrypto", "postgres")]
    [InlineData("COMMENT ON TABLE orders IS 'rolled back on failure'", "postgres")]
    [InlineData("PRAGMA foreign_keys = OFF", "sqlite")]
    [InlineData("PRAGMA table_info(orders)", "sqlite")]
    [InlineData("CREATE TRIGGER t AFTER INSERT ON orders BEGIN UPDATE orders SET note = 'x' WHERE id = NEW.id; END", "sqlite")]
    [InlineData("SELECT count(*) FROM pragma_table_xinfo('orders')", "sqlite")]
    public void Ordinary_migration_SQL_passes(string sql, string dialect) =>
        Assert.Null(Check(sql, dialect == "sqlite" ? SqlDialect.Sqlite : SqlDialect.Postgres));
}
