using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Lint;
using OpsConsole.Core.Migrations.Sql;

namespace OpsConsole.Migrations.Tests;

public sealed class LintTests
{
    private static MigrationChange Change(string deploy, string? revert = "SELECT 1;", bool transactional = true, MigrationPhase phase = MigrationPhase.Expand,
        string verify = "SELECT 1;") =>
        new("001_change", 1, phase, transactional, null, new MigrationScript("deploy.sql", deploy, "d"), new MigrationScript("verify.sql", verify, "v"),
            revert is null ? null : new MigrationScript("revert.sql", revert, "r"), "c");

    [Theory]
    [InlineData("DROP TABLE orders;", "drop-table")]
    [InlineData("DROP TABLE IF EXISTS public.orders CASCADE;", "drop-table")]
    [InlineData("ALTER TABLE orders DROP COLUMN note;", "drop-column")]
    [InlineData("ALTER TABLE orders DROP note;", "drop-column")]
    [InlineData("ALTER TABLE IF EXISTS ONLY orders ADD COLUMN x int, DROP COLUMN IF EXISTS note;", "drop-column")]
    [InlineData("ALTER TABLE orders RENAME COLUMN note TO remark;", "rename")]
    [InlineData("ALTER TABLE orders RENAME note TO remark;", "rename")]
    [InlineData("ALTER TABLE orders RENAME TO purchases;", "rename")]
    [InlineData("ALTER TABLE orders ALTER COLUMN total TYPE bigint;", "alter-column-type")]
    [InlineData("ALTER TABLE orders ALTER total SET DATA TYPE numeric(12, 2) USING total::numeric;", "alter-column-type")]
    [InlineData("ALTER TABLE orders ADD COLUMN status text NOT NULL;", "add-column-not-null-without-default")]
    [InlineData("ALTER TABLE orders ADD status text CHECK (status <> '') NOT NULL;", "add-column-not-null-without-default")]
    [InlineData("CREATE INDEX ix_orders_customer ON orders (customer_id);", "create-index-not-concurrently")]
    [InlineData("CREATE UNIQUE INDEX IF NOT EXISTS ix ON ONLY public.orders (id);", "create-index-not-concurrently")]
    [InlineData("CREATE TABLE t (id int); CREATE INDEX CONCURRENTLY ix ON orders (id);", "non-transactional-statement")]
    [InlineData("VACUUM orders;", "non-transactional-statement")]
    [InlineData("REINDEX INDEX CONCURRENTLY ix;", "non-transactional-statement")]
    [InlineData("CREATE TABLE t (id int); COMMIT;", "transaction-control")]
    public void Each_rule_fires_on_its_pattern_on_postgres(string deploy, string rule)
    {
        var finding = Assert.Single(MigrationLinter.Lint(Change(deploy), SqlDialect.Postgres), f => f.RuleId == rule);
        Assert.Equal(LintSeverity.Error, finding.Severity);
        Assert.Equal("deploy.sql", finding.File);
        Assert.True(finding.Line >= 1);
        Assert.False(string.IsNullOrWhiteSpace(finding.Explanation));
        Assert.False(string.IsNullOrWhiteSpace(finding.SafePattern));
        Assert.True(finding.Blocks);
    }

    [Theory]
    [InlineData("ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';")]
    [InlineData("ALTER TABLE orders ADD COLUMN status text;")]
    [InlineData("ALTER TABLE orders ADD COLUMN total_eur numeric GENERATED ALWAYS AS (total / 100) STORED NOT NULL;")]
    [InlineData("ALTER TABLE orders ADD CONSTRAINT ck CHECK (total > 0) NOT VALID;")]
    [InlineData("ALTER TABLE orders DROP CONSTRAINT ck;")]
    [InlineData("ALTER TABLE orders ALTER COLUMN note DROP NOT NULL;")]
    [InlineData("ALTER TABLE orders RENAME CONSTRAINT ck TO ck2;")]
    [InlineData("CREATE TABLE orders2 (id int NOT NULL, note text); ALTER TABLE orders2 ADD COLUMN s text NOT NULL; ALTER TABLE orders2 ALTER COLUMN note TYPE varchar(20); CREATE INDEX ix ON orders2 (note);")]
    [InlineData("INSERT INTO audit (what) VALUES ('DROP TABLE orders; ALTER TABLE x RENAME TO y');")]
    [InlineData("CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE scratch; COMMIT; END $$;")]
    public void Safe_patterns_raise_nothing(string deploy)
    {
        Assert.Empty(MigrationLinter.Lint(Change(deploy), SqlDialect.Postgres));
    }

