namespace OpsConsole.Core.Migrations.Orchestration;

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
