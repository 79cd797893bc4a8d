namespace OpsConsole.Core.Runbooks;

/// <summary>Reads the runbooks folder: every <c>*.md</c> file with front matter (a README without front matter is documentation, not a runbook).</summary>
public sealed class RunbookFolder(string path)
{
    public const long MaxFileBytes = RunbookDocument.MaxMarkdownLength;

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public IReadOnlyList<RunbookFile> Read()
    {
        if (!Directory.Exists(Path)) return [];
        var files = new List<RunbookFile>();
        foreach (var file in Directory.EnumerateFiles(Path, "*.md", SearchOption.AllDirectories))
        {
            var info = new FileInfo(file);
            if (info.LinkTarget is not null) continue; // a link could point anywhere on the machine
            var relative = System.IO.Path.GetRelativePath(Path, file).Replace('\\', '/');
            if (info.Length > MaxFileBytes)
            {
                files.Add(new RunbookFile(relative, new string('x', (int)Math.Min(info.Length, MaxFileBytes + 1))));
                continue;
            }
            string text;
            try { text = File.ReadAllText(file); }
            catch (IOException) { continue; } // being written: the watcher sees it again
            if (!text.Replace("\r\n", "\n").StartsWith("---\n", StringComparison.Ordinal) && System.IO.Path.GetFileName(file).Equals("README.md", StringComparison.OrdinalIgnoreCase))
                continue;
            files.Add(new RunbookFile(relative, text));
        }
        return files;
    }
}
