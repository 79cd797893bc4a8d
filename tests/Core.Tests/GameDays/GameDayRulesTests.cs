using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.GameDays;

namespace OpsConsole.Core.Tests.GameDays;

public sealed class GameDayRulesTests
{
    private static GameDayInput Input(IReadOnlyList<FaultInput>? faults = null, IReadOnlyList<string>? aborts = null, IReadOnlyList<string>? steady = null) =>
        new("Checkout errors", "Does the burn-rate alert page within 5 minutes?", ["checkout/staging"], ["paul"], ["olive"], "Alert within 5 min",
            steady ?? ["error_ratio < 0.01", "p99_ms < 300"], faults ?? [new FaultInput("error_rate", null, 0.5, 0, 60)], "staging only", aborts ?? ["error_ratio > 0.8"]);

    [Fact]
    public void A_valid_plan_is_normalised()
    {
        var plan = GameDayRules.Check(Input(), out var title, out var facilitator);
        Assert.Equal("Checkout errors", title);
        Assert.Null(facilitator);
        var fault = Assert.Single(plan.Faults);
        Assert.Equal(FaultKind.ErrorRate, fault.Type);
        Assert.Equal("checkout/staging", fault.Target);
        Assert.Equal(120, plan.DurationSeconds); // last fault end + 60 s
    }

    [Theory]
    [InlineData("faults[0].target", "payments/staging", "ErrorRate", 0.5)]
    [InlineData("faults[0].type", "checkout/staging", "meteor", 0.5)]
    [InlineData("faults[0].magnitude", "checkout/staging", "ErrorRate", 1.5)]
    [InlineData("faults[0].magnitude", "checkout/staging", "Latency", 0)]
    public void A_bad_fault_is_refused_naming_its_field(string field, string target, string type, double magnitude)
    {
        var e = Assert.Throws<InvalidInputException>(() => GameDayRules.Check(Input([new FaultInput(type, target, magnitude, 0, 30)]), out _, out _));
        Assert.Contains(field, e.Errors.Keys);
    }

    [Fact]
    public void A_plan_without_scope_or_title_is_refused()
    {
        Assert.Throws<InvalidInputException>(() => GameDayRules.Check(Input() with { Scope = [] }, out _, out _));
        Assert.Throws<InvalidInputException>(() => GameDayRules.Check(Input() with { Title = " " }, out _, out _));
        Assert.Throws<InvalidInputException>(() => GameDayRules.Check(Input() with { DurationSeconds = 10 }, out _, out _));
    }

    [Theory]
    [InlineData("error_ratio > 0.3", 0.5, true)]
    [InlineData("error_ratio > 0.3", 0.1, false)]
    [InlineData("burn_rate > 10 || p99_ms >= 500", 0.0, true)]
    [InlineData("Max(error_ratio, 0.2) > 0.3 && rps > 1", 0.4, true)]
    public void Conditions_evaluate_over_the_live_values(string text, double errorRatio, bool expected)
    {
        var condition = GameDayCondition.Parse(text, "abortConditions[0]");
        Assert.Equal(expected, condition.Holds(new SliValues(errorRatio, 600, 5, 2)));
    }

    [Theory]
    [InlineData("error_ratio >")]
    [InlineData("((error_ratio > 1")]
    [InlineData("errors > 0.3")]
    [InlineData("error_ratio + 1")]
    public void A_condition_that_does_not_parse_or_names_an_unknown_variable_is_refused_by_name(string text)
    {
        var e = Assert.Throws<InvalidInputException>(() => GameDayRules.Check(Input(aborts: [text, "rps > 0"]), out _, out _));
        if (text.Length > 0) Assert.Contains(text, e.Errors["abortConditions[0]"][0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("System.IO.File.Delete('/tmp/x') == null")]
    [InlineData("System.Environment.Exit(1) == 0")]
    [InlineData("Environment.GetEnvironmentVariable('OPS_ADMIN_TOKEN') != ''")]
    [InlineData("error_ratio.GetType().Assembly != null")]
    [InlineData("new System.Diagnostics.Process() != null")]
    [InlineData("typeof(System.IO.File) != null")]
    [InlineData("[System.IO.File] != null")]
    [InlineData("if(true, System.IO.Directory.Delete('/'), 1) > 0")]
    public void A_condition_cannot_reach_the_host(string attack)
    {
        var e = Assert.Throws<InvalidInputException>(() => GameDayCondition.Parse(attack, "abortConditions[0]"));
        Assert.Contains("abortConditions[0]", e.Errors.Keys);
    }

    [Fact]
    public void Ttd_tta_and_ttm_are_measured_from_the_first_fault()
    {
        var start = new DateTime(2026, 11, 28, 12, 0, 0, DateTimeKind.Utc);
        var gameDay = new GameDay
        {
            Title = "t", Facilitator = "fay", CreatedBy = "fay", Status = GameDayStatus.Completed, StartedAt = start,
            Plan = GameDayRules.Check(Input(), out _, out _),
            FaultRuns = [new FaultRun(0, "gameday-1-0", start.AddSeconds(10), start.AddSeconds(70), "lifted on time")],
            SliTallies = [new SliTally("error_ratio < 0.01", 50, 0, null, null)],
        };
        List<GameDayTimelineItem> timeline =
        [
            new(start.AddSeconds(5), GameDayItemKind.Alert, EventTypes.AlertFiring, "an earlier alert does not count", null),
            new(start.AddSeconds(10), GameDayItemKind.Fault, "gameday.fault", "fault injected", null),
            new(start.AddSeconds(55), GameDayItemKind.Alert, EventTypes.AlertFiring, "alert firing", null),
            new(start.AddSeconds(60), GameDayItemKind.Page, EventTypes.PageSent, "paged", null),
            new(start.AddSeconds(100), GameDayItemKind.Acknowledgement, EventTypes.PageAcknowledged, "acked", "olga"),
            new(start.AddSeconds(190), GameDayItemKind.Mitigation, EventTypes.IncidentMitigated, "mitigated", "olga"),
        ];
        var result = GameDayResult.From(gameDay, timeline);
        Assert.Equal(45, result.TtdSeconds);
        Assert.Equal(90, result.TtaSeconds);
        Assert.Equal(180, result.TtmSeconds);
        Assert.True(result.HypothesisHeld);

        gameDay.SliTallies = [new SliTally("error_ratio < 0.01", 50, 3, start.AddSeconds(20), "error_ratio=0.5")];
        var refuted = GameDayResult.From(gameDay, timeline[..3]);
        Assert.False(refuted.HypothesisHeld);
        Assert.Null(refuted.TtaSeconds);
        Assert.Contains("refuted", refuted.Verdict, StringComparison.Ordinal);
    }
}
