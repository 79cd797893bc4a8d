namespace OpsConsole.Core.Migrations.Lint;

public enum LintSeverity
{
    Info,
    Warning,
    Error,
}

/// <summary>A lint rule: why the pattern hurts in production and the pattern that does the same safely.</summary>
public sealed record LintRule(string Id, LintSeverity Severity, string Title, string Explanation, string SafePattern);

/// <summary>The catalogue of rules. Ids are stable: waivers and evidence refer to them.</summary>
public static class LintRules
{
    public static readonly LintRule DropTable = new("drop-table", LintSeverity.Error, "DROP TABLE",
        "Dropping a table destroys its data and breaks every running version that still reads or writes it; a revert can recreate the table but not its rows.",
        "Stop using the table in one release; drop it in a contract change that runs after that release succeeded everywhere (take a backup first if the data may be wanted).");

    public static readonly LintRule DropColumn = new("drop-column", LintSeverity.Error, "DROP COLUMN",
        "Dropping a column destroys its data and breaks the version still running, which selects or inserts it, for as long as the rollout lasts.",
        "Expand/contract: release code that no longer reads or writes the column, then drop it in a contract change after the rollout succeeded.");

    public static readonly LintRule Rename = new("rename", LintSeverity.Error, "RENAME of a table or column",
        "A rename is instant for the database but breaks the version still running, which uses the old name, until every instance runs the new code.",
        "Expand/contract: add the new column (or table), write both and backfill, switch reads to the new name in a release, drop the old one in a contract change.");

    public static readonly LintRule AlterColumnType = new("alter-column-type", LintSeverity.Error, "ALTER COLUMN TYPE",
        "Changing a column's type usually rewrites the whole table under an exclusive lock (reads and writes wait for the rewrite) and can break readers that expect the old type.",
        "Add a column of the new type, backfill it in batches, switch the code to it, then drop the old column in a contract change.");

    public static readonly LintRule AddColumnNotNullWithoutDefault = new("add-column-not-null-without-default", LintSeverity.Error, "ADD COLUMN NOT NULL without DEFAULT",
        "A NOT NULL column without a default cannot be added to a table that has rows (SQLite refuses it always), and the version still running inserts rows without it.",
        "Add the column nullable or with a DEFAULT, backfill, and add the NOT NULL constraint in a later change (PostgreSQL: a CHECK (col IS NOT NULL) NOT VALID, then VALIDATE).");

    public static readonly LintRule CreateIndexNotConcurrently = new("create-index-not-concurrently", LintSeverity.Error, "CREATE INDEX without CONCURRENTLY",
        "On PostgreSQL a plain CREATE INDEX blocks every write to the table until the index is built, which on a large table is an outage.",
        "CREATE INDEX CONCURRENTLY in a change of its own declared transactional: false (it cannot run inside a transaction); an index on a table created in the same change is fine as is.");

    public static readonly LintRule MissingRevert = new("missing-revert", LintSeverity.Error, "Change without a revert script",
        "Without revert.sql the change cannot be undone by the console: a failed rollout then needs hand-written SQL under pressure.",
        "Write revert.sql that restores the schema as it was before deploy.sql (the dry-run checks it does); waive only for a change that truly cannot be undone, saying why.");

    public static readonly LintRule NonTransactionalStatement = new("non-transactional-statement", LintSeverity.Error, "Non-transactional statement in a transactional change",
        "Statements such as CREATE INDEX CONCURRENTLY, VACUUM or CREATE DATABASE cannot run inside a transaction block: the change fails, or worse, is not atomic.",
        "Move the statement into a change of its own declared transactional: false (change.yaml), with nothing else in it.");

    public static readonly LintRule TransactionControl = new("transaction-control", LintSeverity.Error, "BEGIN/COMMIT/ROLLBACK inside a change",
        "The runner wraps each change and its verify in one transaction; a COMMIT inside the script would make half of the change permanent before verify runs.",
        "Remove transaction statements from the script; declare transactional: false when a statement must run outside a transaction.");

    public static readonly LintRule NonTransactionalChangeWithManyStatements = new("non-transactional-multiple-statements", LintSeverity.Warning, "Several statements in a non-transactional change",
        "A change declared transactional: false cannot be rolled back: when its second statement fails the first stays applied and the change is half done.",
        "Keep one statement per non-transactional change, and make it idempotent (IF NOT EXISTS) so a retry succeeds.");

    public static readonly IReadOnlyList<LintRule> All =
    [
        DropTable, DropColumn, Rename, AlterColumnType, AddColumnNotNullWithoutDefault, CreateIndexNotConcurrently,
        MissingRevert, NonTransactionalStatement, TransactionControl, NonTransactionalChangeWithManyStatements,
    ];

    public static LintRule? Find(string id) => All.FirstOrDefault(r => r.Id == id);
}
