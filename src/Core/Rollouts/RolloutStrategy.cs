using System.Text.Json;
using System.Text.Json.Serialization;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Rollouts;

/// <summary>One step of a canary. Written in JSON as <c>{"setWeight":20}</c>, <c>{"pause":{"duration":"30s"}}</c>,
/// <c>{"pause":{}}</c> (until promoted), <c>{"analysis":{"template":"error-rate"}}</c>, <c>{"setCanaryScale":{"instances":2}}</c>.</summary>
public abstract record CanaryStep
{
    public abstract string Describe();
}

public sealed record SetWeightStep(int Weight) : CanaryStep
{
    public override string Describe() => $"set weight {Weight}%";
}

public sealed record PauseStep(TimeSpan? Duration) : CanaryStep
{
    public override string Describe() => Duration is { } d ? $"pause {Durations.Format(d)}" : "pause until promoted";
}

public sealed record AnalysisStep(string Template) : CanaryStep
{
    public override string Describe() => $"analysis {Template}";
}

public sealed record SetCanaryScaleStep(int Instances) : CanaryStep
{
    public override string Describe() => $"scale canary to {Instances}";
}

public sealed record CanaryStrategy(
    IReadOnlyList<CanaryStep> Steps,
    string? BackgroundAnalysis = null,
    int? CanaryInstances = null);

public sealed record BlueGreenStrategy(
    string? PrePromotionAnalysis = null,
    string? PostPromotionAnalysis = null,
    bool AutoPromotionEnabled = true,
    TimeSpan AutoPromotionDelay = default,
    TimeSpan? ScaleDownDelay = null);

/// <summary>
/// How a rollout moves traffic: a canary (steps) or blue/green (preview, switch). Exactly one is set.
/// Defaults follow Argo Rollouts: scale-down delay 30 s; analysis limits in <see cref="Analysis.AnalysisMetric"/>.
/// </summary>
public sealed record RolloutStrategy(CanaryStrategy? Canary, BlueGreenStrategy? BlueGreen)
{
    public static readonly TimeSpan DefaultScaleDownDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultProgressDeadline = TimeSpan.FromMinutes(10);

    public TimeSpan ScaleDownDelay { get; init; } = DefaultScaleDownDelay;
    /// <summary>A new revision that is not ready by then fails the rollout.</summary>
    public TimeSpan ProgressDeadline { get; init; } = DefaultProgressDeadline;

    public string Kind => Canary is not null ? "canary" : "blueGreen";

    /// <summary>The names of every analysis template the strategy refers to.</summary>
    public IEnumerable<string> TemplateNames()
    {
        if (Canary is { } c)
        {
            foreach (var s in c.Steps.OfType<AnalysisStep>()) yield return s.Template;
            if (c.BackgroundAnalysis is { } b) yield return b;
        }
        if (BlueGreen is { } g)
        {
            if (g.PrePromotionAnalysis is { } pre) yield return pre;
            if (g.PostPromotionAnalysis is { } post) yield return post;
        }
    }

    /// <summary>Checks the rules a strategy must keep; throws saying what to fix.</summary>
    public RolloutStrategy Validate()
    {
        if ((Canary is null) == (BlueGreen is null))
            throw new InvalidInputException("strategy", "Give exactly one of 'canary' or 'blueGreen'.");
        if (ScaleDownDelay < TimeSpan.Zero || ProgressDeadline <= TimeSpan.Zero)
            throw new InvalidInputException("strategy", "Delays cannot be negative and the progress deadline must be positive.");
        if (Canary is { } canary)
        {
            if (canary.Steps.Count > 50) throw new InvalidInputException("strategy.canary.steps", "A canary has at most 50 steps.");
            var last = 0;
            foreach (var (step, i) in canary.Steps.Select((s, i) => (s, i)))
            {
                var at = $"strategy.canary.steps[{i}]";
                switch (step)
                {
                    case SetWeightStep w when w.Weight is < 0 or > 100:
                        throw new InvalidInputException(at, $"Step {i + 1}: a weight is between 0 and 100; {w.Weight} was given.");
                    case SetWeightStep w when w.Weight < last:
                        throw new InvalidInputException(at, $"Step {i + 1}: weights must rise; {w.Weight}% comes after {last}%.");
                    case SetWeightStep w:
                        last = w.Weight;
                        break;
                    case PauseStep { Duration: { } d } when d <= TimeSpan.Zero || d > TimeSpan.FromDays(7):
                        throw new InvalidInputException(at, $"Step {i + 1}: a pause lasts more than 0 s and at most 7 days.");
                    case AnalysisStep a when string.IsNullOrWhiteSpace(a.Template):
                        throw new InvalidInputException(at, $"Step {i + 1}: an analysis step names a template.");
                    case SetCanaryScaleStep s when s.Instances is < 0 or > Cluster.RevisionSpec.MaxInstances:
                        throw new InvalidInputException(at, $"Step {i + 1}: the canary scale is 0 to {Cluster.RevisionSpec.MaxInstances} instances.");
                }
            }
            if (canary.CanaryInstances is < 1 or > Cluster.RevisionSpec.MaxInstances)
                throw new InvalidInputException("strategy.canary.canaryInstances", $"The canary runs 1 to {Cluster.RevisionSpec.MaxInstances} instances.");
        }
        if (BlueGreen is { AutoPromotionDelay: var delay } && delay < TimeSpan.Zero)
            throw new InvalidInputException("strategy.blueGreen.autoPromotionSeconds", "The auto-promotion delay cannot be negative.");
        return this;
    }

