using System.Data.Common;
using OpsConsole.Core.Migrations.Evidence;
using OpsConsole.Core.Migrations.Sql;
using OpsConsole.Core.Migrations.Targets;

namespace OpsConsole.Core.Migrations;

/// <summary>Running one script statement by statement, verify scripts, and the failure that carries a statement's error out of a run.</summary>
public sealed partial class MigrationRunner
{
    /// <summary>A statement or verify failed; carries the error with its position.</summary>
    private sealed class StepFailure(StatementError error, VerifyEvidence? verify = null) : Exception(error.ToString())
    {
        public StatementError Error { get; } = error;
        public VerifyEvidence? Verify { get; } = verify;
    }

    private static async Task ExecuteAsync(ITargetSession session, DbTransaction? tx, MigrationScript script, SqlDialect dialect, CancellationToken ct)
    {
        foreach (var statement in SqlSplitter.Split(script.Sql, dialect))
            await ExecuteStatementAsync(session, tx, script, statement, ct);
    }

    private static Task<StatementResult> ExecuteStatementAsync(ITargetSession session, DbTransaction? tx, MigrationScript script, SqlStatement statement, CancellationToken ct) =>
        ExecuteStatementAsync(session, script, statement, () => session.ExecuteAsync(tx, statement, ct), ct);

    /// <param name="send">Sends the statement (alone, or with the history rows after it).</param>
    private static async Task<StatementResult> ExecuteStatementAsync(ITargetSession session, MigrationScript script, SqlStatement statement, Func<Task<StatementResult>> send, CancellationToken ct)
    {
        if (StatementGuard.Check(statement, session.Dialect) is { } refusal)
            throw new StepFailure(new StatementError(script.FileName, statement.Index, statement.Line, statement.Column, statement.Excerpt(400),
                $"refused by the runner ({refusal.Rule}): {refusal.Reason}", StatementRefusal.Code));
        try
        {
            return await send();
        }
        catch (DbException e)
        {
            throw new StepFailure(session.DescribeError(e, script, statement));
        }
        catch (InvalidOperationException e) when (!ct.IsCancellationRequested)
        {
            // The driver's word for a connection that went away mid-statement.
            throw new StepFailure(session.DescribeError(e, script, statement));
        }
        catch (TimeoutException e)
        {
            throw new StepFailure(session.DescribeError(e, script, statement));
        }
    }

    /// <summary>
    /// Runs verify.sql. It fails on any error (as Sqitch's verify does) and also when a query that
    /// returns a single column gives false or 0 first: SQLite cannot raise an error from plain SQL,
    /// so "SELECT count(*) FROM ... WHERE ..." is how a SQLite verify says no.
    /// </summary>
    /// <param name="record">
    /// When given (with a transaction), the change's history rows are sent together with the last
    /// verify statement (one round trip less per change); a verify that fails or says no rolls them back
    /// with the change. The caller records the change itself when verify has no statement.
    /// </param>
    private static async Task<VerifyEvidence> VerifyAsync(ITargetSession session, DbTransaction? tx, MigrationChange change, SqlDialect dialect, CancellationToken ct,
        Func<AppliedChange>? record = null)
    {
        var statements = SqlSplitter.Split(change.Verify.Sql, dialect);
        foreach (var statement in statements)
        {
            StatementResult result;
            try
            {
                result = tx is not null && record is not null && ReferenceEquals(statement, statements[^1])
                    ? await ExecuteStatementAsync(session, change.Verify, statement, () => session.ExecuteThenRecordDeployAsync(tx, statement, record(), ct), ct)
                    : await ExecuteStatementAsync(session, tx, change.Verify, statement, ct);
            }
            catch (StepFailure failure)
            {
                throw new StepFailure(failure.Error, new VerifyEvidence(false, $"verify.sql failed: {failure.Error}"));
            }
            if (result.HasSingleValue && IsFalse(result.Value))
            {
                var error = new StatementError(change.Verify.FileName, statement.Index, statement.Line, statement.Column, statement.Excerpt(400),
                    $"verify returned {result.Value}", null);
                throw new StepFailure(error, new VerifyEvidence(false, $"verify.sql statement {statement.Index + 1} (line {statement.Line}) returned {result.Value}."));
            }
        }
        return new VerifyEvidence(true, $"{statements.Count} verify statement(s) passed.");
    }

    private static bool IsFalse(object? value) => value switch
    {
        bool b => !b,
        long or int or short or byte or decimal or double or float => Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture) == 0,
        _ => false,
    };

    private static async Task RollbackQuietlyAsync(DbTransaction? tx)
    {
        if (tx is null) return;
        try
        {
            await tx.RollbackAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            // The connection is gone; the server rolled the transaction back with it.
        }
    }
}
