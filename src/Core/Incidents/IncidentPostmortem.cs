using System.Globalization;
using System.Text;

namespace OpsConsole.Core.Incidents;

/// <summary>
/// A postmortem draft in Markdown, written from the incident and its timeline: summary, impact,
/// what changed before it opened, the timeline as a table (UTC), runbooks used, and places for the
/// root cause and action items. Text people typed (titles, notes) is escaped, so it reads as text
/// in any Markdown renderer: no links, HTML or table breaks come from it.
/// </summary>
public static class IncidentPostmortem
{
    public static string Draft(Incident i, IReadOnlyList<TimelineEntry> timeline, DateTime generatedAt)
    {
        var md = new StringBuilder();
        var sev = IncidentRules.Label(i.Severity);
        md.AppendLine(CultureInfo.InvariantCulture, $"# Postmortem (draft): {Text(i.Title)}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"*Incident {i.Id} · {sev} · {i.Status.ToString().ToLowerInvariant()} · drafted by the console on {Time(generatedAt)} UTC from the incident's timeline. Edit it before you share it.*");
        md.AppendLine();

        md.AppendLine("## Summary");
        md.AppendLine();
        var how = i.Origin switch { "alert" => " from an alert", "rollback" => " automatically after a rollback in prod", _ => "" };
        md.AppendLine(CultureInfo.InvariantCulture, $"{Text(i.Title)}. Opened{how} on {Time(i.OpenedAt)} UTC by {Text(i.OpenedBy)}.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Commander: {(i.Commander is { } c ? Text(c) : "none named")}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Acknowledged: {Moment(i.AcknowledgedAt, i.AcknowledgedBy, i.OpenedAt)}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Mitigated: {Moment(i.MitigatedAt, i.MitigatedBy, i.OpenedAt)}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Resolved: {Moment(i.ResolvedAt, i.ResolvedBy, i.OpenedAt)}");
        md.AppendLine();

        md.AppendLine("## Impact");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Severity: {sev}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Services: {(i.Services.Count == 0 ? "none named" : string.Join(", ", i.ServiceNames.Select(Text)))}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Duration: {(i.ResolvedAt is { } r ? Duration(r - i.OpenedAt) + " from opening to resolution" : "still open")}");
        if (i.Alerts.Count > 0)
            md.AppendLine(CultureInfo.InvariantCulture, $"- Alerts: {string.Join(", ", i.Alerts.OrderBy(a => a.LinkedAt).Select(a => $"{Text(a.Name)} (`{Code(a.Fingerprint)}`, since {Time(a.StartsAt)} UTC)"))}");
        md.AppendLine("- Customer impact: *to be written*");
        md.AppendLine();

        md.AppendLine(CultureInfo.InvariantCulture, $"## What changed in the {IncidentTimeline.WhatChangedWindow.TotalHours:0} hours before");
        md.AppendLine();
        var changes = IncidentTimeline.WhatChanged(timeline);
        if (changes.Count == 0)
        {
            md.AppendLine("No deploy, rollback or migration of the affected services in that window.");
        }
        else
        {
            md.AppendLine("| Time (UTC) | Change | Details |");
            md.AppendLine("|---|---|---|");
            foreach (var e in changes) md.AppendLine(CultureInfo.InvariantCulture, $"| {Time(e.Time)} | {Cell(e.Sentence)} | {LinkCell(e)} |");
        }
        md.AppendLine();

        md.AppendLine("## Timeline");
        md.AppendLine();
        md.AppendLine("| Time (UTC) | Kind | What happened | Details |");
        md.AppendLine("|---|---|---|---|");
        foreach (var e in timeline)
            md.AppendLine(CultureInfo.InvariantCulture, $"| {Time(e.Time)} | {e.Kind.ToString().ToLowerInvariant()} | {Cell(e.Sentence)} | {LinkCell(e)} |");
        md.AppendLine();

        md.AppendLine("## Runbooks used");
        md.AppendLine();
        if (i.Runbooks.Count == 0) md.AppendLine("No runbook was attached.");
        foreach (var rb in i.Runbooks.OrderBy(r => r.AttachedAt).ThenBy(r => r.Slug, StringComparer.Ordinal))
        {
            var steps = timeline.Count(e => e.Kind == TimelineKind.Runbook && e.Link == $"/runbooks/{Uri.EscapeDataString(rb.Slug)}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- [{Text(rb.Title)}](/runbooks/{Uri.EscapeDataString(rb.Slug)}){(steps > 0 ? $": {steps} recorded step{(steps == 1 ? "" : "s")}" : "")}");
        }
        var otherRunbookEntries = timeline.Count(e => e.Kind == TimelineKind.Runbook);
        if (otherRunbookEntries > 0) md.AppendLine(CultureInfo.InvariantCulture, $"- Runbook activity on the timeline: {otherRunbookEntries} entr{(otherRunbookEntries == 1 ? "y" : "ies")}");
        md.AppendLine();

        md.AppendLine("## Root cause");
        md.AppendLine();
        md.AppendLine("*To be written.*");
        md.AppendLine();
        md.AppendLine("## Action items");
        md.AppendLine();
        md.AppendLine("| Action | Owner | Due |");
        md.AppendLine("|---|---|---|");
        md.AppendLine("| *to be written* | | |");
        return md.ToString();
    }

    private static string Moment(DateTime? at, string? by, DateTime opened) => at is { } t
        ? $"{Time(t)} UTC by {Text(by ?? "someone")} ({Duration(t - opened)} after opening)"
        : "not yet";

    public static string Time(DateTime t) => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan d)
    {
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        if (d.TotalMinutes < 1) return $"{(int)d.TotalSeconds} s";
        if (d.TotalHours < 1) return $"{(int)d.TotalMinutes} min";
        return d.TotalDays < 1 ? $"{(int)d.TotalHours} h {d.Minutes} min" : $"{(int)d.TotalDays} d {d.Hours} h";
    }

    private static string LinkCell(TimelineEntry e) => e.Link is { } link && link.StartsWith('/') ? $"[{e.LinkText ?? "details"}]({link})" : "";

    /// <summary>Typed text as Markdown text: the characters that make emphasis, code, links, HTML or table cells are escaped, line breaks become spaces.</summary>
    public static string Text(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var ch in s)
        {
            if (ch is '\r' or '\n' or '\t') { sb.Append(' '); continue; }
            if (char.IsControl(ch)) continue;
            if (ch is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '|' or '~')
                sb.Append('\\');
            sb.Append(ch);
        }
        return sb.ToString();
    }

    private static string Cell(string s) => Text(s);

    private static string Code(string s) => s.Replace("`", "", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Replace("|", "", StringComparison.Ordinal);
}
