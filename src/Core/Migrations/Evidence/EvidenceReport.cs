using System.Globalization;
using System.Text;

namespace OpsConsole.Core.Migrations.Evidence;

/// <summary>The evidence as a Markdown report a release manager or auditor reads; the JSON document stays the record.</summary>
public static class EvidenceReport
{
    public static string ToMarkdown(MigrationEvidence e, string sha256)
    {
        var md = new StringBuilder();
        var title = e.Kind switch { MigrationRunKind.DryRun => "Dry-run", MigrationRunKind.Apply => "Apply", _ => "Revert" };
        md.AppendLine($"# Migration {title.ToLowerInvariant()} of {e.Service} in {e.Environment}: {e.Outcome}");
        md.AppendLine();
        md.AppendLine(e.Summary);
        md.AppendLine();
        md.AppendLine("| | |");
        md.AppendLine("|---|---|");
        Row(md, "Batch", e.BatchId.ToString());
        Row(md, "Target", $"{e.Target} ({e.TargetKind})");
        Row(md, "Source", $"{e.SourceOrigin}, checksum `{e.SourceChecksum}`");
        if (e.Phase is { } phase) Row(md, "Phase", phase.ToString().ToLowerInvariant());
        if (e.RevertTarget is { } rt) Row(md, "Revert", rt);
        Row(md, "Requested by", $"{e.RequestedBy} (correlation {e.CorrelationId})");
        Row(md, "Approved by", e.ApprovedBy is null ? "not required / none" : $"{e.ApprovedBy}{(e.ApprovedAt is { } at ? " at " + Time(at) : "")}");
        Row(md, "Started", Time(e.StartedAt));
        Row(md, "Finished", $"{Time(e.FinishedAt)} ({e.DurationMs} ms)");
        Row(md, "Console version", e.ConsoleVersion);
        Row(md, "Evidence SHA-256", $"`{sha256}`");
        md.AppendLine();

        if (e.Errors.Count > 0)
        {
            md.AppendLine("## Errors");
            md.AppendLine();
            foreach (var error in e.Errors) md.AppendLine($"- {Inline(error)}");
            md.AppendLine();
        }

        if (e.Preflight is { } p)
        {
            md.AppendLine("## Preflight");
            md.AppendLine();
            md.AppendLine($"- Connected: {(p.Connected ? "yes" : "no")}");
            md.AppendLine($"- Applied before the run: {p.Applied.Count}; pending: {p.Pending.Count}; in this batch: {(p.Batch.Count == 0 ? "none" : string.Join(", ", p.Batch))}");
            md.AppendLine($"- Drift: {(p.Drift.Count == 0 ? "none" : string.Join("; ", p.Drift.Select(d => $"{d.Change} {d.Reason} ({string.Join(", ", d.Files)})")))}");
            md.AppendLine($"- Out of order: {(p.OutOfOrder.Count == 0 ? "none" : string.Join(", ", p.OutOfOrder))}");
            md.AppendLine($"- Permissions: {(p.PermissionProblems.Count == 0 ? "ok" : string.Join("; ", p.PermissionProblems))}");
            md.AppendLine($"- Blockers: {(p.Blockers.Count == 0 ? "none" : "")}");
            foreach (var b in p.Blockers) md.AppendLine($"  - {Inline(b)}");
            md.AppendLine();
            if (p.Findings.Count > 0)
            {
                md.AppendLine("### Lint findings");
                md.AppendLine();
                md.AppendLine("| rule | severity | where | finding | waiver |");
                md.AppendLine("|---|---|---|---|---|");
                foreach (var f in p.Findings)
                    md.AppendLine($"| {f.RuleId} | {f.Severity} | {f.Change}/{f.File}{(f.Line > 0 ? ":" + f.Line : "")} | {Cell(f.Message)} | {(f.Waiver is { } w ? Cell($"{w.By}: {w.Reason}") : "")} |");
                md.AppendLine();
                foreach (var rule in p.Findings.GroupBy(f => f.RuleId).Select(g => g.First()))
                    md.AppendLine($"- **{rule.RuleId}**: {rule.Explanation} Safe pattern: {rule.SafePattern}");
                md.AppendLine();
            }
        }
        if (e.Waivers.Count > 0)
        {
            md.AppendLine("## Waivers");
            md.AppendLine();
            foreach (var w in e.Waivers) md.AppendLine($"- {w.RuleId} in {w.Change}, waived by {w.By}: {Inline(w.Reason)}");
            md.AppendLine();
        }

        md.AppendLine("## Changes");
        md.AppendLine();
        if (e.Changes.Count == 0) md.AppendLine("No change ran.").AppendLine();
        foreach (var c in e.Changes)
        {
            md.AppendLine($"### {c.Name}: {c.Outcome}");
            md.AppendLine();
            md.AppendLine($"- Phase {c.Phase.ToString().ToLowerInvariant()}, {(c.Transactional ? "transactional" : "not transactional")}, checksum `{c.Checksum}`");
            if (c.StartedAt is { } s) md.AppendLine($"- Started {Time(s)}, took {c.DurationMs} ms");
            if (c.Verify is { } v) md.AppendLine($"- Verify: {(v.Passed ? "passed" : "FAILED")}: {Inline(v.Message)}");
            if (c.Reversibility is { } r) md.AppendLine($"- Reversibility: {(!r.Checked ? "not checked" : r.Restored ? "revert restores the schema" : "REVERT DOES NOT RESTORE THE SCHEMA")}: {Inline(r.Note)}");
            if (c.Error is { } err) md.AppendLine($"- Error in {err.File}, statement {err.StatementIndex + 1}, line {err.Line}, column {err.Column}{(err.SqlState is null ? "" : $" ({err.SqlState})")}: {Inline(err.Message)}\n  `{err.Statement.Replace("`", "'", StringComparison.Ordinal)}`");
            if (c.Note is { } note) md.AppendLine($"- {Inline(note)}");
            if (c.Diff is { IsEmpty: false } d)
            {
                md.AppendLine("- Schema changes:");
                foreach (var change in d.Changes) md.AppendLine($"  - `{change}`");
            }
            md.AppendLine();
            foreach (var script in c.Scripts)
            {
                md.AppendLine($"<details><summary>{script.File} (sha256 {script.Sha256[..12]}…)</summary>");
                md.AppendLine();
                md.AppendLine(Fence(script.Sql, "sql"));
                md.AppendLine("</details>");
                md.AppendLine();
            }
        }

        if (e.RowCounts is { Count: > 0 } counts)
        {
            md.AppendLine("## Rows of the tables the batch writes (before → after the dry-run)");
            md.AppendLine();
            md.AppendLine("| Table | Before | After |");
            md.AppendLine("|---|---|---|");
            foreach (var c in counts)
                md.AppendLine($"| {Cell(c.Table)} | {c.Before?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "—"} | {c.After?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "—"}{(c.Before != c.After ? " (changed)" : "")} |");
            md.AppendLine();
        }

        md.AppendLine("## Schema diff (before → after)");
        md.AppendLine();
        if (e.Diff is null) md.AppendLine("Not taken: the run did not reach the target's schema.");
        else if (e.Diff.IsEmpty) md.AppendLine("No difference.");
        else md.AppendLine(Fence(e.Diff.UnifiedText, "diff"));
        md.AppendLine();
        return md.ToString();
    }

    private static void Row(StringBuilder md, string key, string value) => md.AppendLine($"| {key} | {Cell(value)} |");

    private static string Time(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.fff 'UTC'", CultureInfo.InvariantCulture);

    private static string Cell(string s) => Inline(s).Replace("|", "\\|", StringComparison.Ordinal);

    private static string Inline(string s) => s.ReplaceLineEndings(" ");

    /// <summary>A code fence longer than any backtick run inside the text, so SQL cannot end it early.</summary>
    private static string Fence(string text, string language)
    {
        var longest = 0;
        var run = 0;
        foreach (var ch in text)
        {
            run = ch == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        var fence = new string('`', Math.Max(3, longest + 1));
        return $"{fence}{language}\n{text.TrimEnd()}\n{fence}";
    }
}
