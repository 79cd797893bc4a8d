using System.Text.Json;
using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Components.Pages.Rollouts;

/// <summary>
/// The "Start rollout" form's fields and their translation into what
/// <see cref="RolloutCoordinator.StartAsync"/> takes. Input mistakes the coordinator cannot see
/// (JSON that does not parse, a config line without '=') are reported the same way it reports its own.
/// </summary>
public sealed class StartRolloutInput
{
    public const string Inline = "inline";

    /// <summary>The choices of the strategy picker: the coordinator's named strategies, or inline JSON.</summary>
    public static IReadOnlyList<string> StrategyChoices => [.. RolloutCoordinator.NamedStrategies, Inline];

    public const string ExampleStrategy = """
        {"canary":{"steps":[{"setWeight":20},{"pause":{"duration":"30s"}},{"analysis":"error-rate"},{"setWeight":60},{"pause":{}},{"setWeight":100}]}}
        """;

    public string? Service { get; set; }
    public string? Environment { get; set; }
    public string? Version { get; set; }
    public string Strategy { get; set; } = "default";
    public string? StrategyJson { get; set; }
    /// <summary>For the named canary and blue/green: the analysis template they run (their own when empty).</summary>
    public string? Template { get; set; }
    /// <summary>KEY=VALUE lines, e.g. FAULT_ERROR_RATE=0.5; blank lines and lines starting with '#' are skipped.</summary>
    public string? Config { get; set; }

    public bool TemplateApplies => Strategy is "canary" or "blueGreen";

    public JsonElement? StrategyElement()
    {
        switch (Strategy)
        {
            case Inline:
                if (string.IsNullOrWhiteSpace(StrategyJson))
                    throw new InvalidInputException("strategy", "Write the strategy as JSON, or pick a named one.");
                try
                {
                    using var doc = JsonDocument.Parse(StrategyJson);
                    return doc.RootElement.Clone();
                }
                catch (JsonException ex)
                {
                    throw new InvalidInputException("strategy", $"The strategy is not valid JSON: {ex.Message}");
                }
            case "canary" or "blueGreen" when !string.IsNullOrWhiteSpace(Template):
                // The named strategies run the built-in error-rate template; another template means the same shape written out.
                var shaped = Strategy == "canary" ? RolloutStrategy.DemoCanary(Template.Trim()) : RolloutStrategy.DemoBlueGreen(Template.Trim());
                using (var doc = JsonDocument.Parse(shaped.ToJson())) return doc.RootElement.Clone();
            default:
                return JsonSerializer.SerializeToElement(Strategy);
        }
    }

    public IReadOnlyDictionary<string, string> ConfigValues() => ParseConfig(Config);

    public static IReadOnlyDictionary<string, string> ParseConfig(string? text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = (text ?? "").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#')) continue;
            var eq = line.IndexOf('=');
            if (eq <= 0)
                throw new InvalidInputException("config", $"Config line {i + 1} ('{line.Trim()}') is not KEY=VALUE.");
            var key = line[..eq].Trim();
            if (!values.TryAdd(key, line[(eq + 1)..]))
                throw new InvalidInputException("config", $"Config line {i + 1} sets {key} a second time.");
        }
        return values;
    }
}
