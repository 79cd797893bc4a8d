using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Promotions;
using OpsConsole.Core.Releases;

namespace OpsConsole.Core.Tests.Promotions;

/// <summary>The gates one by one, table-driven, on a fake clock.</summary>
public sealed class PromotionGatesTests
{
    private static readonly DateTime Start = new(2026, 11, 24, 10, 0, 0, DateTimeKind.Utc);
    private static readonly Guid ReleaseId = Guid.NewGuid();
    private const string Hash = "hash-a";

    private static PipelineStage Staging => new() { Service = "checkout", Environment = "staging", Order = 1, RequiredChecks = "unit,e2e" };
    private static PipelineStage Prod => new() { Service = "checkout", Environment = "prod", Order = 2, RequiredChecks = "unit,e2e", SoakMinutes = 10, RequiredApprovals = 1 };
    private static PipelineStage Dev => new() { Service = "checkout", Environment = "dev", Order = 0, AutoDeploy = true };

    private static ReleaseCheck Check(string name, bool passed, int minutesAgo = 0) => new()
    {
        ReleaseId = ReleaseId, Name = name, Passed = passed, Tests = 10, Failures = passed ? 0 : 2, ReportedBy = "ci", ReportedAt = Start.AddMinutes(-minutesAgo),
    };

    private static ReleaseEnvironment Ran(string env, DateTime healthySince, DateTime? superseded = null) => new()
    {
        ReleaseId = ReleaseId, Service = "checkout", Version = "1.2.0", Environment = env, RunningSince = healthySince, HealthySince = healthySince, SupersededAt = superseded,
    };

    private static PromotionApproval Approval(string by, string hash = Hash, Guid? release = null, ApprovalDecision decision = ApprovalDecision.Approved) => new()
    {
        By = by, ConfigHash = hash, ReleaseId = release ?? ReleaseId, Decision = decision, At = Start,
    };

    private static GateInput Input(PipelineStage stage, FakeTimeProvider clock, Func<GateInput, GateInput>? with = null)
    {
        var previous = stage.Order switch { 1 => Dev, 2 => Staging, _ => null };
        var input = new GateInput
        {
            Stage = stage, PreviousStage = previous, ReleaseId = ReleaseId, RequestedBy = "alice", ConfigHash = Hash, Now = clock.GetUtcNow().UtcDateTime,
            Checks = [Check("unit", true), Check("e2e", true)],
            InPreviousStage = previous is null ? null : Ran(previous.Environment, Start.AddHours(-1)),
        };
        return with is null ? input : with(input);
    }

    private static GateResult Gate(GateInput input, string name) => PromotionGates.Evaluate(input).Single(g => g.Name == name);

    public static TheoryData<string, int, bool, string> SoakCases => new()
    {
        // healthy in staging since (minutes before now), passes?, reason contains
        { "just arrived", 0, false, "0 min of 10 min" },
        { "nine minutes", 9, false, "9 min of 10 min" },
        { "exactly ten", 10, true, "for 10 min" },
        { "an hour", 60, true, "for 60 min" },
    };

