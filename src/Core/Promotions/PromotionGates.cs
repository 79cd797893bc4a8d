using System.Text.Json;
using OpsConsole.Core.Releases;
using OpsConsole.Core.Slo;

namespace OpsConsole.Core.Promotions;

/// <summary>One gate's verdict, with the reason shown beside it.</summary>
public sealed record GateResult(string Name, bool Passed, string Reason)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string ToJson(IReadOnlyList<GateResult> gates) => JsonSerializer.Serialize(gates, Json);

    public static IReadOnlyList<GateResult> ParseList(string? json) =>
        string.IsNullOrWhiteSpace(json) ? [] : JsonSerializer.Deserialize<List<GateResult>>(json, Json) ?? [];
}

/// <summary>Everything the gates look at, read from the store (or given by a test) at one moment.</summary>
public sealed record GateInput
{
    public required PipelineStage Stage { get; init; }
    /// <summary>The stage before (order N-1), null for the first stage.</summary>
    public PipelineStage? PreviousStage { get; init; }
    public required Guid ReleaseId { get; init; }
    public required string RequestedBy { get; init; }
    public IReadOnlyList<ReleaseCheck> Checks { get; init; } = [];
    /// <summary>The release's state in the previous stage, null when it never ran there.</summary>
    public ReleaseEnvironment? InPreviousStage { get; init; }
    public IReadOnlyList<PromotionApproval> Approvals { get; init; } = [];
    /// <summary>The hash of the config the promotion would deploy now.</summary>
    public required string ConfigHash { get; init; }
    public FreezeState Freeze { get; init; } = FreezeState.Open;
    public string? FreezeOverrideBy { get; init; }
    public string? FreezeOverrideReason { get; init; }
    public DateTime Now { get; init; }
    /// <summary>The SLOs of the target service/environment now, read when the stage requires the error-budget gate.</summary>
    public IReadOnlyList<SloStatus> ErrorBudgets { get; init; } = [];
}

/// <summary>
/// The gates a release passes before it is deployed to a stage, evaluated one by one, each with a
/// reason a person can act on. Pure: the same input gives the same answer.
/// </summary>
public static class PromotionGates
{
    public const string PreviousStage = "previous-stage";
    public const string Checks = "checks";
    public const string Soak = "soak";
    public const string Freeze = "freeze";
    public const string Approvals = "approvals";
    public const string ErrorBudget = "error-budget";

    /// <summary>The 1-hour burn rate above which the error-budget gate blocks when the stage names none.</summary>
    public const double DefaultMaxBurnRate = 2;

    public static IReadOnlyList<GateResult> Evaluate(GateInput input)
    {
        List<GateResult> gates = [PreviousStageGate(input), ChecksGate(input), SoakGate(input), FreezeGate(input)];
        if (input.Stage.ErrorBudgetRequired) gates.Add(ErrorBudgetGate(input));
        gates.Add(ApprovalsGate(input));
        return gates;
    }

    public static bool AllPassed(IReadOnlyList<GateResult> gates) => gates.All(g => g.Passed);

    /// <summary>Only the approvals are missing: the promotion waits for people rather than for evidence.</summary>
    public static bool OnlyApprovalsMissing(IReadOnlyList<GateResult> gates) =>
        gates.Where(g => !g.Passed).Select(g => g.Name).SequenceEqual([Approvals]);

    private static GateResult PreviousStageGate(GateInput i)
    {
        if (i.Stage.Order == 0 || i.PreviousStage is null)
            return new GateResult(PreviousStage, true, "First stage of the pipeline: no earlier stage to have run in.");
        return i.InPreviousStage?.RunningSince is { } since
            ? new GateResult(PreviousStage, true, $"Ran in {i.PreviousStage.Environment} since {Stamp(since)}.")
            : new GateResult(PreviousStage, false, $"Has not run in {i.PreviousStage.Environment} yet: promote it there first.");
    }

