using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Runbooks;

/// <summary>Runbooks whose front matter's alert matchers match an alert's labels (any one matcher set matching, all its matchers).</summary>
public sealed class RunbookMatcher(IDbContextFactory<OpsDbContext> dbs) : IRunbookMatcher
{
    public async Task<IReadOnlyList<RunbookReference>> ForAlertLabelsAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = await db.Runbooks.AsNoTracking().Where(r => r.AlertsJson != "[]").Select(r => new { r.Slug, r.Title, r.AlertsJson }).ToListAsync(ct);
        return rows.Where(r => Covers(System.Text.Json.JsonSerializer.Deserialize<List<string>>(r.AlertsJson) ?? [], labels))
            .OrderBy(r => r.Title, StringComparer.OrdinalIgnoreCase).Select(r => new RunbookReference(r.Slug, r.Title)).ToList();
    }

    /// <summary>Whether any of the matcher sets matches the labels; a set that no longer parses matches nothing.</summary>
    public static bool Covers(IEnumerable<string> matcherSets, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var text in matcherSets)
        {
            try
            {
                if (LabelMatcher.MatchesAll(LabelMatcher.ParseSet(text), labels)) return true;
            }
            catch (InvalidInputException)
            {
            }
        }
        return false;
    }
}
