using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OpsConsole.Core.Migrations;

/// <summary>
/// What a change declares about itself, from change.yaml or from <c>-- key: value</c> lines at the top
/// of deploy.sql (handy for a one-file edit). Declaring one key in both places is refused rather than
/// guessing which one the author meant.
/// </summary>
internal sealed partial record ChangeManifest(MigrationPhase Phase, bool Transactional, string? Description)
{
    public const string FileName = "change.yaml";

    private static readonly string[] Keys = ["phase", "transactional", "description"];

    public static ChangeManifest? Read(string folder, string? yaml, string deploySql, Problems problems)
    {
        var values = new Dictionary<string, (string Value, string From)>(StringComparer.Ordinal);
        var ok = true;
        if (yaml is not null)
        {
            var path = $"{folder}/{FileName}";
            try
            {
                var stream = new YamlStream();
                stream.Load(new StringReader(yaml));
                if (stream.Documents.Count > 0)
                {
                    if (stream.Documents[0].RootNode is not YamlMappingNode map)
                    {
                        problems.Add(path, "change.yaml is a mapping of phase, transactional and description.");
                        return null;
                    }
                    foreach (var (keyNode, valueNode) in map.Children)
                    {
                        var key = (keyNode as YamlScalarNode)?.Value ?? "";
                        if (!Keys.Contains(key))
                        {
                            problems.Add(path, $"Unknown key '{key}': change.yaml knows {string.Join(", ", Keys)}.");
                            ok = false;
                            continue;
                        }
                        if (valueNode is not YamlScalarNode { Value: { } value })
                        {
                            problems.Add(path, $"'{key}' takes a single value.");
                            ok = false;
                            continue;
                        }
                        values[key] = (value.Trim(), FileName);
                    }
                }
            }
            catch (YamlException e)
            {
                problems.Add(path, $"change.yaml is not valid YAML (line {e.Start.Line}): {e.Message}");
                return null;
            }
        }

        foreach (var line in deploySql.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0) continue;
            if (!trimmed.StartsWith("--", StringComparison.Ordinal)) break;
            var header = HeaderLine().Match(trimmed);
            if (!header.Success) continue;
            var key = header.Groups[1].Value.ToLowerInvariant();
            if (values.TryGetValue(key, out var earlier))
            {
                problems.Add($"{folder}/deploy.sql", earlier.From == FileName
                    ? $"'{key}' is declared in both change.yaml and the header of deploy.sql (duplicate declaration)."
                    : $"'{key}' is declared twice in the header of deploy.sql.");
                ok = false;
                continue;
            }
            values[key] = (header.Groups[2].Value.Trim(), "deploy.sql");
        }

        var phase = MigrationPhase.Expand;
        if (values.TryGetValue("phase", out var p))
        {
            if (string.Equals(p.Value, "expand", StringComparison.OrdinalIgnoreCase)) phase = MigrationPhase.Expand;
            else if (string.Equals(p.Value, "contract", StringComparison.OrdinalIgnoreCase)) phase = MigrationPhase.Contract;
            else
            {
                problems.Add($"{folder}/{p.From}", $"phase is expand or contract, not '{p.Value}'.");
                ok = false;
            }
        }
        var transactional = true;
        if (values.TryGetValue("transactional", out var t))
        {
            if (!bool.TryParse(t.Value, out transactional))
            {
                problems.Add($"{folder}/{t.From}", $"transactional is true or false, not '{t.Value}'.");
                ok = false;
            }
        }
        var description = values.TryGetValue("description", out var d) && d.Value.Length > 0 ? d.Value : null;
        return ok ? new ChangeManifest(phase, transactional, description) : null;
    }

    [GeneratedRegex(@"^--\s*(phase|transactional|description)\s*:\s*(.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex HeaderLine();
}