    private static GateResult ChecksGate(GateInput i)
    {
        var required = i.Stage.RequiredCheckNames;
        if (required.Count == 0) return new GateResult(Checks, true, "No checks required.");
        var latest = i.Checks.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(c => c.ReportedAt).First(), StringComparer.OrdinalIgnoreCase);
        var missing = required.Where(n => !latest.ContainsKey(n)).ToList();
        var failed = required.Where(n => latest.TryGetValue(n, out var c) && !c.Passed).ToList();
        if (missing.Count == 0 && failed.Count == 0)
            return new GateResult(Checks, true, $"Passed: {string.Join(", ", required)}.");
        var parts = new List<string>();
        if (failed.Count > 0)
            parts.Add("failed: " + string.Join(", ", failed.Select(n => $"{n} ({latest[n].Failures + latest[n].Errors} of {latest[n].Tests} tests)")));
        if (missing.Count > 0) parts.Add("not reported yet: " + string.Join(", ", missing));
        return new GateResult(Checks, false, char.ToUpperInvariant(parts[0][0]) + string.Join("; ", parts)[1..] + ".");
    }

    private static GateResult SoakGate(GateInput i)
    {
        if (i.Stage.SoakMinutes <= 0) return new GateResult(Soak, true, "No soak time required.");
        var need = TimeSpan.FromMinutes(i.Stage.SoakMinutes);
        var where = i.PreviousStage?.Environment ?? "the previous stage";
        if (i.InPreviousStage?.HealthySince is not { } healthy)
            return new GateResult(Soak, false, $"Needs {i.Stage.SoakMinutes} min healthy in {where}; it has not run healthy there yet.");
        var end = i.InPreviousStage.SupersededAt ?? i.Now;
        var soaked = end - healthy;
        if (soaked < TimeSpan.Zero) soaked = TimeSpan.Zero;
        return soaked >= need
            ? new GateResult(Soak, true, $"Healthy in {where} for {Minutes(soaked)} (needs {i.Stage.SoakMinutes} min).")
            : new GateResult(Soak, false, $"Healthy in {where} for {Minutes(soaked)} of {i.Stage.SoakMinutes} min; ready at {Stamp(healthy + need)}.");
    }

    private static GateResult FreezeGate(GateInput i)
    {
        if (!i.Freeze.Frozen) return new GateResult(Freeze, true, "No freeze window is active.");
        var window = i.Freeze.Window ?? "a freeze window";
        var until = i.Freeze.Until is { } u ? $" until {Stamp(u)}" : "";
        return i.FreezeOverrideBy is { } by
            ? new GateResult(Freeze, true, $"Frozen by {window}{until}, overridden by {by}: {i.FreezeOverrideReason}")
            : new GateResult(Freeze, false, $"Frozen by {window}{until}: an Admin's break-glass override with a written reason is needed.");
    }

    /// <summary>
    /// Blocks while an SLO of the service in the target environment has spent its budget over its
    /// window, or burns it faster than the stage allows over the last hour; passes when it has no SLO.
    /// </summary>
    private static GateResult ErrorBudgetGate(GateInput i)
    {
        var target = $"{i.Stage.Service}/{i.Stage.Environment}";
        if (i.ErrorBudgets.Count == 0) return new GateResult(ErrorBudget, true, $"{target}: no SLO, nothing to block on.");
        var max = i.Stage.ErrorBudgetMaxBurnRate ?? DefaultMaxBurnRate;
        var blocked = new List<string>();
        var fine = new List<string>();
        foreach (var s in i.ErrorBudgets)
        {
            var what = s.Slo.Kind == SloKind.Availability ? "availability" : $"latency < {s.Slo.LatencyMs?.ToString(Inv)} ms";
            var left = string.Create(Inv, $"{what} budget {Math.Max(0, s.BudgetRemaining) * 100:0.#}% left of {s.Slo.WindowDays} d");
            var burn = s.BurnRate(TimeSpan.FromHours(1));
            var burnText = burn is { } b ? string.Create(Inv, $"burning {b:0.##}× over 1 h (max {max:0.##}×)") : "no traffic in the last hour";
            if (s.BudgetRemaining <= 0) blocked.Add($"{left} (exhausted)");
            else if (burn > max) blocked.Add($"{left}, {burnText}");
            else fine.Add($"{left}, {burnText}");
        }
        return blocked.Count > 0
            ? new GateResult(ErrorBudget, false, $"{target}: {string.Join("; ", blocked)}.")
            : new GateResult(ErrorBudget, true, $"{target}: {string.Join("; ", fine)}.");
    }

    private static readonly System.Globalization.CultureInfo Inv = System.Globalization.CultureInfo.InvariantCulture;

    private static GateResult ApprovalsGate(GateInput i)
    {
        var need = i.Stage.RequiredApprovals;
        if (need <= 0) return new GateResult(Approvals, true, "No approval required.");
        var valid = ValidApprovers(i.Approvals, i.RequestedBy, i.ReleaseId, i.ConfigHash);
        var voided = i.Approvals.Count(a => a.Decision == ApprovalDecision.Approved && (a.ConfigHash != i.ConfigHash || a.ReleaseId != i.ReleaseId));
        var note = voided > 0 ? $" ({voided} void: given for another release or config)" : "";
        return valid.Count >= need
            ? new GateResult(Approvals, true, $"Approved by {string.Join(", ", valid)}{note}.")
            : new GateResult(Approvals, false,
                $"{valid.Count} of {need} approvals by a ReleaseManager other than the requester {i.RequestedBy}{note}.");
    }

    /// <summary>Distinct approvers whose approval still holds: same release, same config, not the requester.</summary>
    public static IReadOnlyList<string> ValidApprovers(IEnumerable<PromotionApproval> approvals, string requester, Guid releaseId, string configHash) =>
        approvals.Where(a => a.Decision == ApprovalDecision.Approved && a.ReleaseId == releaseId && a.ConfigHash == configHash
                             && !string.Equals(a.By, requester, StringComparison.OrdinalIgnoreCase))
            .Select(a => a.By).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    private static string Stamp(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);

    private static string Minutes(TimeSpan t) => $"{(int)t.TotalMinutes} min";
}