    /// <summary>
    /// The demo's default: a canary with analysis on the built-in error rate that finishes in well
    /// under a minute when the new version is healthy; given a <paramref name="judge"/> template, a
    /// judged step at 50% then compares the canary with a baseline of stable before full traffic.
    /// </summary>
    public static RolloutStrategy DemoCanary(string template, string? judge = null) => new(new CanaryStrategy(
    [
        new SetWeightStep(20),
        new AnalysisStep(template),
        new SetWeightStep(50),
        new AnalysisStep(template),
        .. (judge is null ? Array.Empty<CanaryStep>() : [new AnalysisStep(judge)]),
        new SetWeightStep(100),
    ], BackgroundAnalysis: null), null);

    /// <summary>Blue/green with a pre-promotion analysis and automatic promotion.</summary>
    public static RolloutStrategy DemoBlueGreen(string template) =>
        new(null, new BlueGreenStrategy(PrePromotionAnalysis: template, PostPromotionAnalysis: null, AutoPromotionEnabled: true));

    // ---- JSON ----

    public static RolloutStrategy Parse(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object) throw new InvalidInputException("strategy", "A strategy is a JSON object with 'canary' or 'blueGreen'.");
        try
        {
            CanaryStrategy? canary = null;
            BlueGreenStrategy? blueGreen = null;
            var scaleDown = DefaultScaleDownDelay;
            var deadline = DefaultProgressDeadline;
            foreach (var p in json.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.Null) continue;
                switch (p.Name)
                {
                    case "canary": canary = ParseCanary(p.Value); break;
                    case "blueGreen": blueGreen = ParseBlueGreen(p.Value, ref scaleDown); break;
                    case "scaleDownDelay": scaleDown = Durations.Parse(p.Value, "strategy.scaleDownDelay"); break;
                    case "progressDeadline": deadline = Durations.Parse(p.Value, "strategy.progressDeadline"); break;
                    default: throw new InvalidInputException("strategy", $"Unknown strategy field '{p.Name}'.");
                }
            }
            return new RolloutStrategy(canary, blueGreen) { ScaleDownDelay = scaleDown, ProgressDeadline = deadline }.Validate();
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new InvalidInputException("strategy", $"The strategy is not well formed: {ex.Message}");
        }
    }

    private static CanaryStrategy ParseCanary(JsonElement c)
    {
        var steps = new List<CanaryStep>();
        string? background = null;
        int? instances = null;
        foreach (var p in c.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Null) continue;
            switch (p.Name)
            {
                case "steps":
                    foreach (var (s, i) in p.Value.EnumerateArray().Select((s, i) => (s, i)))
                        steps.Add(ParseStep(s, i));
                    break;
                case "backgroundAnalysis": background = TemplateOf(p.Value, "strategy.canary.backgroundAnalysis"); break;
                case "canaryInstances": instances = p.Value.GetInt32(); break;
                default: throw new InvalidInputException("strategy.canary", $"Unknown canary field '{p.Name}'.");
            }
        }
        return new CanaryStrategy(steps, background, instances);
    }

    private static CanaryStep ParseStep(JsonElement s, int i)
    {
        var at = $"strategy.canary.steps[{i}]";
        var props = s.ValueKind == JsonValueKind.Object ? s.EnumerateObject().ToList() : [];
        if (props.Count != 1) throw new InvalidInputException(at, $"Step {i + 1} must be one of setWeight, pause, analysis, setCanaryScale.");
        var p = props[0];
        return p.Name switch
        {
            "setWeight" => new SetWeightStep(p.Value.GetInt32()),
            "pause" => new PauseStep(p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("duration", out var d) ? Durations.Parse(d, at + ".pause.duration") : null),
            "analysis" => new AnalysisStep(TemplateOf(p.Value, at + ".analysis")),
            "setCanaryScale" => new SetCanaryScaleStep(p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetInt32() : p.Value.GetProperty("instances").GetInt32()),
            _ => throw new InvalidInputException(at, $"Step {i + 1}: unknown step '{p.Name}' (setWeight, pause, analysis, setCanaryScale)."),
        };
    }

    private static BlueGreenStrategy ParseBlueGreen(JsonElement g, ref TimeSpan scaleDown)
    {
        string? pre = null, post = null;
        var auto = true;
        var delay = TimeSpan.Zero;
        foreach (var p in g.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Null) continue;
            switch (p.Name)
            {
                case "prePromotionAnalysis": pre = TemplateOf(p.Value, "strategy.blueGreen.prePromotionAnalysis"); break;
                case "postPromotionAnalysis": post = TemplateOf(p.Value, "strategy.blueGreen.postPromotionAnalysis"); break;
                case "autoPromotionEnabled": auto = p.Value.GetBoolean(); break;
                case "autoPromotionSeconds": delay = TimeSpan.FromSeconds(p.Value.GetDouble()); break;
                case "scaleDownDelaySeconds": scaleDown = TimeSpan.FromSeconds(p.Value.GetDouble()); break;
                default: throw new InvalidInputException("strategy.blueGreen", $"Unknown blue/green field '{p.Name}'.");
            }
        }
        return new BlueGreenStrategy(pre, post, auto, delay, scaleDown);
    }

    private static string TemplateOf(JsonElement e, string field) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Object when e.TryGetProperty("template", out var t) => t.GetString() ?? "",
        _ => throw new InvalidInputException(field, "Name an analysis template: \"name\" or {\"template\":\"name\"}."),
    };

    private static readonly JsonSerializerOptions WithoutNulls = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The strategy as JSON, in the same shape <see cref="Parse"/> reads.</summary>
    public string ToJson()
    {
        var o = new Dictionary<string, object?>();
        if (Canary is { } c)
        {
            o["canary"] = new Dictionary<string, object?>
            {
                ["steps"] = c.Steps.Select(s => s switch
                {
                    SetWeightStep w => (object)new { setWeight = w.Weight },
                    PauseStep p => new { pause = p.Duration is { } d ? new { duration = Durations.Format(d) } : (object)new { } },
                    AnalysisStep a => new { analysis = new { template = a.Template } },
                    SetCanaryScaleStep sc => new { setCanaryScale = new { instances = sc.Instances } },
                    _ => throw new InvalidOperationException(),
                }).ToList(),
                ["backgroundAnalysis"] = c.BackgroundAnalysis is null ? null : new { template = c.BackgroundAnalysis },
                ["canaryInstances"] = c.CanaryInstances,
            };
        }
        if (BlueGreen is { } g)
        {
            o["blueGreen"] = new
            {
                prePromotionAnalysis = g.PrePromotionAnalysis is null ? null : new { template = g.PrePromotionAnalysis },
                postPromotionAnalysis = g.PostPromotionAnalysis is null ? null : new { template = g.PostPromotionAnalysis },
                autoPromotionEnabled = g.AutoPromotionEnabled,
                autoPromotionSeconds = g.AutoPromotionDelay.TotalSeconds,
            };
        }
        o["scaleDownDelay"] = Durations.Format(ScaleDownDelay);
        o["progressDeadline"] = Durations.Format(ProgressDeadline);
        return JsonSerializer.Serialize(o, WithoutNulls);
    }
}

