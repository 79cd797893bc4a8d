using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Runbooks;
using OpsConsole.Core.Runbooks.Actions;
using OpsConsole.Core.Runbooks.Search;

// Runbook search: p99 latency over N runbooks (default 10,000; goal < 50 ms), through the same
// RunbookLibrary.ListAsync the API and page call (FTS5 MATCH + bm25 + snippet + the rows' columns),
// against a baseline in the same run: a LIKE scan of title, Markdown and tags over the same rows.
// Usage: dotnet run -c Release --project benchmarks/Runbooks -- [runbooks=10000] [queries=300]
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var queries = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300;

var dir = Path.Combine(Path.GetTempPath(), "opsconsole-runbook-bench-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(dir);
var options = new DbContextOptionsBuilder<OpsDbContext>().UseSqlite($"Data Source={Path.Combine(dir, "store.db")}").Options;
try
{
    await using (var db = new OpsDbContext(options)) await db.Database.MigrateAsync();

    var random = new Random(42);
    var vocabulary = Enumerable.Range(0, 3000).Select(_ => Word(random)).Distinct().ToArray();
    string[] services = ["checkout", "catalog", "payments", "search", "inventory", "shipping", "auth", "billing"];
    string[] topics = ["latency", "errors", "rollout", "migration", "rollback", "disk", "memory", "certificate", "queue", "dns"];

    var watch = Stopwatch.StartNew();
    await using (var db = new OpsDbContext(options))
    {
        await using var tx = await db.Database.BeginTransactionAsync();
        for (var i = 0; i < count; i++)
        {
            var service = services[i % services.Length];
            var topic = topics[random.Next(topics.Length)];
            var title = $"{Cap(topic)} on {service} {i}";
            var body = new StringBuilder($"# {title}\n\n");
            for (var p = 0; p < 6; p++)
            {
                for (var w = 0; w < 50; w++) body.Append(vocabulary[(int)(Math.Pow(random.NextDouble(), 2) * vocabulary.Length)]).Append(' ');
                body.Append(topic).Append(' ').Append(service).Append(".\n\n");
            }
            var markdown = $"---\ntitle: {title}\nslug: rb-{i}\nservices: [{service}]\ntags: [{topic}, {service}]\nowners: [team-{i % 20}]\nlast_reviewed: 2026-10-01\n---\n\n{body}";
            var doc = RunbookDocument.Parse(markdown);
            var now = DateTime.UtcNow;
            var runbook = new Runbook { Slug = doc.Slug, Title = doc.Title, Markdown = markdown, Version = 1, CreatedAt = now, UpdatedAt = now, UpdatedBy = "bench" };
            runbook.Apply(doc);
            db.Runbooks.Add(runbook);
            if (i % 1000 == 999)
            {
                await db.SaveChangesAsync();
                db.ChangeTracker.Clear();
            }
        }
        await db.SaveChangesAsync();
        await tx.CommitAsync();
    }
    var search = new SqliteRunbookSearch();
    await using (var db = new OpsDbContext(options)) await search.EnsureAsync(db, CancellationToken.None); // builds the index from the rows
    Console.WriteLine($"Seeded {count:N0} runbooks and built the index in {watch.Elapsed.TotalSeconds:F1} s");

    // Queries as people type them: one or two words, some a service or topic, some rare words, some prefixes.
    var terms = Enumerable.Range(0, queries).Select(i => (i % 5) switch
    {
        0 => topics[random.Next(topics.Length)],
        1 => $"{topics[random.Next(topics.Length)]} {services[random.Next(services.Length)]}",
        2 => vocabulary[random.Next(vocabulary.Length)],
        3 => vocabulary[random.Next(vocabulary.Length)][..3],
        _ => $"{vocabulary[random.Next(100)]} {vocabulary[random.Next(vocabulary.Length)]}",
    }).ToArray();

    await using var ftsDb = new OpsDbContext(options);
    var library = new RunbookLibrary(ftsDb, new EventOutbox(EventSource.ForInstance("bench")), new RunbookActionRegistry([]), search, TimeProvider.System);
    var fts = await MeasureAsync(terms, async q => (await library.ListAsync(q, 100)).Count);

    await using var likeDb = new OpsDbContext(options);
    var like = await MeasureAsync(terms, async q =>
    {
        var pattern = "%" + q.Replace("%", "").Replace("_", "") + "%";
        return await likeDb.Runbooks.AsNoTracking()
            .Where(r => EF.Functions.Like(r.Title, pattern) || EF.Functions.Like(r.Markdown, pattern) || EF.Functions.Like(r.TagsJson, pattern))
            .OrderBy(r => r.Title).Take(100).Select(r => new { r.Slug, r.Title }).CountAsync();
    });

    Console.WriteLine();
    Console.WriteLine($"| search over {count:N0} runbooks, {queries} queries | p50 | p95 | p99 | max | hits/query |");
    Console.WriteLine("|---|---|---|---|---|---|");
    Console.WriteLine(fts.Row("FTS5 (RunbookLibrary.ListAsync: match, bm25, snippet, rows)"));
    Console.WriteLine(like.Row("baseline: LIKE scan of title, markdown, tags"));
    Console.WriteLine();
    Console.WriteLine($"p99 FTS5 {fts.P(0.99):F2} ms (goal < 50 ms: {(fts.P(0.99) < 50 ? "met" : "NOT met")}); LIKE/FTS5 p99 ratio {like.P(0.99) / fts.P(0.99):F1}x");
}
finally
{
    SqliteConnection.ClearAllPools();
    try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
}

static async Task<Result> MeasureAsync(string[] terms, Func<string, Task<int>> run)
{
    foreach (var q in terms.Take(20)) await run(q); // warm-up: JIT, page cache, prepared statements
    var times = new List<double>();
    long hits = 0;
    foreach (var q in terms)
    {
        var t = Stopwatch.GetTimestamp();
        hits += await run(q);
        times.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
    }
    times.Sort();
    return new Result(times, (double)hits / terms.Length);
}

static string Word(Random r)
{
    const string consonants = "bcdfghklmnprstvz";
    const string vowels = "aeiou";
    var sb = new StringBuilder();
    var syllables = r.Next(2, 4);
    for (var i = 0; i < syllables; i++) sb.Append(consonants[r.Next(consonants.Length)]).Append(vowels[r.Next(vowels.Length)]);
    return sb.ToString();
}

static string Cap(string s) => char.ToUpperInvariant(s[0]) + s[1..];

internal sealed record Result(List<double> Times, double HitsPerQuery)
{
    public double P(double q) => Times[Math.Min(Times.Count - 1, (int)Math.Ceiling(q * Times.Count) - 1)];

    public string Row(string name) =>
        string.Create(CultureInfo.InvariantCulture, $"| {name} | {P(0.5):F2} ms | {P(0.95):F2} ms | {P(0.99):F2} ms | {Times[^1]:F2} ms | {HitsPerQuery:F0} |");
}
