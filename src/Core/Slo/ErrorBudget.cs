using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Slo;

/// <summary>
/// Error-budget arithmetic for an objective such as 99.9% good events over a rolling period: the
/// budget is the share of events allowed to be bad (0.1%), the burn rate how fast it is spent
/// relative to spending it exactly over the period (1× spends it all at the period's end).
/// </summary>
public static class ErrorBudget
{
    /// <summary>The share of events allowed to be bad: 1 − objective.</summary>
    public static double Allowed(double objective)
    {
        if (double.IsNaN(objective) || objective <= 0 || objective >= 1)
            throw new InvalidInputException("objective", $"An objective is a share of good events between 0 and 1 exclusive (e.g. 0.999); {objective} was given.");
        return 1 - objective;
    }

    /// <summary>How many times faster than sustainable the budget burns at this error ratio: error ratio / (1 − objective).</summary>
    public static double BurnRate(double objective, double errorRatio) => errorRatio / Allowed(objective);

    /// <summary>
    /// The share of the period's budget left after <paramref name="bad"/> bad events out of
    /// <paramref name="total"/> so far in the period (1 untouched, 0 spent, negative overspent); 1 with no events.
    /// </summary>
    public static double Remaining(double objective, long bad, long total)
    {
        if (bad < 0 || total < 0 || bad > total)
            throw new InvalidInputException("events", $"Bad events ({bad}) must be between 0 and the total ({total}).");
        if (total == 0) return 1;
        return 1 - (double)bad / total / Allowed(objective);
    }
}
