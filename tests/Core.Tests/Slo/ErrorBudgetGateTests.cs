using OpsConsole.Core.Promotions;
using OpsConsole.Core.Releases;
using OpsConsole.Core.Slo;

namespace OpsConsole.Core.Tests.Slo;

/// <summary>The error-budget gate of a pipeline stage: blocks on an exhausted budget or a fast 1-hour burn, passes without an SLO.</summary>
public sealed class ErrorBudgetGateTests
{
    private static readonly DateTime Now = new(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);

    private static PipelineStage Prod(bool required = true, double? max = null) => new()
    {
        Service = "checkout", Environment = "prod", Order = 0, ErrorBudgetRequired = required, ErrorBudgetMaxBurnRate = max,
    };

    private static SloStatus Status(double remaining, double? burn1h, SloKind kind = SloKind.Availability) => new(
        new ServiceLevelObjective { Id = 1, Service = "checkout", Environment = "prod", Kind = kind, Objective = 0.999, LatencyMs = kind == SloKind.Latency ? 250 : null, CreatedBy = "rita" },
        new DateTimeOffset(Now), remaining, 1000, 1, [new SloWindowBurn("1h", TimeSpan.FromHours(1), burn1h * 0.001, burn1h)]);

    private static GateResult? Gate(PipelineStage stage, params SloStatus[] statuses) => PromotionGates.Evaluate(new GateInput
    {
        Stage = stage, ReleaseId = Guid.NewGuid(), RequestedBy = "ci", ConfigHash = "h", Now = Now, ErrorBudgets = statuses,
    }).SingleOrDefault(g => g.Name == PromotionGates.ErrorBudget);

    [Fact]
    public void A_stage_that_does_not_require_it_has_no_error_budget_gate() =>
        Assert.Null(Gate(Prod(required: false), Status(0, 50)));

    [Fact]
    public void Without_an_slo_it_passes_saying_so()
    {
        var gate = Gate(Prod())!;
        Assert.True(gate.Passed);
        Assert.Equal("checkout/prod: no SLO, nothing to block on.", gate.Reason);
    }

    [Theory]
    [InlineData(0.0, 0.5, null, false, "checkout/prod: availability budget 0% left of 30 d (exhausted).")]
    [InlineData(-0.4, 0.5, null, false, "checkout/prod: availability budget 0% left of 30 d (exhausted).")]
    [InlineData(0.8, 2.5, null, false, "checkout/prod: availability budget 80% left of 30 d, burning 2.5× over 1 h (max 2×).")]
    [InlineData(0.8, 2.0, null, true, "checkout/prod: availability budget 80% left of 30 d, burning 2× over 1 h (max 2×).")]
    [InlineData(0.8, 2.5, 3.0, true, "checkout/prod: availability budget 80% left of 30 d, burning 2.5× over 1 h (max 3×).")]
    [InlineData(0.123, null, null, true, "checkout/prod: availability budget 12.3% left of 30 d, no traffic in the last hour.")]
    public void It_blocks_on_an_exhausted_budget_or_a_burn_above_the_stage_s_threshold(double remaining, double? burn, double? max, bool passes, string reason)
    {
        var gate = Gate(Prod(max: max), Status(remaining, burn))!;
        Assert.Equal(passes, gate.Passed);
        Assert.Equal(reason, gate.Reason);
    }

    [Fact]
    public void One_failing_slo_of_several_blocks_and_is_named()
    {
        var gate = Gate(Prod(), Status(0.9, 0.1), Status(0.5, 4, SloKind.Latency))!;
        Assert.False(gate.Passed);
        Assert.Equal("checkout/prod: latency < 250 ms budget 50% left of 30 d, burning 4× over 1 h (max 2×).", gate.Reason);
        Assert.False(PromotionGates.AllPassed(PromotionGates.Evaluate(new GateInput
        {
            Stage = Prod(), ReleaseId = Guid.NewGuid(), RequestedBy = "ci", ConfigHash = "h", Now = Now, ErrorBudgets = [Status(0, 0)],
        })));
    }
}
