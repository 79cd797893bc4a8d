using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Migrations;

/// <summary>
/// The ordered changes of one service, read from a folder or an uploaded bundle (zip) in the layout
/// described in migrations/README.md: <c>&lt;NNN&gt;_&lt;name&gt;/deploy.sql, verify.sql, revert.sql</c>
/// and an optional <c>change.yaml</c>. Reading is all-or-nothing: every problem found is reported at
/// once as an <see cref="InvalidInputException"/> keyed by file, so an author fixes a bundle in one go.
/// </summary>
public sealed partial record MigrationSource(string Service, string Origin, IReadOnlyList<MigrationChange> Changes)
{
    /// <summary>One checksum over every change: two sources with equal checksums run the same SQL.</summary>
    public string Checksum => Hash(string.Join("\n", Changes.Select(c => $"{c.Name} {c.Checksum}")));

    public MigrationChange? Find(string name) => Changes.FirstOrDefault(c => c.Name == name);

    /// <summary>Services under a root folder: each sub-folder with a valid service name.</summary>
    public static IReadOnlyList<string> ListServices(string root) =>
        Directory.Exists(root)
            ? Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>()
                .Where(IsValidService).Order(StringComparer.Ordinal).ToList()
            : [];

    public static MigrationSource ReadFolder(string directory, string service, MigrationSourceLimits? limits = null)
    {
        limits ??= MigrationSourceLimits.Default;
        RequireService(service);
        if (!Directory.Exists(directory)) throw new NotFoundException($"Migrations of service '{service}'");
        var files = new List<SourceFile>();
        var problems = new Problems();
        var total = 0L;
        foreach (var path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(directory, path).Replace('\\', '/');
            var length = new FileInfo(path).Length;
            total += length;
            if (length > limits.MaxFileBytes)
            {
                files.Add(new SourceFile(relative, null, length));
                continue;
            }
            files.Add(new SourceFile(relative, File.ReadAllBytes(path), length));
        }
        if (total > limits.MaxBundleBytes) problems.Add("", $"The migrations of '{service}' hold {total} bytes; the limit is {limits.MaxBundleBytes}.");
        return Parse(service, $"folder {service}", files, limits, problems);
    }

