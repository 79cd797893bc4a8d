using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpsConsole.Core.Migrations.Evidence;

namespace OpsConsole.Core.GameDays;

public sealed record ReportFault(int Number, string Type, string Target, double Magnitude, int StartSeconds, int DurationSeconds, DateTime? InjectedAt, DateTime? LiftedAt, string? Outcome);

public sealed record ReportActionItem(string Text, string Owner, DateOnly? DueDate, string CreatedBy);

/// <summary>
/// A game day's report as sealed: everything a reader needs to judge the run, hashed with the same
/// canonical-JSON seal as migration evidence (<see cref="EvidenceSeal"/>) and the hash recorded in the
/// audit chain. The Markdown form is rendered from this record, so both say the same.
/// </summary>
public sealed record GameDayReportRecord(
    string Kind,
    long GameDayId,
    string Title,
    string Objective,
    string Status,
    string Facilitator,
    IReadOnlyList<string> Participants,
    IReadOnlyList<string> Observers,
    IReadOnlyList<string> Scope,
    string? BlastRadius,
    string? Hypothesis,
    IReadOnlyList<SliTally> SteadyState,
    IReadOnlyList<string> AbortConditions,
    IReadOnlyList<ReportFault> Faults,
    DateTime? ScheduledAt,
    DateTime? StartedAt,
    DateTime? EndedAt,
    string? AbortReason,
    string? ProdOptInBy,
    double? TtdSeconds,
    double? TtaSeconds,
    double? TtmSeconds,
    bool? HypothesisHeld,
    string Verdict,
    string? Observations,
    IReadOnlyList<ReportActionItem> ActionItems,
    IReadOnlyList<GameDayTimelineItem> Timeline,
    DateTime SealedAt);

public static class GameDayReport
{
    public const string RecordKind = "opsconsole.gameday.report/v1";

    private static readonly JsonSerializerOptions Indented = new(EvidenceSeal.Json) { WriteIndented = true };

    public static GameDayReportRecord Build(GameDay g, IReadOnlyList<GameDayTimelineItem> timeline, GameDayResult result, DateTime sealedAt)
    {
        var plan = g.Plan;
        var runs = g.FaultRuns;
        var faults = plan.Faults.Select((f, i) =>
        {
            var run = runs.FirstOrDefault(r => r.Index == i);
            return new ReportFault(i + 1, f.Type.ToString(), f.Target, f.Magnitude, f.StartSeconds, f.DurationSeconds, run?.InjectedAt, run?.LiftedAt, run?.Outcome);
        }).ToList();
        return new GameDayReportRecord(RecordKind, g.Id, g.Title, plan.Objective, g.Status.ToString(), g.Facilitator, plan.Participants, plan.Observers,
            plan.Scope, plan.BlastRadius, plan.Hypothesis, g.SliTallies, plan.AbortConditions, faults, g.ScheduledAt, g.StartedAt, g.EndedAt, g.AbortReason,
            g.ProdOptInBy, result.TtdSeconds, result.TtaSeconds, result.TtmSeconds, result.HypothesisHeld, result.Verdict, g.Observations,
            g.ActionItems.OrderBy(a => a.Id).Select(a => new ReportActionItem(a.Text, a.Owner, a.DueDate, a.CreatedBy)).ToList(), timeline, sealedAt);
    }

    /// <summary>The sealed document (the record plus its "sha256") and its hash.</summary>
    public static (string Document, string Sha256) Seal(GameDayReportRecord record)
    {
        var node = JsonSerializer.SerializeToNode(record, EvidenceSeal.Json)!.AsObject();
        var hash = EvidenceSeal.Sha256(node);
        node[EvidenceSeal.HashProperty] = hash;
        return (node.ToJsonString(Indented), hash);
    }

    public static GameDayReportRecord Read(string document) =>
        JsonSerializer.Deserialize<GameDayReportRecord>(document, EvidenceSeal.Json) ?? throw new JsonException("The report is empty.");

