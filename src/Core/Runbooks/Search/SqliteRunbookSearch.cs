using System.Data;
using System.Data.Common;
using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Runbooks.Search;

/// <summary>
/// SQLite FTS5 over title, body and tags (porter stemming), created by the runbook code at start
/// rather than in a store migration, so another store kind brings its own index. Queries are made
/// of the words typed, each quoted (no FTS syntax reaches SQLite), all required, the last one as a
/// prefix (prefix indexes of 2 and 3 characters keep short prefixes cheap); results by bm25
/// with title matches weighted highest, snippets cut only for the results kept.
/// </summary>
public sealed class SqliteRunbookSearch : IRunbookSearch
{
    public const string Table = "runbook_search";
    private const char Open = '\u0002';
    private const char Close = '\u0003';

    public async Task EnsureAsync(OpsDbContext db, CancellationToken ct)
    {
        await db.Database.ExecuteSqlRawAsync(
            $"CREATE VIRTUAL TABLE IF NOT EXISTS {Table} USING fts5(slug UNINDEXED, title, body, tags, tokenize = 'porter unicode61', prefix = '2 3')", ct);
        var indexed = await ScalarAsync(db, $"SELECT count(*) FROM {Table}", ct);
        var runbooks = await db.Runbooks.CountAsync(ct);
        if (indexed == runbooks) return;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlRawAsync($"DELETE FROM {Table}", ct);
        var all = await db.Runbooks.AsNoTracking().Select(r => new { r.Slug, r.Title, r.Markdown, r.TagsJson }).ToListAsync(ct);
        foreach (var r in all)
        {
            var doc = RunbookDocument.Parse(r.Markdown, r.Slug);
            await InsertAsync(db, new RunbookSearchDocument(r.Slug, r.Title, doc.Body, doc.Tags), ct);
        }
        await tx.CommitAsync(ct);
    }

    public async Task IndexAsync(OpsDbContext db, RunbookSearchDocument doc, CancellationToken ct)
    {
        await db.Database.ExecuteSqlRawAsync($"DELETE FROM {Table} WHERE slug = {{0}}", [doc.Slug], ct);
        await InsertAsync(db, doc, ct);
    }

    private static Task InsertAsync(OpsDbContext db, RunbookSearchDocument doc, CancellationToken ct) =>
        db.Database.ExecuteSqlRawAsync($"INSERT INTO {Table} (slug, title, body, tags) VALUES ({{0}}, {{1}}, {{2}}, {{3}})",
            [doc.Slug, doc.Title, doc.Body, string.Join(' ', doc.Tags)], ct);

    /// <summary>The words of a query as an FTS5 expression: each word quoted, all required, the last a prefix. Null when nothing is left.</summary>
    public static string? ToMatchExpression(string query)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var c in query)
        {
            if (char.IsLetterOrDigit(c) || c == '_') current.Append(c);
            else if (current.Length > 0) { words.Add(current.ToString()); current.Clear(); }
        }
        if (current.Length > 0) words.Add(current.ToString());
        words = words.Take(16).ToList();
        if (words.Count == 0) return null;
        return string.Join(" AND ", words.Select((w, i) => $"\"{w}\"" + (i == words.Count - 1 ? "*" : "")));
    }

    public async Task<IReadOnlyList<RunbookSearchHit>> SearchAsync(OpsDbContext db, string query, int limit, CancellationToken ct)
    {
        var match = ToMatchExpression(query);
        if (match is null) return [];
        var connection = db.Database.GetDbConnection();
        var opened = connection.State != ConnectionState.Open;
        if (opened) await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            // Rank every match, keep the best few, and only then cut snippets for those (a snippet reads the row's text).
            cmd.CommandText =
                $"WITH top AS (SELECT rowid AS id, rank FROM {Table} WHERE {Table} MATCH $match AND rank MATCH 'bm25(0.0, 10.0, 1.0, 5.0)' ORDER BY rank LIMIT $limit) " +
                $"SELECT s.slug, s.title, snippet({Table}, 2, char(2), char(3), '…', 16), highlight({Table}, 1, char(2), char(3)), top.rank " +
                $"FROM top JOIN {Table} s ON s.rowid = top.id WHERE {Table} MATCH $match ORDER BY top.rank";
            Add(cmd, "$match", match);
            Add(cmd, "$limit", Math.Clamp(limit, 1, 200));
            var hits = new List<RunbookSearchHit>();
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var snippet = reader.GetString(2);
                if (snippet.IndexOf(Open) < 0) snippet = reader.GetString(3);
                hits.Add(new RunbookSearchHit(reader.GetString(0), reader.GetString(1), Highlight(snippet), reader.GetDouble(4)));
            }
            return hits;
        }
        finally
        {
            if (opened) await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The snippet's text HTML-encoded (a runbook's text may hold markup), then the match markers turned into &lt;mark&gt;.</summary>
    public static string Highlight(string marked) =>
        WebUtility.HtmlEncode(marked.Replace("\n", " ")).Replace(Open.ToString(), "<mark>").Replace(Close.ToString(), "</mark>");

    private static void Add(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }

    private static async Task<long> ScalarAsync(OpsDbContext db, string sql, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        var opened = connection.State != ConnectionState.Open;
        if (opened) await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            cmd.CommandText = sql;
            return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            if (opened) await db.Database.CloseConnectionAsync();
        }
    }
}
