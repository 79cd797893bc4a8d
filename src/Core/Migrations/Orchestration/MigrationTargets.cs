using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Migrations.Targets;
using OpsConsole.Core.Migrations.Targets.Postgres;
using OpsConsole.Core.Migrations.Targets.Sqlite;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Migrations.Orchestration;

/// <summary>
/// Where each service's migrations run: protects connection strings at rest and turns a stored
/// target into an <see cref="ITargetDatabase"/>. A connection string leaves this class only inside
/// a target object, which redacts it from everything it reports.
/// </summary>
public sealed class MigrationTargets(IDataProtectionProvider protection, ConsoleOwnedFiles? owned = null)
{
    private readonly IDataProtector _protector = protection.CreateProtector("OpsConsole.Migrations.TargetConnectionString.v1");
    private readonly ConsoleOwnedFiles _owned = owned ?? ConsoleOwnedFiles.None;

    public string Protect(string connectionString) => _protector.Protect(connectionString);

    public ITargetDatabase Open(MigrationTargetConfig config) => Allowed(Create(config.Provider, _protector.Unprotect(config.ProtectedConnectionString)));

    /// <summary>The target, unless it is one of the console's own files; 400 otherwise.</summary>
    public ITargetDatabase Allowed(ITargetDatabase target)
    {
        if (target is SqliteTarget sqlite && _owned.Reason(sqlite.DataSource) is { } reason)
            throw new InvalidInputException("connectionString", reason);
        return target;
    }

    /// <summary>A target for a connection string; 400 when the string cannot be used.</summary>
    public static ITargetDatabase Create(TargetKind provider, string connectionString)
    {
        try
        {
            return provider == TargetKind.Postgres ? new PostgresTarget(connectionString) : new SqliteTarget(connectionString);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The driver's message may quote the string: say only that it is not usable.
            throw new InvalidInputException("connectionString", $"The connection string is not a valid {provider} connection string.");
        }
    }

    public static TargetKind ParseProvider(string? provider) => provider?.Trim().ToLowerInvariant() switch
    {
        "sqlite" => TargetKind.Sqlite,
        "postgres" or "postgresql" => TargetKind.Postgres,
        _ => throw new InvalidInputException("provider", "The provider is 'sqlite' or 'postgres'."),
    };

    public static bool IsValidName(string? name) => MigrationSource.IsValidService(name);

    /// <summary>
    /// First-run targets for the demo: a SQLite file per service and environment under
    /// <paramref name="directory"/>; prod needs approval. Targets that exist are left alone.
    /// </summary>
    public async Task SeedSqliteAsync(OpsDbContext db, string directory, IEnumerable<string> services, IEnumerable<string> environments,
        Func<string, bool> requiresApproval, DateTime now, CancellationToken ct = default)
    {
        Directory.CreateDirectory(directory);
        var existing = await db.MigrationTargets.AsNoTracking().Select(t => new { t.Service, t.Environment }).ToListAsync(ct);
        foreach (var service in services)
        foreach (var environment in environments)
        {
            if (existing.Any(e => e.Service == service && e.Environment == environment)) continue;
            var file = Path.Combine(directory, $"{service}-{environment}.db");
            var target = new SqliteTarget($"Data Source={file}");
            db.MigrationTargets.Add(new MigrationTargetConfig
            {
                Service = service, Environment = environment, Provider = TargetKind.Sqlite, Description = target.Description,
                ProtectedConnectionString = Protect($"Data Source={file}"), RequiresApproval = requiresApproval(environment),
                UpdatedBy = "system", UpdatedAt = now,
            });
        }
        await db.SaveChangesAsync(ct);
    }
}

/// <summary>
/// The console's own files (its store, job store and their journals directly in the data folder,
/// the keys and the uploaded bundles): a migration target may never be one of them, or a change
/// applied to that "target" would rewrite users, audit or jobs directly.
/// </summary>
public sealed class ConsoleOwnedFiles(string? dataDirectory, IReadOnlyList<string> ownedFolders)
{
    public static readonly ConsoleOwnedFiles None = new(null, []);

    public string? Reason(string dataSource)
    {
        if (dataDirectory is null || dataSource.Length == 0 || dataSource == ":memory:") return null;
        if (dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            return "Give a SQLite target as a file path, not a file: URI.";
        var path = Resolve(Path.GetFullPath(dataSource));
        var data = Resolve(Path.GetFullPath(dataDirectory));
        if (string.Equals(Path.GetDirectoryName(path), data.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal)
            || ownedFolders.Select(f => Resolve(Path.GetFullPath(f)).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar)
                .Any(f => path.StartsWith(f, StringComparison.Ordinal)))
            return "A SQLite target may not be one of the console's own files (its store, job store, keys or uploaded bundles): put targets in a folder of their own.";
        return null;
    }

    /// <summary>Follows a symbolic link at the path (or its folder), so a link to the store is seen as the store.</summary>
    private static string Resolve(string path)
    {
        try
        {
            var file = new FileInfo(path);
            if (file.Exists && file.LinkTarget is not null) return Path.GetFullPath(file.ResolveLinkTarget(true)!.FullName);
            var folder = file.Directory;
            if (folder is { Exists: true, LinkTarget: not null })
                return Path.Combine(Path.GetFullPath(folder.ResolveLinkTarget(true)!.FullName), file.Name);
        }
        catch (IOException) { }
        return path;
    }
}

/// <summary>The services' migration sources, read from a folder in the documented layout (migrations/ beside the console).</summary>
/// <summary>
/// Where each service's migrations come from: the newest bundle uploaded for it (a zip per service
/// version under <paramref name="bundleRoot"/>), else its folder under <paramref name="root"/>
/// (the sources shipped with the console).
/// </summary>
public sealed partial class MigrationCatalog(string root, string? bundleRoot = null)
{
    public const long MaxBundleBytes = 32 * 1024 * 1024;