/// <summary>Durations as people write them: "30s", "2m", "1h", "500ms", or a number of seconds.</summary>
public static class Durations
{
    public static TimeSpan Parse(JsonElement e, string field)
    {
        if (e.ValueKind == JsonValueKind.Number) return TimeSpan.FromSeconds(e.GetDouble());
        if (e.ValueKind == JsonValueKind.String && TryParse(e.GetString(), out var d)) return d;
        throw new InvalidInputException(field, $"'{e}' is not a duration: write e.g. \"30s\", \"2m\", \"1h\" or \"500ms\".");
    }

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        text = text?.Trim() ?? "";
        (string suffix, double factor)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(text[..^suffix.Length], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n))
            {
                if (suffix == "s" && text.EndsWith("ms", StringComparison.Ordinal)) continue;
                value = TimeSpan.FromSeconds(n * factor);
                return true;
            }
        }
        return false;
    }

    public static string Format(TimeSpan d) =>
        d.TotalMilliseconds < 1000 ? $"{d.TotalMilliseconds:0}ms"
        : d.TotalSeconds < 120 || d.TotalSeconds % 60 != 0 ? $"{d.TotalSeconds:0.###}s"
        : d.TotalMinutes < 120 || d.TotalMinutes % 60 != 0 ? $"{d.TotalMinutes:0}m"
        : $"{d.TotalHours:0}h";
}
