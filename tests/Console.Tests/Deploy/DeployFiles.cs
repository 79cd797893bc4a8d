using System.Xml.Linq;
using YamlDotNet.RepresentationModel;

namespace OpsConsole.Console.Tests.Deploy;

/// <summary>
/// The repository's deployment files, read as an operator's tools read them: the console project's
/// container properties, the Kubernetes manifests and the compose file.
/// </summary>
internal static class DeployFiles
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string PathOf(string relative) => Path.Combine(RepoRoot, relative.Replace('/', Path.DirectorySeparatorChar));

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OpsConsole.sln"))) return dir.FullName;
        throw new InvalidOperationException($"OpsConsole.sln not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Every document of a YAML file, as mappings; merge keys (<c>&lt;&lt;: *anchor</c>) applied as compose applies them.</summary>
    public static IReadOnlyList<YamlMappingNode> LoadYaml(string relative)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(PathOf(relative))))
            stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)Merge(d.RootNode)).ToList();
    }

    /// <summary>The one document of <paramref name="relative"/> of the given kind.</summary>
    public static YamlMappingNode Manifest(string relative, string kind) =>
        Assert.Single(LoadYaml(relative), d => Str(d, "kind") == kind);

    private static YamlNode Merge(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var merged = new YamlMappingNode();
                foreach (var (key, value) in map.Children)
                    if (((YamlScalarNode)key).Value != "<<") merged.Add(key, Merge(value));
                foreach (var (key, value) in map.Children.Where(c => ((YamlScalarNode)c.Key).Value == "<<"))
                {
                    IEnumerable<YamlNode> sources = value is YamlSequenceNode list ? list.Children : [value];
                    foreach (var source in sources.Select(Merge).Cast<YamlMappingNode>())
                        foreach (var (k, v) in source.Children)
                            if (!merged.Children.ContainsKey(k)) merged.Add(k, v);
                }
                return merged;
            case YamlSequenceNode seq:
                return new YamlSequenceNode(seq.Children.Select(Merge));
            default:
                return node;
        }
    }

    public static YamlNode? Get(YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next)) return null;
            node = next;
        }
        return node;
    }

    public static YamlMappingNode Map(YamlNode? node, params string[] path) =>
        Get(node, path) as YamlMappingNode ?? throw new Xunit.Sdk.XunitException($"no mapping at {string.Join('.', path)}");

    public static IReadOnlyList<YamlNode> Seq(YamlNode? node, params string[] path) =>
        (Get(node, path) as YamlSequenceNode)?.Children.ToList() ?? [];

    public static string? Str(YamlNode? node, params string[] path) => (Get(node, path) as YamlScalarNode)?.Value;

    public static Dictionary<string, string> Strings(YamlMappingNode map) =>
        map.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (c.Value as YamlScalarNode)?.Value ?? "");

    /// <summary>KEY=value lines of an env file (comments and blank lines skipped).</summary>
    public static Dictionary<string, string> EnvFile(string relative) =>
        File.ReadAllLines(PathOf(relative))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    /// <summary>The container properties of src/Console's project file.</summary>
    public static ContainerProperties Container()
    {
        var project = XDocument.Load(PathOf("src/Console/OpsConsole.Console.csproj"));
        string Property(string name) => project.Descendants(name).Select(e => e.Value.Trim()).SingleOrDefault()
            ?? throw new Xunit.Sdk.XunitException($"{name} is not set in the console's project file");
        var ports = project.Descendants("ContainerPort").Select(e => int.Parse(e.Attribute("Include")!.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var env = project.Descendants("ContainerEnvironmentVariable").ToDictionary(e => e.Attribute("Include")!.Value, e => e.Attribute("Value")!.Value);
        return new ContainerProperties(
            Property("ContainerRepository"),
            Property("ContainerImageTags").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Assert.Single(ports),
            long.Parse(Property("ContainerUser"), System.Globalization.CultureInfo.InvariantCulture),
            env);
    }
}

internal sealed record ContainerProperties(string Repository, IReadOnlyList<string> Tags, int Port, long User, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>Whether <paramref name="image"/> names this image (repository, optionally behind a registry, and one of its tags).</summary>
    public bool Names(string image)
    {
        var colon = image.LastIndexOf(':');
        if (colon < 0 || image.IndexOf('/', colon) >= 0) return false;
        var repository = image[..colon];
        var name = repository[(repository.LastIndexOf('/') + 1)..];
        return name == Repository && Tags.Contains(image[(colon + 1)..]);
    }
}
