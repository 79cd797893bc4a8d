using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Drills;

namespace OpsConsole.Core.Tests.Drills;

public sealed class DrillRulesTests
{
    private static readonly Actor Facilitator = new("fay", new HashSet<string> { Roles.Facilitator }, "t");
    private static readonly Actor Admin = new("ada", new HashSet<string> { Roles.Admin }, "t");

    [Theory]
    [InlineData("0 3 * * 1")]
    [InlineData("*/15 * * * *")]
    [InlineData("0 0 1 1 *")]
    [InlineData("30 2 * * MON-FRI")]
    public void Standard_five_field_crons_parse(string cron) => Assert.NotNull(DrillRules.ParseCron(cron));

    [Theory]
    [InlineData("not a cron")]
    [InlineData("0 3 * *")]
    [InlineData("61 * * * *")]
    [InlineData("0 0 3 * * 1")]
    [InlineData("* * 32 * *")]
    public void A_cron_that_does_not_parse_is_refused_naming_it(string cron)
    {
        var e = Assert.Throws<InvalidInputException>(() => DrillRules.ParseCron(cron));
        Assert.Contains("cron", e.Errors.Keys);
        Assert.Contains($"'{cron}'", e.Message);
    }

    [Fact]
    public void An_empty_cron_is_refused() => Assert.Throws<InvalidInputException>(() => DrillRules.ParseCron("  "));

    [Fact]
    public void The_next_run_follows_the_cron_in_utc()
    {
        var next = DrillRules.NextRun("0 3 * * 1", new DateTime(2026, 11, 28, 12, 0, 0, DateTimeKind.Utc)); // a Saturday
        Assert.Equal(new DateTime(2026, 11, 30, 3, 0, 0, DateTimeKind.Utc), next);
    }

    [Fact]
    public void Only_known_fault_keys_with_values_in_range_are_allowed()
    {
        var ok = DrillRules.CheckFault(new Dictionary<string, string?> { ["FAULT_ERROR_RATE"] = "0.5", ["FAULT_LATENCY_MS"] = "250" });
        Assert.Equal("0.5", ok["FAULT_ERROR_RATE"]);
        Assert.Equal("250", ok["FAULT_LATENCY_MS"]);
        Assert.Throws<InvalidInputException>(() => DrillRules.CheckFault(new Dictionary<string, string?> { ["LD_PRELOAD"] = "/tmp/x.so" }));
        Assert.Throws<InvalidInputException>(() => DrillRules.CheckFault(new Dictionary<string, string?> { ["FAULT_SOMETHING"] = "1" }));
        Assert.Throws<InvalidInputException>(() => DrillRules.CheckFault(new Dictionary<string, string?> { ["FAULT_ERROR_RATE"] = "1.5" }));
        Assert.Throws<InvalidInputException>(() => DrillRules.CheckFault(new Dictionary<string, string?> { ["FAULT_ERROR_RATE"] = "NaN" }));
        Assert.Throws<InvalidInputException>(() => DrillRules.CheckFault(new Dictionary<string, string?> { ["FAULT_LATENCY_MS"] = "2.5" }));
        Assert.Throws<InvalidInputException>(() => DrillRules.CheckFault(new Dictionary<string, string?> { ["FAULT_CRASH_AFTER_S"] = "$(reboot)" }));
        Assert.Throws<InvalidInputException>(() => DrillRules.CheckFault(new Dictionary<string, string?>()));
        Assert.Throws<InvalidInputException>(() => DrillRules.CheckFault(null));
    }

    [Fact]
    public void Prod_needs_the_opt_in_and_only_an_admin_may_give_it()
    {
        // Non-prod without the flag: anyone who runs drills.
        DrillRules.CheckProdOptIn(Facilitator, isProd: false, allowProd: false, "staging");
        // Prod without the flag: refused for everyone, Admin included (the opt-in must be explicit).
        Assert.Throws<InvalidInputException>(() => DrillRules.CheckProdOptIn(Admin, isProd: true, allowProd: false, "prod"));
        Assert.Throws<InvalidInputException>(() => DrillRules.CheckProdOptIn(Facilitator, isProd: true, allowProd: false, "prod"));
        // The flag itself is an Admin's: a Facilitator setting it is refused wherever it points.
        Assert.Throws<AccessDeniedException>(() => DrillRules.CheckProdOptIn(Facilitator, isProd: true, allowProd: true, "prod"));
        Assert.Throws<AccessDeniedException>(() => DrillRules.CheckProdOptIn(Facilitator, isProd: false, allowProd: true, "staging"));
        DrillRules.CheckProdOptIn(Admin, isProd: true, allowProd: true, "prod");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(3601)]
    public void A_target_outside_one_second_to_an_hour_is_refused(int target) =>
        Assert.Throws<InvalidInputException>(() => DrillRules.CheckTarget(target));

    [Fact]
    public void The_timeout_is_at_least_the_target()
    {
        Assert.Equal(600, DrillRules.CheckTimeout(null, 60));
        Assert.Equal(1000, DrillRules.CheckTimeout(null, 500));
        Assert.Throws<InvalidInputException>(() => DrillRules.CheckTimeout(30, 60));
    }

    private static DrillRules.Measured Fine => new(RolledBack: true, AbortedByDrill: false, Promoted: false, DetectionSeconds: 3.2, RollbackSeconds: 4.1,
        TargetSeconds: 60, ExpectedAlert: null, AlertFired: null, RunbookLinked: true, RolloutReason: "Analysis error-rate failed");

    [Fact]
    public void A_detected_rollback_within_the_target_passes()
    {
        var (passed, reason) = DrillRules.Judge(Fine);
        Assert.True(passed, reason);
        Assert.Contains("Rolled back in 4.1 s (target 60 s), detected in 3.2 s", reason);
    }

    [Fact]
    public void A_rollback_slower_than_the_target_fails_saying_so()
    {
        var (passed, reason) = DrillRules.Judge(Fine with { RollbackSeconds = 75.4 });
        Assert.False(passed);
        Assert.Contains("Rollback took 75.4 s, over the target of 60 s", reason);
    }

    [Fact]
    public void A_timeout_abort_a_promotion_or_a_missing_alert_fails()
    {
        Assert.False(DrillRules.Judge(Fine with { AbortedByDrill = true }).Passed);
        Assert.Contains("timeout", DrillRules.Judge(Fine with { AbortedByDrill = true }).Reason);
        var promoted = DrillRules.Judge(Fine with { RolledBack = false, Promoted = true, DetectionSeconds = null, RollbackSeconds = null });
        Assert.False(promoted.Passed);
        Assert.Contains("promoted", promoted.Reason);
        var alert = DrillRules.Judge(Fine with { ExpectedAlert = "SloBurnRate", AlertFired = false });
        Assert.False(alert.Passed);
        Assert.Contains("SloBurnRate did not fire", alert.Reason);
        Assert.True(DrillRules.Judge(Fine with { ExpectedAlert = "SloBurnRate", AlertFired = true }).Passed);
    }

    [Fact]
    public void A_missing_runbook_is_noted_but_does_not_fail_the_run()
    {
        var (passed, reason) = DrillRules.Judge(Fine with { RunbookLinked = false });
        Assert.True(passed);
        Assert.Contains("No runbook is linked", reason);
    }
}
