using System.Globalization;
using NCalc;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Rollouts.Analysis;

/// <summary>
/// A success or failure condition over one measurement, e.g. <c>result &lt; 0.05</c> or
/// <c>result &gt;= 0.99 &amp;&amp; result &lt;= 1</c>. Evaluated by NCalc: arithmetic, comparisons,
/// logic and NCalc's built-in functions only, no user code. The only variable is <c>result</c>.
/// </summary>
public sealed class AnalysisCondition
{
    public const string ResultVariable = "result";

    private AnalysisCondition(string text) => Text = text;

    public string Text { get; }

    /// <summary>Parses and dry-evaluates the condition; throws <see cref="InvalidInputException"/> saying what to fix.</summary>
    public static AnalysisCondition Parse(string? text, string field)
    {
        text = text?.Trim() ?? "";
        if (text.Length == 0) throw new InvalidInputException(field, "The condition is empty. Write one over 'result', e.g. result < 0.05.");
        if (text.Length > 500) throw new InvalidInputException(field, "A condition is at most 500 characters.");
        var expression = New(text);
        if (expression.HasErrors())
            throw new InvalidInputException(field, $"The condition '{text}' does not parse: {Describe(expression.Error)}");
        var names = expression.GetParameterNames();
        var unknown = names.Where(n => n != ResultVariable).ToList();
        if (unknown.Count > 0)
            throw new InvalidInputException(field, $"The condition '{text}' uses {string.Join(", ", unknown)}; the only variable is 'result'.");
        var condition = new AnalysisCondition(text);
        try
        {
            condition.IsMet(0.5);
        }
        catch (Exception ex)
        {
            throw new InvalidInputException(field, ex is ConditionNotBooleanException ? ex.Message : $"The condition '{text}' cannot be evaluated: {ex.Message}");
        }
        return condition;
    }

    /// <summary>True when the condition holds for this value. A non-boolean result is an error.</summary>
    public bool IsMet(double result)
    {
        var expression = New(Text);
        expression.Parameters[ResultVariable] = result;
        return expression.Evaluate() switch
        {
            bool b => b,
            var other => throw new ConditionNotBooleanException($"The condition '{Text}' gives {other ?? "nothing"}, not true or false."),
        };
    }

    public override string ToString() => Text;

    private static Expression New(string text) => new(text, ExpressionOptions.NoCache) { CultureInfo = CultureInfo.InvariantCulture };

    private static string Describe(Exception? error) =>
        error?.InnerException?.Message ?? error?.Message ?? "unknown error";
}

/// <summary>A condition that evaluates to something other than true or false.</summary>
public sealed class ConditionNotBooleanException(string message) : Exception(message);
