using System.Globalization;
using NCalc;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.GameDays;

/// <summary>The live values a game-day condition is evaluated over, for one service/environment.</summary>
public sealed record SliValues(double ErrorRatio, double P99Ms, double Rps, double BurnRate)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"error_ratio={ErrorRatio:0.####}, p99_ms={P99Ms:0.#}, rps={Rps:0.##}, burn_rate={BurnRate:0.##}");
}

/// <summary>
/// An abort condition or steady-state SLI of a game day, e.g. <c>error_ratio &gt; 0.3</c> or
/// <c>p99_ms &lt; 300 &amp;&amp; error_ratio &lt; 0.01</c>. Evaluated by NCalc over four numbers only
/// (<c>error_ratio</c>, <c>p99_ms</c>, <c>rps</c>, <c>burn_rate</c>): arithmetic, comparisons, logic and
/// the functions Abs, Min, Max, Round. Every other name, function or member access is refused when the
/// plan is saved, so a condition can never reach the host (no methods, no types).
/// </summary>
public sealed class GameDayCondition
{
    public static readonly IReadOnlyList<string> Variables = ["error_ratio", "p99_ms", "rps", "burn_rate"];
    public static readonly IReadOnlyList<string> Functions = ["Abs", "Min", "Max", "Round"];
    public const int MaxLength = 300;

    private GameDayCondition(string text) => Text = text;

    public string Text { get; }

    /// <summary>Parses, checks the names it uses and dry-evaluates; throws <see cref="InvalidInputException"/> naming the condition.</summary>
    public static GameDayCondition Parse(string? text, string field)
    {
        text = text?.Trim() ?? "";
        if (text.Length == 0) throw new InvalidInputException(field, "A condition is empty. Write one over error_ratio, p99_ms, rps or burn_rate, e.g. error_ratio > 0.3.");
        if (text.Length > MaxLength) throw new InvalidInputException(field, $"The condition '{text[..40]}…' is longer than {MaxLength} characters.");
        Expression expression;
        try
        {
            expression = New(text);
            if (expression.HasErrors())
                throw new InvalidInputException(field, $"The condition '{text}' does not parse: {Describe(expression.Error)}");
        }
        catch (Exception e) when (e is not InvalidInputException)
        {
            throw new InvalidInputException(field, $"The condition '{text}' does not parse: {e.Message}");
        }
        var functions = expression.GetFunctionNames().Where(f => !Functions.Contains(f, StringComparer.Ordinal)).ToList();
        if (functions.Count > 0)
            throw new InvalidInputException(field, $"The condition '{text}' calls {string.Join(", ", functions)}; only {string.Join(", ", Functions)} may be called.");
        var unknown = expression.GetParameterNames().Where(n => !Variables.Contains(n, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
            throw new InvalidInputException(field, $"The condition '{text}' uses {string.Join(", ", unknown)}; the variables are {string.Join(", ", Variables)}.");
        var condition = new GameDayCondition(text);
        try
        {
            condition.Holds(new SliValues(0.01, 100, 10, 1));
        }
        catch (Exception e)
        {
            throw new InvalidInputException(field, $"The condition '{text}' cannot be evaluated: {e.Message}");
        }
        return condition;
    }

    /// <summary>True when the condition holds for these values; a result that is not true or false is an error.</summary>
    public bool Holds(SliValues values)
    {
        var expression = New(Text);
        expression.Parameters["error_ratio"] = values.ErrorRatio;
        expression.Parameters["p99_ms"] = values.P99Ms;
        expression.Parameters["rps"] = values.Rps;
        expression.Parameters["burn_rate"] = values.BurnRate;
        return expression.Evaluate() switch
        {
            bool b => b,
            var other => throw new InvalidOperationException($"The condition '{Text}' gives {other ?? "nothing"}, not true or false."),
        };
    }

    public override string ToString() => Text;

    private static Expression New(string text) => new(text, ExpressionOptions.NoCache) { CultureInfo = CultureInfo.InvariantCulture };

    private static string Describe(Exception? error) => error?.InnerException?.Message ?? error?.Message ?? "unknown error";
}