    public string Root { get; } = root;

    public IReadOnlyList<string> Services
    {
        get
        {
            var shipped = Directory.Exists(Root) ? MigrationSource.ListServices(Root) : [];
            var uploaded = bundleRoot is not null && Directory.Exists(bundleRoot)
                ? Directory.GetDirectories(bundleRoot).Select(Path.GetFileName).Where(n => n is not null && MigrationSource.IsValidService(n)).Select(n => n!)
                : [];
            return shipped.Concat(uploaded).Distinct().Order(StringComparer.Ordinal).ToList();
        }
    }

    public MigrationSource Read(string service)
    {
        if (CurrentBundle(service) is { } zip)
        {
            using var stream = File.OpenRead(zip);
            return MigrationSource.ReadBundle(stream, service, $"{service} {Path.GetFileNameWithoutExtension(zip)}");
        }
        var dir = Path.Combine(Root, service);
        if (!MigrationSource.IsValidService(service) || !Directory.Exists(dir))
            throw new NotFoundException($"Migrations of service '{service}'");
        return MigrationSource.ReadFolder(dir, service);
    }

    /// <summary>The version of the bundle in use for the service, or null when the shipped folder is.</summary>
    public string? CurrentVersion(string service) => CurrentBundle(service) is { } zip ? Path.GetFileNameWithoutExtension(zip) : null;

    /// <summary>
    /// Checks an uploaded bundle like any source (layout, UTF-8, sizes, duplicates) and, only if it is
    /// sound, stores it as the service's source for <paramref name="version"/>. Re-uploading the same
    /// bytes for a version is a no-op; different bytes for a stored version are refused.
    /// </summary>
    public async Task<(MigrationSource Source, bool Stored)> StoreBundleAsync(string service, string version, Stream zip, CancellationToken ct = default)
    {
        if (bundleRoot is null) throw new InvalidOperationException("This console accepts no uploaded bundles.");
        if (!MigrationSource.IsValidService(service)) throw new InvalidInputException("service", $"'{service}' is not a valid service name.");
        if (!VersionPattern().IsMatch(version ?? ""))
            throw new InvalidInputException("version", "Give the service version the bundle belongs to: 1 to 40 letters, digits, '.', '-' or '_' (e.g. 1.3.0).");
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await zip.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBundleBytes)
                throw new InvalidInputException("bundle", $"A bundle is at most {MaxBundleBytes / (1024 * 1024)} MiB.");
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) throw new InvalidInputException("bundle", "The body is empty: send the bundle as a zip file.");
        buffer.Position = 0;
        MigrationSource source;
        try
        {
            source = MigrationSource.ReadBundle(buffer, service, $"{service} {version}");
        }
        catch (InvalidDataException)
        {
            throw new InvalidInputException("bundle", "The body is not a zip file.");
        }

        var dir = Path.Combine(bundleRoot, service);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, version + ".zip");
        var bytes = buffer.ToArray();
        if (File.Exists(path))
        {
            if (!(await File.ReadAllBytesAsync(path, ct)).AsSpan().SequenceEqual(bytes))
                throw new ConflictException($"A different bundle was already uploaded for {service} {version}; upload it under a new version.");
            if (CurrentVersion(service) == version) return (source, false);
        }
        var temp = path + ".tmp";
        await File.WriteAllBytesAsync(temp, bytes, ct);
        File.Move(temp, path, overwrite: true);
        await File.WriteAllTextAsync(Path.Combine(dir, "current"), version, ct);
        return (source, true);
    }

    private string? CurrentBundle(string service)
    {
        if (bundleRoot is null || !MigrationSource.IsValidService(service)) return null;
        var marker = Path.Combine(bundleRoot, service, "current");
        if (!File.Exists(marker)) return null;
        var zip = Path.Combine(bundleRoot, service, File.ReadAllText(marker).Trim() + ".zip");
        return File.Exists(zip) ? zip : null;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
    private static partial System.Text.RegularExpressions.Regex VersionPattern();
}

/// <summary>Runs a batch now or at a time (Hangfire in the console).</summary>
public interface IMigrationJobQueue
{
    void RunNow(Guid batchId);
    void RunAt(Guid batchId, DateTime whenUtc);
}
