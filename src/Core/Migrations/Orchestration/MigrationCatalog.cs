using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Migrations.Orchestration;

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