    [Fact]
    public void Create_index_without_concurrently_is_a_postgres_rule_only()
    {
        Assert.Empty(MigrationLinter.Lint(Change("CREATE INDEX ix ON orders (customer_id);"), SqlDialect.Sqlite));
    }

    [Fact]
    public void Rules_fire_on_sqlite_syntax_too()
    {
        var findings = MigrationLinter.Lint(Change("ALTER TABLE [orders] RENAME COLUMN `note` TO remark; ALTER TABLE orders DROP COLUMN x; DROP TABLE old; VACUUM;"), SqlDialect.Sqlite);
        Assert.Equal(["rename", "drop-column", "drop-table", "non-transactional-statement"], findings.Select(f => f.RuleId));
        Assert.Contains("orders.note", findings[0].Message);
    }

    [Fact]
    public void Missing_revert_is_an_error_on_the_change()
    {
        var finding = Assert.Single(MigrationLinter.Lint(Change("CREATE TABLE t (id int);", revert: null), SqlDialect.Sqlite));
        Assert.Equal(("missing-revert", "revert.sql", LintSeverity.Error), (finding.RuleId, finding.File, finding.Severity));
    }

    [Fact]
    public void Transaction_statements_in_verify_or_revert_are_found_too_but_drops_in_revert_are_expected()
    {
        var findings = MigrationLinter.Lint(Change("CREATE TABLE t (id int);", revert: "DROP TABLE t; COMMIT;", verify: "BEGIN; SELECT 1;"), SqlDialect.Postgres);
        Assert.Equal([("transaction-control", "verify.sql"), ("transaction-control", "revert.sql")], findings.Select(f => (f.RuleId, f.File)));
    }

    [Fact]
    public void A_non_transactional_change_may_hold_concurrently_but_is_warned_about_several_statements()
    {
        Assert.Empty(MigrationLinter.Lint(Change("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON orders (id);", transactional: false), SqlDialect.Postgres));
        var finding = Assert.Single(MigrationLinter.Lint(Change("CREATE INDEX CONCURRENTLY ix ON orders (id); CREATE INDEX CONCURRENTLY ix2 ON orders (x);", transactional: false), SqlDialect.Postgres));
        Assert.Equal(("non-transactional-multiple-statements", LintSeverity.Warning), (finding.RuleId, finding.Severity));
        Assert.False(finding.Blocks);
    }

    [Fact]
    public void Drops_in_a_contract_change_are_warnings_because_that_is_the_safe_place_for_them()
    {
        var findings = MigrationLinter.Lint(Change("ALTER TABLE orders DROP COLUMN legacy; DROP TABLE old_orders;", phase: MigrationPhase.Contract), SqlDialect.Postgres);
        Assert.All(findings, f => Assert.Equal(LintSeverity.Warning, f.Severity));
        Assert.Equal(2, findings.Count);
    }

    [Fact]
    public void A_waiver_for_the_rule_and_change_stops_the_finding_from_blocking()
    {
        var waiver = new MigrationWaiver("001_change", "drop-table", "rita", "The table has been unused since 2023.");
        var finding = Assert.Single(MigrationLinter.Lint([Change("DROP TABLE orders;")], SqlDialect.Sqlite, [waiver]));
        Assert.True(finding.Waived);
        Assert.False(finding.Blocks);
        Assert.Equal(waiver, finding.Waiver);
        Assert.True(Assert.Single(MigrationLinter.Lint([Change("DROP TABLE orders;")], SqlDialect.Sqlite,
            [waiver with { RuleId = "rename" }])).Blocks);
    }

    [Fact]
    public void Every_rule_has_an_explanation_and_a_safe_pattern()
    {
        Assert.Equal(LintRules.All.Count, LintRules.All.Select(r => r.Id).Distinct().Count());
        Assert.All(LintRules.All, r => Assert.True(r.Explanation.Length > 40 && r.SafePattern.Length > 40, r.Id));
    }
}
