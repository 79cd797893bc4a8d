using System.Globalization;
using System.Text;

namespace OpsConsole.Core.Fatigue;

/// <summary>The assessment as a Markdown report and its per-rule table as CSV.</summary>
public static class FatigueExport
{
    public static string FileName(FatigueReport r, string extension) =>
        $"alert-fatigue-{(r.Schedule is null ? "all" : Slug(r.Schedule))}-{r.From:yyyyMMdd}-{r.To:yyyyMMdd}.{extension}";

    public static string ToMarkdown(FatigueReport r)
    {
        var f = r.Figures;
        var sb = new StringBuilder();
        sb.AppendLine($"# Alert-fatigue assessment: {Md(r.Schedule ?? "all schedules")}");
        sb.AppendLine();
        sb.AppendLine($"Period {r.From:yyyy-MM-dd HH:mm} to {r.To:yyyy-MM-dd HH:mm} UTC ({N(f.Weeks)} weeks). Working hours {r.WorkingHours} ({r.TimeZone}).");
        sb.AppendLine();
        sb.AppendLine($"## Score: {r.Score.Value}/100 ({r.Score.Verdict})");
        sb.AppendLine();
        sb.AppendLine("| threshold | limit | measured | met | points |");
        sb.AppendLine("|---|---|---|---|---|");
        foreach (var t in r.Score.Thresholds)
            sb.AppendLine($"| {Md(t.Name)} | {Md(t.Limit)} | {Md(t.MeasuredText)} | {(t.Met ? "yes" : "no")} | {N(t.Points)}/{N(t.MaxPoints)} |");
        sb.AppendLine();
        sb.AppendLine("## Figures");
        sb.AppendLine();
        sb.AppendLine("| figure | value |");
        sb.AppendLine("|---|---|");
        Row(sb, "Pages", $"{f.Pages} ({N(f.PagesPerWeek)} per week)");
        Row(sb, "On-call shifts", f.Shifts == 0 ? "none in scope" : $"{f.Shifts}, {N(f.PagesPerShift ?? 0)} pages per shift, busiest {f.MaxPagesInShift}, {f.ShiftsOverLimit} over the limit");
        Row(sb, "Pages per 12 hours on call", f.PagesPer12Hours is { } p ? N(p) : "—");
        Row(sb, "Pages outside working hours", $"{f.OutOfHoursPages} ({Pct(f.OutOfHoursShare)}, {N(f.OutOfHoursPagesPerWeek)} per week)");
        Row(sb, "Time to acknowledge", $"p50 {Min(f.AckP50Minutes)}, p90 {Min(f.AckP90Minutes)} ({f.AcknowledgedPages} acknowledged, {f.UnacknowledgedPages} not)");
        Row(sb, "Firings", f.Firings.ToString(CultureInfo.InvariantCulture));
        Row(sb, $"Resolved on their own within {r.SelfResolveMinutes} min", $"{f.SelfResolved} ({Pct(f.SelfResolvedShare)})");
        Row(sb, "Rules without a runbook", $"{f.RulesWithoutRunbook} of {f.Rules}");
        Row(sb, "Silences too long / renewed again and again", $"{f.LongSilences} / {f.RenewedSilences}");
        Row(sb, "Incidents paged more than once", $"{f.IncidentsWithDuplicatePages} ({f.DuplicatePages} extra pages)");
        sb.AppendLine();
        sb.AppendLine("## Pages per week");
        sb.AppendLine();
        sb.AppendLine("| week of | pages | outside hours | firings | resolved on their own |");
        sb.AppendLine("|---|---|---|---|---|");
        foreach (var w in r.Weeks) sb.AppendLine($"| {w.WeekStart:yyyy-MM-dd} | {w.Pages} | {w.OutOfHoursPages} | {w.Firings} | {w.SelfResolved} |");
        sb.AppendLine();
        sb.AppendLine("## Noisiest rules");
        sb.AppendLine();
        sb.AppendLine("| rule | firings | share | pages | acknowledged | outside hours | on their own | median duration | runbook |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var x in r.Rules)
            sb.AppendLine($"| {Md(x.Rule)} | {x.Firings} | {Pct(x.Share)} | {x.Pages} | {x.AcknowledgedPages} | {x.OutOfHoursPages} | {x.SelfResolved} | {Min(x.MedianMinutes)} | {(x.HasRunbook ? "yes" : "no")} |");
        sb.AppendLine();
        sb.AppendLine("## Recommendations");
        sb.AppendLine();
        if (r.Recommendations.Count == 0) sb.AppendLine("None: no rule stands out.");
        foreach (var x in r.Recommendations) sb.AppendLine($"- **{Md(x.Rule)}** ({x.Kind}): {Md(x.Action)} _Why:_ {Md(x.Reason)}");
        if (r.LongSilences.Count + r.RenewedSilences.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Silences");
            sb.AppendLine();
            foreach (var s in r.LongSilences) sb.AppendLine($"- Too long: `{Code(s.Matchers)}` for {N(s.Hours)} h (by {Md(s.CreatedBy)}, from {s.StartsAt:yyyy-MM-dd HH:mm})");
            foreach (var s in r.RenewedSilences) sb.AppendLine($"- Renewed {s.Times} times: `{Code(s.Matchers)}`, {N(s.TotalHours)} h in all");
        }
        if (r.DuplicatePages.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Duplicate pages");
            sb.AppendLine();
            foreach (var d in r.DuplicatePages) sb.AppendLine($"- Incident {d.IncidentId}: {d.Pages} pages ({Md(string.Join(", ", d.Rules))})");
        }
        return sb.ToString();
    }

    /// <summary>The per-rule table; cells that a spreadsheet would run as a formula are quoted with a leading apostrophe.</summary>
    public static string RulesCsv(FatigueReport r)
    {
        var sb = new StringBuilder("rule,firings,share,pages,acknowledged_pages,out_of_hours_pages,self_resolved,median_minutes,label_sets,has_runbook\n");
        foreach (var x in r.Rules)
            sb.Append(Csv(x.Rule)).Append(',').Append(x.Firings).Append(',').Append(N(x.Share)).Append(',').Append(x.Pages).Append(',')
                .Append(x.AcknowledgedPages).Append(',').Append(x.OutOfHoursPages).Append(',').Append(x.SelfResolved).Append(',')
                .Append(x.MedianMinutes is { } m ? N(m) : "").Append(',').Append(x.LabelSets).Append(',').Append(x.HasRunbook ? "true" : "false").Append('\n');
        return sb.ToString();
    }

    private static void Row(StringBuilder sb, string name, string value) => sb.AppendLine($"| {Md(name)} | {Md(value)} |");

    private static string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Pct(double? share) => share is { } s ? $"{N(s * 100)}%" : "—";

    private static string Min(double? minutes) => minutes is { } m ? $"{N(m)} min" : "—";

    /// <summary>Escapes what would make alert text into Markdown structure, links or HTML.</summary>
    public static string Md(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            if (c is '\r' or '\n') { sb.Append(' '); continue; }
            if (c is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '|' or '#' or '!' or '(' or ')') sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static string Code(string s) => s.Replace('`', '\'').Replace('\n', ' ').Replace('\r', ' ');

    private static string Csv(string s)
    {
        if (s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r') s = "'" + s;
        return s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{s.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : s;
    }

    private static string Slug(string s)
    {
        var chars = s.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var slug = new string(chars).Trim('-');
        return slug.Length == 0 ? "schedule" : slug.Length > 40 ? slug[..40] : slug;
    }
}
