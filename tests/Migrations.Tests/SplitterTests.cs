using OpsConsole.Core.Migrations.Sql;

namespace OpsConsole.Migrations.Tests;

public sealed class SplitterTests
{
    [Fact]
    public void Semicolons_inside_strings_comments_identifiers_and_dollar_quotes_do_not_split()
    {
        var sql = """
            -- a comment; with a semicolon
            INSERT INTO t (note) VALUES ('a;b', 'it''s; fine', E'back\'slash;');
            /* block; /* nested; */ still comment; */
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END; $body$;
            SELECT "odd;name" FROM t
            """;
        var statements = SqlSplitter.Split(sql, SqlDialect.Postgres);

        Assert.Equal(3, statements.Count);
        Assert.StartsWith("INSERT", statements[0].Text);
        Assert.Equal(2, statements[0].Line);
        Assert.StartsWith("CREATE FUNCTION", statements[1].Text);
        Assert.EndsWith("$body$", statements[1].Text);
        Assert.Equal(4, statements[1].Line);
        Assert.Equal("SELECT \"odd;name\" FROM t", statements[2].Text);
    }

    [Fact]
    public void Sqlite_trigger_bodies_stay_one_statement_and_a_column_named_begin_does_not_open_one()
    {
        var sql = """
            CREATE TABLE shifts (begin TEXT, "end" TEXT);
            CREATE TRIGGER t AFTER INSERT ON shifts BEGIN
                UPDATE shifts SET "end" = CASE WHEN new.begin IS NULL THEN 'x' ELSE new.begin END;
                SELECT 1;
            END;
            DROP TABLE other;
            """;
        var statements = SqlSplitter.Split(sql, SqlDialect.Sqlite);

        Assert.Equal(3, statements.Count);
        Assert.StartsWith("CREATE TRIGGER", statements[1].Text);
        Assert.EndsWith("END", statements[1].Text);
        Assert.Equal(6, statements[2].Line);
    }

    [Fact]
    public void Empty_statements_and_comment_only_scripts_yield_nothing()
    {
        Assert.Empty(SqlSplitter.Split(";;\n-- only a comment\n/* and this */", SqlDialect.Sqlite));
    }
}