    [Theory]
    [MemberData(nameof(SoakCases))]
    public void Soak_counts_the_time_healthy_in_the_previous_stage(string _, int healthyMinutes, bool passes, string reason)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Start));
        var healthySince = Start.AddMinutes(-healthyMinutes);
        var gate = Gate(Input(Prod, clock, i => i with { InPreviousStage = Ran("staging", healthySince) }), PromotionGates.Soak);
        Assert.Equal(passes, gate.Passed);
        Assert.Contains(reason, gate.Reason);
    }

    [Fact]
    public void Soak_passes_by_itself_as_the_fake_clock_moves_on()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Start));
        var ran = Ran("staging", Start.AddMinutes(-3));
        Assert.False(Gate(Input(Prod, clock, i => i with { InPreviousStage = ran }), PromotionGates.Soak).Passed);
        clock.Advance(TimeSpan.FromMinutes(7));
        Assert.True(Gate(Input(Prod, clock, i => i with { InPreviousStage = ran }), PromotionGates.Soak).Passed);
    }

    [Fact]
    public void Soak_of_a_release_superseded_in_the_previous_stage_stops_counting()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Start));
        var gate = Gate(Input(Prod, clock, i => i with { InPreviousStage = Ran("staging", Start.AddMinutes(-60), superseded: Start.AddMinutes(-55)) }), PromotionGates.Soak);
        Assert.False(gate.Passed);
        Assert.Contains("5 min of 10 min", gate.Reason);
    }

    public static TheoryData<string, string[], bool, string> CheckCases => new()
    {
        { "both passed", ["unit:pass", "e2e:pass"], true, "Passed: unit, e2e" },
        { "e2e missing", ["unit:pass"], false, "Not reported yet: e2e" },
        { "unit failed", ["unit:fail", "e2e:pass"], false, "unit (2 of 10 tests)" },
        { "none", [], false, "Not reported yet: unit, e2e" },
        { "names ignore case", ["UNIT:pass", "E2E:pass"], true, "Passed" },
    };

    [Theory]
    [MemberData(nameof(CheckCases))]
    public void Required_checks_must_all_have_passed(string _, string[] reported, bool passes, string reason)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Start));
        var checks = reported.Select(r => r.Split(':')).Select(p => Check(p[0], p[1] == "pass")).ToList();
        var gate = Gate(Input(Staging, clock, i => i with { Checks = checks }), PromotionGates.Checks);
        Assert.Equal(passes, gate.Passed);
        Assert.Contains(reason, gate.Reason);
    }

    [Fact]
    public void The_latest_report_of_a_check_counts()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Start));
        var rerun = Input(Staging, clock, i => i with { Checks = [Check("unit", false, minutesAgo: 30), Check("unit", true, minutesAgo: 1), Check("e2e", true)] });
        Assert.True(Gate(rerun, PromotionGates.Checks).Passed);
        var broke = Input(Staging, clock, i => i with { Checks = [Check("unit", true, minutesAgo: 30), Check("unit", false, minutesAgo: 1), Check("e2e", true)] });
        Assert.False(Gate(broke, PromotionGates.Checks).Passed);
    }

    public static TheoryData<string, bool, string?, bool, string> FreezeCases => new()
    {
        { "open", false, null, true, "No freeze" },
        { "frozen", true, null, false, "break-glass" },
        { "frozen, overridden", true, "root", true, "overridden by root: hotfix" },
    };

    [Theory]
    [MemberData(nameof(FreezeCases))]
    public void A_freeze_window_blocks_unless_an_Admin_overrode_it(string _, bool frozen, string? overrideBy, bool passes, string reason)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Start));
        var state = frozen ? new FreezeState(true, "Weekend freeze", Start.AddDays(2), null) : FreezeState.Open;
        var gate = Gate(Input(Prod, clock, i => i with { Freeze = state, FreezeOverrideBy = overrideBy, FreezeOverrideReason = "hotfix" }), PromotionGates.Freeze);
        Assert.Equal(passes, gate.Passed);
        Assert.Contains(reason, gate.Reason);
        if (frozen && overrideBy is null) Assert.Contains("Weekend freeze", gate.Reason);
    }

    public static TheoryData<string, string[], int, bool, string> ApprovalCases => new()
    {
        { "one by another ReleaseManager", ["bob"], 1, true, "Approved by bob" },
        { "none yet", [], 1, false, "0 of 1" },
        { "the requester's own never counts", ["alice"], 1, false, "0 of 1" },
        { "the requester's own, any case", ["ALICE"], 1, false, "0 of 1" },
        { "the same person twice counts once", ["bob", "BOB"], 2, false, "1 of 2" },
        { "two distinct", ["bob", "carol"], 2, true, "bob, carol" },
        { "void: given for another config", ["bob@hash-b"], 1, false, "1 void" },
        { "void: given for another release", ["bob#other"], 1, false, "1 void" },
        { "a rejection is no approval", ["bob!"], 1, false, "0 of 1" },
    };

    [Theory]
    [MemberData(nameof(ApprovalCases))]
    public void Approvals_need_distinct_ReleaseManagers_other_than_the_requester_for_this_release_and_config(
        string _, string[] approvers, int required, bool passes, string reason)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Start));
        var approvals = approvers.Select(a =>
            a.EndsWith('!') ? Approval(a.TrimEnd('!'), decision: ApprovalDecision.Rejected)
            : a.Contains('@') ? Approval(a.Split('@')[0], hash: a.Split('@')[1])
            : a.Contains('#') ? Approval(a.Split('#')[0], release: Guid.NewGuid())
            : Approval(a)).ToList();
        var stage = Prod;
        stage.RequiredApprovals = required;
        var gate = Gate(Input(stage, clock, i => i with { Approvals = approvals }), PromotionGates.Approvals);
        Assert.Equal(passes, gate.Passed);
        Assert.Contains(reason, gate.Reason);
    }

    [Fact]
    public void An_approval_becomes_void_when_the_config_changes()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Start));
        var approvals = new[] { Approval("bob") };
        Assert.True(Gate(Input(Prod, clock, i => i with { Approvals = approvals }), PromotionGates.Approvals).Passed);
        Assert.False(Gate(Input(Prod, clock, i => i with { Approvals = approvals, ConfigHash = "hash-after-a-secret-changed" }), PromotionGates.Approvals).Passed);
    }

    public static TheoryData<string, int, bool, bool, string> PreviousStageCases => new()
    {
        { "first stage", 0, false, true, "First stage" },
        { "ran in dev", 1, true, true, "Ran in dev" },
        { "never ran in dev", 1, false, false, "Has not run in dev" },
        { "never ran in staging", 2, false, false, "Has not run in staging" },
    };

    [Theory]
    [MemberData(nameof(PreviousStageCases))]
    public void The_release_must_have_run_in_the_previous_stage(string _, int order, bool ran, bool passes, string reason)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Start));
        var stage = order switch { 0 => Dev, 1 => Staging, _ => Prod };
        var gate = Gate(Input(stage, clock, i => i with { InPreviousStage = ran && i.PreviousStage is { } p ? Ran(p.Environment, Start.AddHours(-1)) : null }),
            PromotionGates.PreviousStage);
        Assert.Equal(passes, gate.Passed);
        Assert.Contains(reason, gate.Reason);
    }

    [Fact]
    public void Gates_are_evaluated_one_by_one_and_only_missing_approvals_means_awaiting_approval()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Start));
        var gates = PromotionGates.Evaluate(Input(Prod, clock));
        Assert.Equal([PromotionGates.PreviousStage, PromotionGates.Checks, PromotionGates.Soak, PromotionGates.Freeze, PromotionGates.Approvals], gates.Select(g => g.Name));
        Assert.True(PromotionGates.OnlyApprovalsMissing(gates));
        Assert.False(PromotionGates.AllPassed(gates));

        var frozenToo = PromotionGates.Evaluate(Input(Prod, clock, i => i with { Freeze = new FreezeState(true, "Weekend", null, null) }));
        Assert.False(PromotionGates.OnlyApprovalsMissing(frozenToo));

        var all = PromotionGates.Evaluate(Input(Prod, clock, i => i with { Approvals = [Approval("bob")] }));
        Assert.True(PromotionGates.AllPassed(all));
        Assert.All(all, g => Assert.False(string.IsNullOrWhiteSpace(g.Reason)));
    }

    [Fact]
    public void Gate_results_round_trip_through_their_stored_form()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Start));
        var gates = PromotionGates.Evaluate(Input(Prod, clock));
        Assert.Equal(gates, GateResult.ParseList(GateResult.ToJson(gates)));
    }
}
