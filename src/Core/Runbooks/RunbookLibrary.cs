using System.Security.Cryptography;
using System.Text;
using DiffPlex;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Runbooks.Actions;
using OpsConsole.Core.Runbooks.Search;

namespace OpsConsole.Core.Runbooks;

public sealed record RunbookListItem(string Slug, string Title, int Version, IReadOnlyList<string> Services, IReadOnlyList<string> Tags,
    IReadOnlyList<string> Owners, DateOnly? LastReviewed, string? Severity, DateTime UpdatedAt, string? SnippetHtml);

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<DiffLineKind>))]
public enum DiffLineKind { Unchanged, Inserted, Deleted }

public sealed record RunbookDiffLine(DiffLineKind Kind, int? OldLine, int? NewLine, string Text);

public sealed record RunbookDiff(string Slug, int From, int To, IReadOnlyList<RunbookDiffLine> Lines)
{
    public int Inserted => Lines.Count(l => l.Kind == DiffLineKind.Inserted);
    public int Deleted => Lines.Count(l => l.Kind == DiffLineKind.Deleted);
}

/// <summary>A file found in the runbooks folder: its path relative to the folder, and its text.</summary>
public sealed record RunbookFile(string RelativePath, string Content);

public sealed record RunbookImportReport(IReadOnlyList<string> Created, IReadOnlyList<string> Updated, IReadOnlyList<string> Unchanged,
    IReadOnlyDictionary<string, string> Errors);

/// <summary>
/// Runbooks: parse, validate (front matter, matchers, every step's action and arguments), save as a
/// new version with audit entry, event and search index in one transaction; read, list, search,
/// diff and render them; import the runbooks folder.
/// </summary>
public sealed class RunbookLibrary(OpsDbContext db, EventOutbox outbox, RunbookActionRegistry actions, IRunbookSearch search, TimeProvider clock)
{
    public RunbookRenderer Renderer { get; } = new(actions.Describe);

    /// <summary>Parses and validates a runbook's Markdown: broken front matter, matchers or steps throw InvalidInputException and nothing is saved.</summary>
    public RunbookDocument Parse(string? markdown, string? slugHint = null)
    {
        var doc = RunbookDocument.Parse(markdown, slugHint);
        foreach (var step in doc.Steps) actions.Validate(step);
        return doc;
    }

    public RenderedRunbook Render(string markdown, string? slugHint = null) => Renderer.Render(RunbookDocument.Parse(markdown, slugHint));

    public async Task<Runbook> CreateAsync(Actor actor, string? markdown, CancellationToken ct = default)
    {
        actor.Require("create runbooks", RunbookRoles.Edit);
        var doc = Parse(markdown);
        if (await db.Runbooks.AnyAsync(r => r.Slug == doc.Slug, ct))
            throw new ConflictException($"A runbook with the slug '{doc.Slug}' exists: edit it, or give this one another 'slug' in its front matter.");
        var runbook = NewRunbook(doc, actor.Name);
        await SaveAsync(actor, runbook, doc, "edit", null, "runbook.create", ct);
        return runbook;
    }

    /// <summary>Saves the Markdown as the runbook's next version; the same text as the current version changes nothing.</summary>
    public async Task<Runbook> UpdateAsync(Actor actor, string slug, string? markdown, string? comment = null, CancellationToken ct = default)
    {
        actor.Require("edit runbooks", RunbookRoles.Edit);
        var runbook = await db.Runbooks.FirstOrDefaultAsync(r => r.Slug == slug, ct) ?? throw new NotFoundException($"Runbook '{slug}'");
        var doc = Parse(markdown, slug);
        if (doc.Slug != slug)
            throw new InvalidInputException("slug", $"The front matter names the slug '{doc.Slug}', but this is the runbook '{slug}': a slug does not change.");
        if (Normalise(doc.Markdown) == Normalise(runbook.Markdown)) return runbook;
        await SaveAsync(actor, runbook, doc, "edit", comment?.Trim() is { Length: > 0 } c ? c[..Math.Min(c.Length, 500)] : null, "runbook.edit", ct);
        return runbook;
    }

