using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Runbooks.Search;

/// <summary>What the search index holds per runbook.</summary>
public sealed record RunbookSearchDocument(string Slug, string Title, string Body, IReadOnlyList<string> Tags);

/// <summary>A search hit: the runbook and a snippet of the matching text as HTML (the text encoded, the matched terms in &lt;mark&gt;).</summary>
public sealed record RunbookSearchHit(string Slug, string Title, string SnippetHtml, double Rank);

/// <summary>
/// Full-text search over runbooks' titles, bodies and tags. The index lives in the console's store
/// and is written in the same transaction as the runbook; each store kind has its implementation
/// (SQLite FTS5 on the embedded default).
/// </summary>
public interface IRunbookSearch
{
    /// <summary>Creates the index if missing and fills it from the runbooks when it does not hold them all.</summary>
    Task EnsureAsync(OpsDbContext db, CancellationToken ct);

    /// <summary>Adds or replaces a runbook in the index, within the context's current transaction.</summary>
    Task IndexAsync(OpsDbContext db, RunbookSearchDocument doc, CancellationToken ct);

    Task<IReadOnlyList<RunbookSearchHit>> SearchAsync(OpsDbContext db, string query, int limit, CancellationToken ct);
}
