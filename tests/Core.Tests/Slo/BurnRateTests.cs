using OpsConsole.Core.Domain;
using OpsConsole.Core.Slo;

namespace OpsConsole.Core.Tests.Slo;

/// <summary>
/// Burn rates and multi-window alerts against the worked figures of Google's Site Reliability
/// Workbook, chapter 5 ("Alerting on SLOs"), for a 99.9% objective over 30 days: burn rate 14.4 over
/// 1 h spends 2% of the budget, 6 over 6 h spends 5%, 1 over 3 days spends 10%; a 1 h window at
/// 14.4× trips at an error ratio of 1.44%, and a 100% error ratio trips it after 0.864 minutes.
/// </summary>
public sealed class BurnRateTests
{
    private const double Objective = 0.999;
    private static readonly TimeSpan Period = TimeSpan.FromDays(30);

    [Theory]
    [InlineData("fast-burn", 14.4, 1.0, 5.0, 0.02, BurnRateSeverity.Page)]
    [InlineData("slow-burn", 6.0, 6.0, 30.0, 0.05, BurnRateSeverity.Page)]
    [InlineData("budget-erosion", 1.0, 72.0, 360.0, 0.10, BurnRateSeverity.Ticket)]
    public void The_workbook_rules_spend_the_budget_shares_the_workbook_gives(string name, double rate, double longHours, double shortMinutes, double consumed, BurnRateSeverity severity)
    {
        var rule = BurnRateRule.Workbook.Single(r => r.Name == name);
        Assert.Equal(rate, rule.BurnRate);
        Assert.Equal(TimeSpan.FromHours(longHours), rule.LongWindow);
        Assert.Equal(TimeSpan.FromMinutes(shortMinutes), rule.ShortWindow);
        Assert.Equal(severity, rule.Severity);
        Assert.Equal(consumed, rule.BudgetConsumed(Period), 10);
        // The short window is a twelfth of the long one, as the workbook recommends.
        Assert.Equal(rule.LongWindow / 12, rule.ShortWindow);
    }

    [Fact]
    public void The_fast_burn_rule_trips_at_an_error_ratio_of_1_44_percent_and_a_total_outage_is_detected_in_0_864_minutes()
    {
        var fast = BurnRateRule.Workbook[0];
        Assert.Equal(0.0144, fast.ErrorRatioThreshold(Objective), 10);
        Assert.Equal(0.864, fast.DetectionTime(Objective, 1.0)!.Value.TotalMinutes, 6);
        // At exactly the threshold it takes the whole long window; below it never trips.
        Assert.Equal(60, fast.DetectionTime(Objective, 0.0144)!.Value.TotalMinutes, 6);
        Assert.Null(fast.DetectionTime(Objective, 0.01));
    }

    [Theory]
    [InlineData(0.02, 0.02, true)]    // both windows above 1.44%
    [InlineData(0.02, 0.001, false)]  // the fault is over: the short window resets the alert
    [InlineData(0.001, 0.5, false)]   // a short spike has not spent enough budget yet
    [InlineData(0.0144, 0.0144, true)]
    public void An_alert_fires_only_while_both_windows_burn_at_its_rate(double longRatio, double shortRatio, bool fires)
    {
        Assert.Equal(fires, BurnRateRule.Workbook[0].Fires(Objective, longRatio, shortRatio));
    }

    [Fact]
    public void Burn_rate_and_remaining_budget_follow_the_objective()
    {
        Assert.Equal(1, ErrorBudget.BurnRate(Objective, 0.001), 10);
        Assert.Equal(14.4, ErrorBudget.BurnRate(Objective, 0.0144), 10);
        Assert.Equal(1, ErrorBudget.Remaining(Objective, 0, 1000));
        Assert.Equal(0.5, ErrorBudget.Remaining(Objective, 500, 1_000_000), 10);
        Assert.Equal(-1, ErrorBudget.Remaining(Objective, 2000, 1_000_000), 10);
        Assert.Equal(1, ErrorBudget.Remaining(Objective, 0, 0));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void An_objective_outside_zero_to_one_is_refused_with_the_reason(double objective)
    {
        var error = Assert.Throws<InvalidInputException>(() => ErrorBudget.Allowed(objective));
        Assert.Contains("between 0 and 1", error.Message);
    }

    [Fact]
    public void Bad_event_counts_are_refused()
    {
        Assert.Throws<InvalidInputException>(() => ErrorBudget.Remaining(Objective, 5, 4));
        Assert.Throws<InvalidInputException>(() => ErrorBudget.Remaining(Objective, -1, 4));
    }
}