    private Runbook NewRunbook(RunbookDocument doc, string by)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var runbook = new Runbook { Slug = doc.Slug, Title = doc.Title, Markdown = doc.Markdown, CreatedAt = now, UpdatedAt = now, UpdatedBy = by };
        db.Runbooks.Add(runbook);
        return runbook;
    }

    private async Task SaveAsync(Actor actor, Runbook runbook, RunbookDocument doc, string origin, string? comment, string auditAction, CancellationToken ct,
        string? sourceFile = null, string? sourceHash = null)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var before = runbook.Version;
        runbook.Apply(doc);
        runbook.Version = before + 1;
        runbook.UpdatedAt = now;
        runbook.UpdatedBy = actor.Name;
        if (sourceFile is not null) runbook.SourceFile = sourceFile;
        if (sourceHash is not null) runbook.SourceHash = sourceHash;
        db.RunbookVersions.Add(new RunbookVersion
        {
            RunbookId = runbook.Id, Number = runbook.Version, Markdown = doc.Markdown, Author = actor.Name, CreatedAt = now, Origin = origin, Comment = comment,
        });
        AuditTrail.Record(db, actor, auditAction, $"runbook/{runbook.Slug}",
            before: before == 0 ? null : new { version = before },
            after: new { version = runbook.Version, title = runbook.Title, origin, sha256 = Hash(doc.Markdown) });
        outbox.Add(db, actor, EventTypes.RunbookUpdated, $"runbook/{runbook.Slug}", new
        {
            slug = runbook.Slug, title = runbook.Title, version = runbook.Version, origin, by = actor.Name, services = doc.Services,
        });
        await using var tx = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        await db.SaveChangesAsync(ct);
        await search.IndexAsync(db, new RunbookSearchDocument(runbook.Slug, runbook.Title, doc.Body, doc.Tags), ct);
        if (tx is not null) await tx.CommitAsync(ct);
    }

    public async Task<Runbook> GetAsync(string slug, CancellationToken ct = default) =>
        await db.Runbooks.AsNoTracking().FirstOrDefaultAsync(r => r.Slug == slug, ct) ?? throw new NotFoundException($"Runbook '{slug}'");

    public async Task<IReadOnlyList<RunbookVersion>> VersionsAsync(string slug, CancellationToken ct = default)
    {
        var runbook = await GetAsync(slug, ct);
        return await db.RunbookVersions.AsNoTracking().Where(v => v.RunbookId == runbook.Id).OrderByDescending(v => v.Number).ToListAsync(ct);
    }

    public async Task<RunbookVersion> VersionAsync(string slug, int number, CancellationToken ct = default)
    {
        var runbook = await GetAsync(slug, ct);
        return await db.RunbookVersions.AsNoTracking().FirstOrDefaultAsync(v => v.RunbookId == runbook.Id && v.Number == number, ct)
               ?? throw new NotFoundException($"Version {number} of runbook '{slug}'");
    }

    public async Task<RunbookDiff> DiffAsync(string slug, int from, int to, CancellationToken ct = default)
    {
        var a = await VersionAsync(slug, from, ct);
        var b = await VersionAsync(slug, to, ct);
        return new RunbookDiff(slug, from, to, Diff(a.Markdown, b.Markdown));
    }

    public static IReadOnlyList<RunbookDiffLine> Diff(string oldText, string newText)
    {
        var model = InlineDiffBuilder.Diff(oldText, newText, ignoreWhiteSpace: false);
        var lines = new List<RunbookDiffLine>();
        int oldLine = 0, newLine = 0;
        foreach (var line in model.Lines)
        {
            switch (line.Type)
            {
                case ChangeType.Inserted: lines.Add(new RunbookDiffLine(DiffLineKind.Inserted, null, ++newLine, line.Text)); break;
                case ChangeType.Deleted: lines.Add(new RunbookDiffLine(DiffLineKind.Deleted, ++oldLine, null, line.Text)); break;
                case ChangeType.Imaginary: break;
                default: lines.Add(new RunbookDiffLine(DiffLineKind.Unchanged, ++oldLine, ++newLine, line.Text)); break;
            }
        }
        return lines;
    }

    /// <summary>All runbooks by title, or with a query the matches by relevance with highlighted snippets.</summary>
    public async Task<IReadOnlyList<RunbookListItem>> ListAsync(string? query, int limit = 100, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            var all = await db.Runbooks.AsNoTracking().OrderBy(r => r.Title).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(ct);
            return all.Select(r => Item(r, null)).ToList();
        }
        if (query.Length > 200) throw new InvalidInputException("q", "A search is at most 200 characters.");
        var hits = await search.SearchAsync(db, query, limit, ct);
        var slugs = hits.Select(h => h.Slug).ToList();
        // The list's columns only: a runbook's Markdown can be long and the list does not show it.
        var rows = await db.Runbooks.AsNoTracking().Where(r => slugs.Contains(r.Slug))
            .Select(r => new Runbook
            {
                Slug = r.Slug, Title = r.Title, Version = r.Version, Markdown = "", ServicesJson = r.ServicesJson, TagsJson = r.TagsJson,
                OwnersJson = r.OwnersJson, LastReviewed = r.LastReviewed, Severity = r.Severity, UpdatedAt = r.UpdatedAt, UpdatedBy = r.UpdatedBy,
            }).ToDictionaryAsync(r => r.Slug, ct);
        return hits.Where(h => rows.ContainsKey(h.Slug)).Select(h => Item(rows[h.Slug], h.SnippetHtml)).ToList();
    }

    private static RunbookListItem Item(Runbook r, string? snippet) =>
        new(r.Slug, r.Title, r.Version, r.Services, r.Tags, r.Owners, r.LastReviewed, r.Severity, r.UpdatedAt, snippet);

    /// <summary>
    /// Imports the runbooks folder's files as the system: a new runbook per new file, a new version
    /// when a file's content changed since its last import (edits made in the console stay until the
    /// file changes). A broken file is reported and skipped; the others are imported.
    /// </summary>
    public async Task<RunbookImportReport> ImportAsync(IEnumerable<RunbookFile> files, CancellationToken ct = default)
    {
        var actor = Actor.System("runbook-import");
        List<string> created = [], updated = [], unchanged = [];
        var errors = new Dictionary<string, string>();
        foreach (var file in files.OrderBy(f => f.RelativePath, StringComparer.Ordinal))
        {
            var hint = RunbookDocument.Slugify(Path.GetFileNameWithoutExtension(file.RelativePath));
            try
            {
                var doc = Parse(file.Content, hint);
                var hash = Hash(file.Content);
                var existing = await db.Runbooks.FirstOrDefaultAsync(r => r.Slug == doc.Slug, ct);
                if (existing is not null && existing.SourceFile is not null && existing.SourceFile != file.RelativePath)
                    throw new ConflictException($"The slug '{doc.Slug}' is already the runbook of {existing.SourceFile}.");
                if (existing is not null && (existing.SourceHash == hash || Normalise(existing.Markdown) == Normalise(doc.Markdown)))
                {
                    if (existing.SourceHash != hash || existing.SourceFile is null)
                    {
                        existing.SourceHash = hash;
                        existing.SourceFile = file.RelativePath;
                        await db.SaveChangesAsync(ct);
                    }
                    unchanged.Add(doc.Slug);
                    continue;
                }
                var runbook = existing ?? NewRunbook(doc, actor.Name);
                await SaveAsync(actor, runbook, doc, "import", $"imported from {file.RelativePath}", existing is null ? "runbook.import" : "runbook.reimport", ct,
                    file.RelativePath, hash);
                (existing is null ? created : updated).Add(doc.Slug);
            }
            catch (DomainException e)
            {
                db.ChangeTracker.Clear();
                errors[file.RelativePath] = e.Message;
            }
        }
        return new RunbookImportReport(created, updated, unchanged, errors);
    }

    /// <summary>The Markdown of a version as a file to keep in the runbooks folder.</summary>
    public async Task<(string FileName, string Markdown)> ExportAsync(string slug, int? version, CancellationToken ct = default)
    {
        var runbook = await GetAsync(slug, ct);
        var text = version is { } n ? (await VersionAsync(slug, n, ct)).Markdown : runbook.Markdown;
        return ($"{slug}.md", text.EndsWith('\n') ? text : text + "\n");
    }

    private static string Normalise(string markdown) => markdown.Replace("\r\n", "\n").TrimEnd();

    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
