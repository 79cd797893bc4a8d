using System.Text.Json;

namespace OpsConsole.Core.Events;

/// <summary>
/// One line a person reads for an event ("checkout/prod rolled back to 1.0.0: …"), so live views show
/// what happened rather than JSON. Every type in <see cref="EventTypes"/> has its sentence; a type
/// added later without one, or data missing a field, still reads as "type subject by actor". The
/// raw data stays available next to it.
/// </summary>
public static class EventSentence
{
    public static string For(EventEnvelope e)
    {
        Data d;
        try
        {
            using var doc = JsonDocument.Parse(e.CloudEventJson);
            d = new Data(doc.RootElement.TryGetProperty("data", out var data) ? data.Clone() : default);
        }
        catch (JsonException)
        {
            d = new Data(default);
        }
        var by = e.Actor is { Length: > 0 } a ? $" by {a}" : "";
        var subject = TargetOf(e, d);
        return e.Type switch
        {
            EventTypes.DeployStarted => $"deploy.started {subject} {Arrow(d.S("previousVersion"), d.S("version"))}{Paren(d.S("strategy"))} by {d.S("by") ?? e.Actor}",
            EventTypes.DeployCompleted => d.S("outcome") is "Healthy" or null
                ? $"deploy.completed {subject} {d.S("version")} is healthy and takes all traffic{From(d.S("previousVersion"))}"
                : $"deploy.completed {subject} {d.S("version")} ended {d.S("outcome")!.ToLowerInvariant()}{Reason(d.S("reason"))}",
            EventTypes.RollbackExecuted => $"rollback {subject} {d.S("version")} rolled back to {d.S("stableVersion") ?? "nothing"}" +
                                           (d.S("trigger") == "manual" ? $" by {d.S("by") ?? e.Actor}" : " automatically") + Reason(d.S("reason")),
            EventTypes.RolloutStepChanged => d.S("step") == "switch"
                ? $"{subject} {d.S("version")} switched: {Weights(d)}"
                : $"{subject} {d.S("version")} at step {d.I("toStep") + 1} of {d.I("stepCount")}: {Weights(d)}",
            EventTypes.AnalysisFailed => $"analysis {d.S("template")} {(d.S("phase") ?? "failed").ToLowerInvariant()} on {subject} {d.S("version")}{Reason(d.S("reason"))}",
            EventTypes.RolloutRequested => $"rollout of {subject} {d.S("version")} requested{by}",
            EventTypes.RolloutAction => $"{d.S("action")} {subject} {d.S("version")} by {d.S("by") ?? e.Actor}, now {d.S("phase")?.ToLowerInvariant()}",
            EventTypes.MigrationApplied => $"{Changes(d)} applied to {subject}{Approved(d)}",
            EventTypes.MigrationReverted => $"{Changes(d)} reverted on {subject}{Approved(d)}",
            EventTypes.MigrationFailed => $"migration {(d.S("kind") ?? "run").ToLowerInvariant()} failed on {subject}{Reason(d.S("message") ?? d.S("summary"))}",
            EventTypes.MigrationBundleUploaded => $"migrations of {d.S("service")} {d.S("version")} uploaded ({Count(d.Count("changes"), "change")}){by}",
            EventTypes.UserCreated => $"user {d.S("userName")} created{Roles(d)}{by}",
            EventTypes.UserChanged => d.B("disabled") is { } disabled
                ? $"user {d.S("userName")} {(disabled ? "disabled" : "enabled")}{by}"
                : $"user {d.S("userName")} now has{Roles(d, " ")}{by}",
            EventTypes.TokenCreated => $"API token {d.S("name")} created for {d.S("owner")}{Roles(d)}{by}",
            EventTypes.TokenRevoked => $"API token {d.S("name")} of {d.S("owner")} revoked{by}",
            EventTypes.WebhookCreated => $"webhook {d.S("name")} added{Paren(d.S("url"))}{by}",
            EventTypes.WebhookDeleted => $"webhook {d.S("name")} deleted{by}",
            EventTypes.WebhookPing => $"webhook {d.S("name")} sent a test delivery{by}",
            EventTypes.ConsoleStarted => $"console {e.Source.Split('/')[^1]} started",
            EventTypes.IncidentOpened => $"incident opened on {e.Subject}{Reason(d.S("title") ?? d.S("summary"))}{by}",
            EventTypes.IncidentAcknowledged => $"incident {d.S("incidentId")} acknowledged{by}{Reason(d.S("title"))}",
            EventTypes.IncidentMitigated => $"incident {d.S("incidentId")} mitigated{by}{Reason(d.S("title"))}",
            EventTypes.IncidentResolved => $"incident {d.S("incidentId")} resolved{by}{Reason(d.S("title"))}",
            EventTypes.IncidentNoteAdded => $"note on incident {d.S("incidentId")}{by}{Reason(d.S("note"))}",
            EventTypes.AlertFiring => $"alert {d.S("name") ?? d.S("fingerprint")} firing{Paren(d.S("fingerprint"))}",
            EventTypes.AlertResolved => $"alert {d.S("name") ?? d.S("fingerprint")} resolved{Paren(d.S("fingerprint"))}",
            EventTypes.AlertRoutesReplaced => $"alert route tree replaced ({Count(d.I("routes"), "route")}, {Count(d.Count("receivers"), "receiver")}){by}",
            EventTypes.SilenceCreated => $"silence {d.S("matchers")} until {When(d.S("endsAt"))}{by}{Reason(d.S("comment"))}",
            EventTypes.SilenceExpired => $"silence {d.S("matchers")} expired" + (d.S("expiredBy") is { } x ? $" (ended by {x})" : ""),
            EventTypes.PageSent => $"paged {d.S("person")} (level {d.S("level")}, receiver {d.S("receiver")}){Reason(d.S("title"))}",
            EventTypes.PageEscalated => $"page escalated to level {d.S("level")}: {d.S("person")}{Reason(d.S("title"))}",
            EventTypes.PageAcknowledged => $"page acknowledged by {d.S("person") ?? e.Actor}{Reason(d.S("title"))}",
            EventTypes.RunbookUpdated => $"runbook {d.S("title")} now at version {d.S("version")}{Paren(d.S("origin"))} by {d.S("by") ?? e.Actor}",
            EventTypes.RunbookRunStarted => $"runbook {d.S("title")} run started by {d.S("actor") ?? e.Actor}",
            EventTypes.RunbookStepExecuted => $"runbook {d.S("runbookTitle")} step {d.S("step")} {d.S("stepTitle")} {d.S("outcome")} by {d.S("actor") ?? e.Actor}",
            EventTypes.ReleaseRegistered => $"release {d.S("service")} {d.S("version")} registered{Paren(Short(d.S("commit")))}{by}",
            EventTypes.ReleaseChecksReported => $"check {d.S("check")} of {d.S("service")} {d.S("version")} {(d.B("passed") == true ? "passed" : "failed")} ({Count(d.I("tests"), "test")}, {Count(d.I("failures") + d.I("errors"), "failure")}){by}",
            EventTypes.PromotionRequested => $"promotion of {d.S("service")} {d.S("version")} to {d.S("environment")} requested by {d.S("requestedBy") ?? e.Actor}",
            EventTypes.PromotionApproved => $"promotion of {d.S("service")} {d.S("version")} to {d.S("environment")} approved by {d.S("by") ?? e.Actor}{Reason(d.S("comment"))}",
            EventTypes.PromotionRejected => $"promotion of {d.S("service")} {d.S("version")} to {d.S("environment")} rejected by {d.S("by") ?? e.Actor}{Reason(d.S("comment"))}",
            EventTypes.PromotionCompleted => $"{d.S("service")} {d.S("version")} promoted to {d.S("environment")}",
            EventTypes.PromotionFailed => d.B("cancelled") == true
                ? $"promotion of {d.S("service")} {d.S("version")} to {d.S("environment")} cancelled{by}"
                : $"promotion of {d.S("service")} {d.S("version")} to {d.S("environment")} failed{Reason(d.S("reason"))}",
            EventTypes.FreezeOverridden => $"freeze {d.S("window")} overridden for {d.S("service")} {d.S("version")} to {d.S("environment")} by {d.S("by") ?? e.Actor}{Reason(d.S("reason"))}",
            EventTypes.ConfigChanged => $"config {string.Join(", ", d.Strings("keys"))} {d.S("change") ?? "changed"} on {subject}{(d.B("secret") == true ? " (secret)" : "")}{by}",
            EventTypes.DrillCompleted => $"rollback drill on {subject} {(d.B("passed") == true ? "passed" : "failed")}" +
                (d.S("rollbackSeconds") is { } rb ? $": rolled back in {Seconds(rb)} s (target {d.S("targetSeconds")} s)" : "") + (d.B("passed") == true ? "" : Reason(d.S("reason"))),
            EventTypes.SloCreated => $"SLO {d.S("description")} over {d.S("windowDays")} d created for {subject}{by}",
            EventTypes.SloDeleted => $"SLO {d.S("description")} over {d.S("windowDays")} d deleted from {subject}{by}",
            EventTypes.GameDayStarted => $"game day {d.S("gameDayId")} {d.S("title")} started on {string.Join(", ", d.Strings("scope"))} by {d.S("by") ?? e.Actor}",
            EventTypes.GameDayCompleted => d.S("outcome") == "aborted"
                ? $"game day {d.S("gameDayId")} {d.S("title")} aborted{Reason(d.S("abortReason"))}"
                : $"game day {d.S("gameDayId")} {d.S("title")} completed{(d.B("hypothesisHeld") is { } held ? held ? ", hypothesis held" : ", hypothesis refuted" : "")}",
            _ => $"{e.Type} {e.Subject}{by}",
        };
    }