    /// <summary>The report for people, from the sealed document (its hash at the end).</summary>
    public static string ToMarkdown(string document)
    {
        var r = Read(document);
        var sha = JsonNode.Parse(document)?[EvidenceSeal.HashProperty]?.GetValue<string>();
        var md = new StringBuilder();
        string T(DateTime? t) => t is { } v ? v.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "—";
        string S(double? s) => s is { } v ? v.ToString("0.#", CultureInfo.InvariantCulture) + " s" : "not reached";
        string E(string? text) => (text ?? "").Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
        md.AppendLine(CultureInfo.InvariantCulture, $"# Game day {r.GameDayId}: {r.Title}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- **Status:** {r.Status}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **Verdict:** {r.Verdict}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **Objective:** {r.Objective}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **Scope:** {string.Join(", ", r.Scope)}{(r.BlastRadius is { } b ? $" (blast radius: {b})" : "")}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **Facilitator:** {r.Facilitator}; participants: {(r.Participants.Count == 0 ? "none" : string.Join(", ", r.Participants))}; observers: {(r.Observers.Count == 0 ? "none" : string.Join(", ", r.Observers))}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **Run:** {T(r.StartedAt)} to {T(r.EndedAt)}");
        if (r.AbortReason is { } reason) md.AppendLine(CultureInfo.InvariantCulture, $"- **Aborted because:** {reason}");
        if (r.ProdOptInBy is { } admin) md.AppendLine(CultureInfo.InvariantCulture, $"- **Production allowed by:** {admin}");
        md.AppendLine();
        md.AppendLine("## Response times");
        md.AppendLine();
        md.AppendLine("| measure | time |");
        md.AppendLine("|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| time to detect (first fault → first alert) | {S(r.TtdSeconds)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| time to acknowledge | {S(r.TtaSeconds)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| time to mitigate | {S(r.TtmSeconds)} |");
        md.AppendLine();
        md.AppendLine("## Hypothesis");
        md.AppendLine();
        md.AppendLine(r.Hypothesis ?? "None stated.");
        md.AppendLine();
        if (r.SteadyState.Count > 0)
        {
            md.AppendLine("| steady-state SLI | samples | violations | first violation |");
            md.AppendLine("|---|---|---|---|");
            foreach (var s in r.SteadyState)
                md.AppendLine(CultureInfo.InvariantCulture, $"| `{E(s.Condition)}` | {s.Samples} | {s.Violations} | {(s.FirstViolationAt is null ? "—" : $"{T(s.FirstViolationAt)} ({E(s.FirstViolationValues)})")} |");
            md.AppendLine();
        }
        md.AppendLine("## Faults");
        md.AppendLine();
        md.AppendLine("| # | fault | target | injected | lifted | outcome |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var f in r.Faults)
            md.AppendLine(CultureInfo.InvariantCulture, $"| {f.Number} | {f.Type} {f.Magnitude.ToString(CultureInfo.InvariantCulture)} (+{f.StartSeconds} s for {f.DurationSeconds} s) | {f.Target} | {T(f.InjectedAt)} | {T(f.LiftedAt)} | {E(f.Outcome)} |");
        md.AppendLine();
        if (r.AbortConditions.Count > 0)
            md.AppendLine("Abort conditions: " + string.Join(", ", r.AbortConditions.Select(c => $"`{c}`"))).AppendLine();
        md.AppendLine("## Timeline");
        md.AppendLine();
        foreach (var i in r.Timeline)
            md.AppendLine(CultureInfo.InvariantCulture, $"- {i.At:HH:mm:ss} **{i.Kind}** {E(i.Text)}");
        md.AppendLine();
        md.AppendLine("## Observations");
        md.AppendLine();
        md.AppendLine(r.Observations ?? "None recorded.");
        md.AppendLine();
        md.AppendLine("## Action items");
        md.AppendLine();
        if (r.ActionItems.Count == 0) md.AppendLine("None.");
        foreach (var a in r.ActionItems)
            md.AppendLine(CultureInfo.InvariantCulture, $"- [ ] {a.Text} (owner: {a.Owner}{(a.DueDate is { } d ? $", due {d:yyyy-MM-dd}" : "")})");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Sealed {T(r.SealedAt)}; SHA-256 of the JSON report: `{sha}` (recorded in the audit trail).");
        return md.ToString();
    }
}