    /// <summary>
    /// Reads an uploaded zip. Its entries are the change folders, either at the root or under one
    /// top folder named like the service. Sizes are checked against what is actually inflated, not
    /// only the sizes the archive claims.
    /// </summary>
    public static MigrationSource ReadBundle(Stream zip, string service, string? bundleName = null, MigrationSourceLimits? limits = null)
    {
        limits ??= MigrationSourceLimits.Default;
        RequireService(service);
        var origin = $"bundle {bundleName ?? service}";
        var problems = new Problems();
        var files = new List<SourceFile>();
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException)
        {
            throw new InvalidInputException("bundle", "The bundle is not a readable zip archive.");
        }
        using (archive)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var total = 0L;
            foreach (var entry in archive.Entries)
            {
                var path = entry.FullName.Replace('\\', '/');
                if (path.EndsWith('/')) continue;
                if (path.StartsWith('/') || path.Split('/').Any(p => p is ".." or "." or "") || path.Contains(':'))
                {
                    problems.Add(path, "The path is not a plain relative path inside the bundle.");
                    continue;
                }
                if (!seen.Add(path))
                {
                    problems.Add(path, "The bundle holds this file more than once (duplicate file).");
                    continue;
                }
                if (entry.Length > limits.MaxFileBytes)
                {
                    files.Add(new SourceFile(path, null, entry.Length));
                    continue;
                }
                var content = ReadBounded(entry, limits.MaxFileBytes);
                total += content?.Length ?? limits.MaxFileBytes + 1;
                files.Add(new SourceFile(path, content, content?.Length ?? limits.MaxFileBytes + 1));
                if (total > limits.MaxBundleBytes)
                {
                    problems.Add("", $"The bundle inflates to more than {limits.MaxBundleBytes} bytes.");
                    break;
                }
            }
        }
        // A bundle zipped from its service folder has that folder on top: accept it as the root.
        var prefix = service + "/";
        if (files.Count > 0 && files.All(f => f.Path.StartsWith(prefix, StringComparison.Ordinal)))
            files = files.Select(f => f with { Path = f.Path[prefix.Length..] }).ToList();
        return Parse(service, origin, files, limits, problems);
    }

    private static byte[]? ReadBounded(ZipArchiveEntry entry, long max)
    {
        using var stream = entry.Open();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > max) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private sealed record SourceFile(string Path, byte[]? Content, long Length);

    private static readonly HashSet<string> ChangeFiles = ["deploy.sql", "verify.sql", "revert.sql", ChangeManifest.FileName];

    private static MigrationSource Parse(string service, string origin, List<SourceFile> files, MigrationSourceLimits limits, Problems problems)
    {
        // What archivers and editors leave behind (.DS_Store, __MACOSX/, .gitkeep) is not part of a change.
        files = files.Where(f => !f.Path.Split('/').Any(p => p.StartsWith('.') || p == "__MACOSX")).ToList();
        var byChange = new SortedDictionary<string, List<(string File, SourceFile Source)>>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var parts = file.Path.Split('/');
            if (parts.Length == 1)
            {
                if (!IsNote(parts[0])) problems.Add(file.Path, "Unexpected file: the root of a service holds only change folders (NNN_name/).");
                continue;
            }
            if (parts.Length > 2)
            {
                problems.Add(file.Path, "Unexpected nested folder: a change folder holds deploy.sql, verify.sql, revert.sql and change.yaml only.");
                continue;
            }
            if (!byChange.TryGetValue(parts[0], out var list)) byChange[parts[0]] = list = [];
            list.Add((parts[1], file));
        }

        var changes = new List<MigrationChange>();
        var sequences = new Dictionary<int, string>();
        foreach (var (folder, entries) in byChange)
        {
            var match = ChangeFolder().Match(folder);
            if (!match.Success)
            {
                problems.Add(folder + "/", "A change folder is named NNN_name: digits, an underscore, then lower-case letters, digits, '_' or '-'.");
                continue;
            }
            var sequence = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (sequences.TryGetValue(sequence, out var other))
            {
                problems.Add(folder + "/", $"Duplicate change number {sequence}: '{other}' has it too.");
                continue;
            }
            sequences[sequence] = folder;
            if (ReadChange(folder, sequence, entries, limits, problems) is { } change) changes.Add(change);
        }
        if (changes.Count > limits.MaxChanges) problems.Add("", $"{changes.Count} changes; the limit is {limits.MaxChanges}.");
        if (files.Count == 0) problems.Add("", $"The migrations of '{service}' hold no change.");
        problems.ThrowIfAny($"The migrations of '{service}' ({origin})");
        return new MigrationSource(service, origin, changes.OrderBy(c => c.Sequence).ToList());
    }

    private static MigrationChange? ReadChange(string folder, int sequence, List<(string File, SourceFile Source)> entries, MigrationSourceLimits limits, Problems problems)
    {
        var texts = new Dictionary<string, (string Text, string Sha)>(StringComparer.Ordinal);
        foreach (var group in entries.GroupBy(e => e.File, StringComparer.OrdinalIgnoreCase))
        {
            var path = $"{folder}/{group.Key}";
            if (group.Count() > 1)
            {
                problems.Add(path, $"Duplicate file: {string.Join(", ", group.Select(g => g.File))} differ only in case.");
                continue;
            }
            var (file, source) = group.Single();
            if (IsNote(file)) continue;
            if (!ChangeFiles.Contains(file))
            {
                problems.Add(path, ChangeFiles.Contains(file.ToLowerInvariant())
                    ? $"File names are lower case: {file.ToLowerInvariant()}."
                    : "Unexpected file: a change folder holds deploy.sql, verify.sql, revert.sql and change.yaml.");
                continue;
            }
            if (source.Content is null)
            {
                problems.Add(path, $"The file has {source.Length} bytes; the limit is {limits.MaxFileBytes}.");
                continue;
            }
            if (!TryDecode(source.Content, out var text, out var offset))
            {
                problems.Add(path, $"The file is not valid UTF-8 (first bad byte at offset {offset}).");
                continue;
            }
            texts[file] = (text, Hash(source.Content));
        }
        foreach (var required in new[] { "deploy.sql", "verify.sql" })
            if (!texts.ContainsKey(required) && !entries.Any(e => string.Equals(e.File, required, StringComparison.OrdinalIgnoreCase)))
                problems.Add($"{folder}/{required}", $"Missing file: every change has a {required}.");
        // Without readable deploy and verify scripts there is no change to build; the problems say why.
        if (!texts.TryGetValue("deploy.sql", out var deployText) || !texts.ContainsKey("verify.sql")) return null;

        var manifest = ChangeManifest.Read(folder, texts.GetValueOrDefault(ChangeManifest.FileName).Text, deployText.Text, problems);
        var dialectFree = Sql.SqlDialect.Postgres;
        foreach (var name in new[] { "deploy.sql", "verify.sql", "revert.sql" })
            if (texts.TryGetValue(name, out var t) && Sql.SqlSplitter.Split(t.Text, dialectFree).Count == 0)
                problems.Add($"{folder}/{name}", $"{name} holds no SQL statement.");
        if (manifest is null) return null;

        MigrationScript Script(string name) => new(name, texts[name].Text, texts[name].Sha);
        var deploy = Script("deploy.sql");
        var verify = Script("verify.sql");
        var revert = texts.ContainsKey("revert.sql") ? Script("revert.sql") : null;
        var scripts = revert is null ? new[] { deploy, verify } : [deploy, verify, revert];
        var checksum = Hash(string.Join("\n", scripts.Select(s => $"{s.FileName} {s.Sha256}")));
        return new MigrationChange(folder, sequence, manifest.Phase, manifest.Transactional, manifest.Description, deploy, verify, revert, checksum);
    }

    private static bool TryDecode(byte[] bytes, out string text, out long badOffset)
    {
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        try
        {
            text = strict.GetString(bytes);
            if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
            badOffset = -1;
            return true;
        }
        catch (DecoderFallbackException e)
        {
            text = "";
            badOffset = e.Index;
            return false;
        }
    }

    internal static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    internal static string Hash(string text) => Hash(Encoding.UTF8.GetBytes(text));

    private static bool IsNote(string file) => file.EndsWith(".md", StringComparison.OrdinalIgnoreCase);

    public static bool IsValidService(string? service) => service is not null && ServiceName().IsMatch(service);

    private static void RequireService(string service)
    {
        if (!IsValidService(service))
            throw new InvalidInputException("service", "A service name is lower-case letters, digits and '-'.");
    }

    [GeneratedRegex("^([0-9]{1,6})_([a-z0-9][a-z0-9_-]{0,99})$")]
    private static partial Regex ChangeFolder();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex ServiceName();
}

/// <summary>Problems found while reading a source, keyed by the file they concern.</summary>
internal sealed class Problems
{
    private readonly SortedDictionary<string, List<string>> _byFile = new(StringComparer.Ordinal);

    public void Add(string file, string message)
    {
        if (!_byFile.TryGetValue(file, out var list)) _byFile[file] = list = [];
        list.Add(message);
    }

    public bool Any => _byFile.Count > 0;

    public void ThrowIfAny(string what)
    {
        if (!Any) return;
        var first = _byFile.First();
        var count = _byFile.Sum(p => p.Value.Count);
        var lead = first.Key.Length == 0 ? first.Value[0] : $"{first.Key}: {first.Value[0]}";
        throw new InvalidInputException($"{what} cannot be read: {lead}{(count > 1 ? $" (and {count - 1} more)" : "")}",
            _byFile.ToDictionary(p => p.Key.Length == 0 ? "source" : p.Key, p => p.Value.ToArray()));
    }
}