    /// <summary>service/environment from the data when it carries them, else the event's subject.</summary>
    private static string TargetOf(EventEnvelope e, Data d) =>
        d.S("service") is { } s && d.S("environment") is { } env ? $"{s}/{env}" : e.Subject;

    private static string When(string? iso) =>
        DateTime.TryParse(iso, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture) : iso ?? "?";

    private static string From(string? previous) => previous is null ? "" : $" (from {previous})";
    private static string Arrow(string? from, string? to) => from is null ? $"{to}" : $"{from} → {to}";
    private static string? Short(string? sha) => sha is { Length: > 12 } ? sha[..12] : sha;
    private static string Seconds(string s) => double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v)
        ? v.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : s;
    private static string Paren(string? s) => s is null ? "" : $" ({s})";
    private static string Reason(string? s) => string.IsNullOrWhiteSpace(s) ? "" : $": {s.TrimEnd('.')}";
    private static string Approved(Data d) => d.S("approvedBy") is { } a ? $", approved by {a}" : "";
    private static string Changes(Data d) => Count(d.Count("changes"), "change");
    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";

    private static string Roles(Data d, string lead = " with roles ")
    {
        var roles = d.Strings("roles");
        return roles.Count == 0 ? "" : lead + string.Join(", ", roles);
    }

    private static string Weights(Data d)
    {
        var w = d.Weights();
        return w.Count == 0 ? "no traffic split" : string.Join(", ", w.Select(kv => $"{kv.Value}% on {kv.Key}"));
    }

    private readonly struct Data(JsonElement root)
    {
        private JsonElement? Get(string name)
        {
            if (root.ValueKind != JsonValueKind.Object) return null;
            foreach (var p in root.EnumerateObject())
                if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) return p.Value;
            return null;
        }

        public string? S(string name) => Get(name) is { } v ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        } : null;

        public int I(string name) => Get(name) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out var i) ? i : 0;

        public bool? B(string name) => Get(name) is { } v && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

        public int Count(string name) => Get(name) is { ValueKind: JsonValueKind.Array } v ? v.GetArrayLength() : 0;

        public IReadOnlyList<string> Strings(string name) => Get(name) is { ValueKind: JsonValueKind.Array } v
            ? v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
            : [];

        public IReadOnlyList<KeyValuePair<string, int>> Weights() => Get("weights") is { ValueKind: JsonValueKind.Object } v
            ? v.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number)
                .Select(p => KeyValuePair.Create(p.Name, (int)p.Value.GetDouble())).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList()
            : [];
    }
}
