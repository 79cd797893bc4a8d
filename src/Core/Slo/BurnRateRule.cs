namespace OpsConsole.Core.Slo;

/// <summary>What a burn-rate alert asks of people: wake someone now, or open a ticket for working hours.</summary>
public enum BurnRateSeverity
{
    Page,
    Ticket,
}

/// <summary>
/// One multi-window burn-rate alert (the Site Reliability Workbook's "multiwindow, multi-burn-rate"
/// alerting): it fires while the error budget burns at least <see cref="BurnRate"/> times the
/// sustainable rate over both the long window (enough budget is really gone) and the short window
/// (it is still burning now, so the alert resets soon after the fault is fixed).
/// </summary>
public sealed record BurnRateRule(string Name, double BurnRate, TimeSpan LongWindow, TimeSpan ShortWindow, BurnRateSeverity Severity)
{
    /// <summary>
    /// The workbook's recommended set for a 30-day objective: page on 14.4× over 1 h and 5 m (2% of
    /// the budget in an hour), page on 6× over 6 h and 30 m (5% in six hours), ticket on 1× over 3 d
    /// and 6 h (10% in three days).
    /// </summary>
    public static readonly IReadOnlyList<BurnRateRule> Workbook =
    [
        new("fast-burn", 14.4, TimeSpan.FromHours(1), TimeSpan.FromMinutes(5), BurnRateSeverity.Page),
        new("slow-burn", 6, TimeSpan.FromHours(6), TimeSpan.FromMinutes(30), BurnRateSeverity.Page),
        new("budget-erosion", 1, TimeSpan.FromDays(3), TimeSpan.FromHours(6), BurnRateSeverity.Ticket),
    ];

    /// <summary>The error ratio over a window at which this rule's burn rate is reached: burn rate × (1 − objective).</summary>
    public double ErrorRatioThreshold(double objective) => BurnRate * ErrorBudget.Allowed(objective);

    /// <summary>The share of the whole period's budget spent when the rate holds for the long window: burn rate × long window / period.</summary>
    public double BudgetConsumed(TimeSpan period) => BurnRate * LongWindow / period;

    /// <summary>
    /// How long a steady error ratio takes to trip the long window from a clean start:
    /// long window × threshold / error ratio (the workbook's detection time); null when the ratio never trips it.
    /// </summary>
    public TimeSpan? DetectionTime(double objective, double errorRatio)
    {
        var threshold = ErrorRatioThreshold(objective);
        if (errorRatio <= 0 || !Reaches(errorRatio, threshold)) return null;
        return LongWindow * (threshold / errorRatio);
    }

    /// <summary>True when both windows burn at least this rule's rate.</summary>
    public bool Fires(double objective, double longWindowErrorRatio, double shortWindowErrorRatio)
    {
        var threshold = ErrorRatioThreshold(objective);
        return Reaches(longWindowErrorRatio, threshold) && Reaches(shortWindowErrorRatio, threshold);
    }

    // 14.4 × (1 − 0.999) is 0.014400000000000011 in binary floating point: a ratio written as the
    // threshold itself must count as reaching it.
    private static bool Reaches(double ratio, double threshold) => ratio >= threshold * (1 - 1e-9);
}
