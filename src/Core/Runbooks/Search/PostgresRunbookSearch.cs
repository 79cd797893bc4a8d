using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Runbooks.Search;

/// <summary>
/// PostgreSQL full-text search over title, body and tags (English stemming), in a table the runbook
/// code creates at start like the SQLite index. The same query rules as on SQLite: the words typed,
/// none of PostgreSQL's query syntax, all required, the last one as a prefix; ranked with title
/// matches weighted highest; snippets by ts_headline for the results kept.
/// </summary>
public sealed class PostgresRunbookSearch : IRunbookSearch
{
    public const string Table = "runbook_search";
    private const long EnsureLockKey = 0x4f7073_52627353; // "Ops" "RbsS"

    public async Task EnsureAsync(OpsDbContext db, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Replicas starting at once create and fill the index one after another.
        await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({EnsureLockKey})", ct);
        await db.Database.ExecuteSqlRawAsync(
            $"CREATE TABLE IF NOT EXISTS {Table} (slug text PRIMARY KEY, title text NOT NULL, body text NOT NULL, tags text NOT NULL, " +
            "doc tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', tags), 'B') || " +
            "setweight(to_tsvector('english', body), 'C')) STORED); " +
            $"CREATE INDEX IF NOT EXISTS {Table}_doc ON {Table} USING gin (doc)", ct);
        var indexed = await ScalarAsync(db, $"SELECT count(*) FROM {Table}", ct);
        var runbooks = await db.Runbooks.CountAsync(ct);
        if (indexed != runbooks)
        {
            await db.Database.ExecuteSqlRawAsync($"DELETE FROM {Table}", ct);
            var all = await db.Runbooks.AsNoTracking().Select(r => new { r.Slug, r.Title, r.Markdown }).ToListAsync(ct);
            foreach (var r in all)
            {
                var doc = RunbookDocument.Parse(r.Markdown, r.Slug);
                await IndexAsync(db, new RunbookSearchDocument(r.Slug, r.Title, doc.Body, doc.Tags), ct);
            }
        }
        await tx.CommitAsync(ct);
    }

    public Task IndexAsync(OpsDbContext db, RunbookSearchDocument doc, CancellationToken ct) =>
        db.Database.ExecuteSqlRawAsync(
            $"INSERT INTO {Table} (slug, title, body, tags) VALUES ({{0}}, {{1}}, {{2}}, {{3}}) " +
            "ON CONFLICT (slug) DO UPDATE SET title = excluded.title, body = excluded.body, tags = excluded.tags",
            [doc.Slug, Clean(doc.Title), Clean(doc.Body), Clean(string.Join(' ', doc.Tags))], ct);

    /// <summary>The words of a query as a tsquery text: all required, the last a prefix. Null when nothing is left.</summary>
    public static string? ToTsQuery(string query)
    {
        // The same words SQLite's index searches for, already reduced to letters, digits and '_'.
        var match = SqliteRunbookSearch.ToMatchExpression(query);
        if (match is null) return null;
        var words = match.Split(" AND ").Select(w => w.Trim('"', '*').Replace('_', ' ').Trim()).Where(w => w.Length > 0).ToList();
        if (words.Count == 0) return null;
        return string.Join(" & ", words.Select((w, i) => "'" + w + "'" + (i == words.Count - 1 ? ":*" : "")));
    }

    public async Task<IReadOnlyList<RunbookSearchHit>> SearchAsync(OpsDbContext db, string query, int limit, CancellationToken ct)
    {
        var tsquery = ToTsQuery(query);
        if (tsquery is null) return [];
        var connection = db.Database.GetDbConnection();
        var opened = connection.State != ConnectionState.Open;
        if (opened) await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            // Rank every match, keep the best few, and only then cut snippets for those.
            cmd.CommandText =
                $"WITH q AS (SELECT to_tsquery('english', @query) AS q), " +
                $"top AS (SELECT s.slug, ts_rank_cd('{{0.1, 0.2, 0.5, 1.0}}', s.doc, q.q) AS rank FROM {Table} s, q WHERE s.doc @@ q.q ORDER BY rank DESC, s.slug LIMIT @limit) " +
                "SELECT s.slug, s.title, " +
                // The headline parser drops markup: '<', '>' and '&' travel as control characters and come back in C#, then encoded.
                "ts_headline('english', translate(s.body, '<>&', chr(1) || chr(4) || chr(5)), q.q, 'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=24, MinWords=12, ShortWord=2'), " +
                "ts_headline('english', translate(s.title, '<>&', chr(1) || chr(4) || chr(5)), q.q, 'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', HighlightAll=true'), top.rank " +
                $"FROM top JOIN {Table} s ON s.slug = top.slug, q ORDER BY top.rank DESC, s.slug";
            Add(cmd, "query", tsquery);
            Add(cmd, "limit", Math.Clamp(limit, 1, 200));
            var hits = new List<RunbookSearchHit>();
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var snippet = reader.GetString(2);
                if (snippet.IndexOf('\u0002') < 0) snippet = reader.GetString(3);
                snippet = snippet.Replace('\u0001', '<').Replace('\u0004', '>').Replace('\u0005', '&').Trim();
                // Lower is better, as with SQLite's bm25.
                hits.Add(new RunbookSearchHit(reader.GetString(0), reader.GetString(1), SqliteRunbookSearch.Highlight(snippet), -Convert.ToDouble(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture)));
            }
            return hits;
        }
        finally
        {
            if (opened) await db.Database.CloseConnectionAsync();
        }
    }

    // PostgreSQL text cannot hold NUL characters.
    private static string Clean(string text) => text.Replace("\0", "", StringComparison.Ordinal);

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
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        cmd.CommandText = sql;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>The store's own search: SQLite FTS5 or PostgreSQL full-text search, whichever engine the context runs on.</summary>
public sealed class StoreRunbookSearch : IRunbookSearch
{
    private readonly SqliteRunbookSearch _sqlite = new();
    private readonly PostgresRunbookSearch _postgres = new();

    private IRunbookSearch For(OpsDbContext db) => db.Database.IsPostgres() ? _postgres : _sqlite;

    public Task EnsureAsync(OpsDbContext db, CancellationToken ct) => For(db).EnsureAsync(db, ct);

    public Task IndexAsync(OpsDbContext db, RunbookSearchDocument doc, CancellationToken ct) => For(db).IndexAsync(db, doc, ct);

    public Task<IReadOnlyList<RunbookSearchHit>> SearchAsync(OpsDbContext db, string query, int limit, CancellationToken ct) => For(db).SearchAsync(db, query, limit, ct);
}
