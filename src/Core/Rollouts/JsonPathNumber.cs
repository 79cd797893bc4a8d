namespace OpsConsole.Core.Rollouts;

/// <summary>A minimal JSON path for numbers: <c>$.a.b[0].c</c>.</summary>
public static class JsonPathNumber
{
    public static double? Read(System.Text.Json.JsonElement root, string path)
    {
        var p = path.Trim();
        if (p.StartsWith('$')) p = p[1..];
        var current = root;
        foreach (var raw in p.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var part = raw;
            var index = -1;
            var bracket = part.IndexOf('[');
            if (bracket >= 0 && part.EndsWith(']') && int.TryParse(part[(bracket + 1)..^1], out var i)) { index = i; part = part[..bracket]; }
            if (part.Length > 0)
            {
                if (current.ValueKind != System.Text.Json.JsonValueKind.Object || !current.TryGetProperty(part, out current)) return null;
            }
            if (index >= 0)
            {
                if (current.ValueKind != System.Text.Json.JsonValueKind.Array || index >= current.GetArrayLength()) return null;
                current = current[index];
            }
        }
        return current.ValueKind switch
        {
            System.Text.Json.JsonValueKind.Number => current.GetDouble(),
            System.Text.Json.JsonValueKind.True => 1,
            System.Text.Json.JsonValueKind.False => 0,
            System.Text.Json.JsonValueKind.String when double.TryParse(current.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) => d,
            _ => null,
        };
    }
}
