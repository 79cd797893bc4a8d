using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Alerting;

/// <summary>An alert as received, before it is stored.</summary>
public sealed record IncomingAlert(
    string Fingerprint,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    AlertStatus Status,
    DateTime StartsAt,
    DateTime? EndsAt,
    string? GeneratorUrl,
    string RawJson);

/// <summary>An alert the console raises itself: labels (alertname, service, environment, severity …), annotations, firing or resolved.</summary>
public sealed record RaisedAlert(IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations, bool Firing, DateTime? StartsAt = null);

public sealed record IngestResult(int Received, int Created, int Changed, int Unchanged);

/// <summary>
/// Takes alerts in (Alertmanager's webhook payload version 4, or the console's generic form),
/// deduplicates them by fingerprint, tracks firing/resolved with history, writes alert events and
/// puts firing alerts into the dispatcher's aggregation groups — all in one save: a bad payload
/// stores nothing.
/// </summary>
public sealed class AlertIngestion(OpsDbContext db, AlertRoutingState routing, EventOutbox outbox, TimeProvider clock)
{
    public const int MaxAlertsPerRequest = 5000;
    public const int MaxLabels = 100;
    public const int MaxNameLength = 256;
    public const int MaxValueLength = 16 * 1024;

    /// <summary>Who may post alerts: OnCall, Admin, or a token made for alert ingestion only.</summary>
    public static readonly string[] IngestRoles = [Roles.OnCall, Roles.Admin, TokenScopes.AlertIngest];

    public async Task<IngestResult> IngestAlertmanagerAsync(Actor actor, JsonElement payload, CancellationToken ct = default)
    {
        actor.Require("post alerts", IngestRoles);
        if (payload.ValueKind != JsonValueKind.Object) throw new InvalidInputException("body", "Expected Alertmanager's webhook payload: a JSON object with 'alerts'.");
        if (payload.TryGetProperty("version", out var version) && !(version.ValueKind == JsonValueKind.String && version.GetString() == "4"))
            throw new InvalidInputException("version", $"Only Alertmanager's webhook payload version \"4\" is understood; got {version.GetRawText()}.");
        if (!payload.TryGetProperty("alerts", out var alerts) || alerts.ValueKind != JsonValueKind.Array)
            throw new InvalidInputException("alerts", "The payload has no 'alerts' array.");
        var envelope = JsonNode.Parse(payload.GetRawText())!.AsObject();
        envelope.Remove("alerts");
        var parsed = ParseAlerts(alerts, requireStatus: true);
        return await StoreAsync(actor, parsed, "alertmanager", envelope.ToJsonString(), ct);
    }

    /// <summary>The generic form: one alert object <c>{labels, annotations, status?, startsAt?, endsAt?}</c> or an array of them.</summary>
    /// <summary>The alert the alerts page's "Send a test alert" fires.</summary>
    public const string TestAlertName = "HighErrorRate";

    /// <summary>
    /// Fires a test <see cref="TestAlertName"/> alert for a service and environment (OnCall or Admin), through
    /// the same ingestion as a posted alert: stored, routed, paged like any other. Sending it again while it
    /// fires changes only "last seen".
    /// </summary>
    public Task<IngestResult> SendTestAlertAsync(Actor actor, string? service, string? environment, CancellationToken ct = default)
    {
        actor.Require("send a test alert", Roles.OnCall, Roles.Admin);
        if (string.IsNullOrWhiteSpace(service) || !System.Text.RegularExpressions.Regex.IsMatch(service, "^[a-z0-9][a-z0-9-]{0,62}$"))
            throw new InvalidInputException("service", "Name a service (lower-case letters, digits and dashes).");
        if (string.IsNullOrWhiteSpace(environment) || !System.Text.RegularExpressions.Regex.IsMatch(environment, "^[a-z0-9][a-z0-9-]{0,62}$"))
            throw new InvalidInputException("environment", "Name an environment (lower-case letters, digits and dashes).");
        var body = JsonSerializer.SerializeToElement(new
        {
            labels = new Dictionary<string, string> { ["alertname"] = TestAlertName, ["service"] = service, ["environment"] = environment, ["severity"] = "critical", ["test"] = "true" },
            annotations = new Dictionary<string, string> { ["summary"] = $"Test alert: {service}/{environment} answers more than 5% of requests with a 5xx (sent from the console by {actor.Name})." },
            status = "firing",
        });
        return IngestGenericAsync(actor, body, ct);
    }

    public async Task<IngestResult> IngestGenericAsync(Actor actor, JsonElement body, CancellationToken ct = default)
    {
        actor.Require("post alerts", IngestRoles);
        var list = body.ValueKind switch
        {
            JsonValueKind.Array => body,
            JsonValueKind.Object => JsonSerializer.SerializeToElement(new[] { body }),
            _ => throw new InvalidInputException("body", "Expected an alert object {labels, annotations, status?, startsAt?, endsAt?} or an array of them."),
        };
        return await StoreAsync(actor, ParseAlerts(list, requireStatus: false), "api", null, ct);
    }

    /// <summary>
    /// Alerts the console raises itself (SLO burn rates, drills, game-day abort conditions): stored,
    /// routed, paged and turned into incidents exactly like a posted alert. <paramref name="source"/>
    /// names the raiser in the alert history (e.g. <c>slo</c>). Raising a firing alert again changes
    /// only "last seen"; raise it with <c>firing: false</c> to resolve it.
    /// </summary>
    public Task<IngestResult> RaiseAsync(Actor actor, string source, IReadOnlyList<RaisedAlert> alerts, CancellationToken ct = default)
    {
        actor.Require("raise alerts", IngestRoles);
        var now = clock.GetUtcNow().UtcDateTime;
        var incoming = alerts.Select(a =>
        {
            var labels = new Dictionary<string, string>(a.Labels, StringComparer.Ordinal);
            if (labels.Count == 0) throw new InvalidInputException("labels", "A raised alert needs at least one label (e.g. alertname).");
            var annotations = new Dictionary<string, string>(a.Annotations, StringComparer.Ordinal);
            var raw = JsonSerializer.Serialize(new { labels, annotations, status = a.Firing ? "firing" : "resolved", source });
            return new IncomingAlert(AlertFingerprint.Compute(labels), labels, annotations,
                a.Firing ? AlertStatus.Firing : AlertStatus.Resolved, a.StartsAt ?? now, a.Firing ? null : now, null, raw);
        }).ToList();
        return StoreAsync(actor, incoming, source, null, ct);
    }

    private List<IncomingAlert> ParseAlerts(JsonElement alerts, bool requireStatus)
    {
        var count = alerts.GetArrayLength();
        if (count > MaxAlertsPerRequest) throw new InvalidInputException("alerts", $"{count} alerts in one request; send at most {MaxAlertsPerRequest}.");
        var now = clock.GetUtcNow().UtcDateTime;
        var result = new List<IncomingAlert>(count);
        var i = 0;
        foreach (var a in alerts.EnumerateArray())
        {
            var at = $"alerts[{i++}]";
            if (a.ValueKind != JsonValueKind.Object) throw new InvalidInputException(at, $"{at} is not an object.");
            var labels = StringMap(a, "labels", at, required: true);
            if (labels.Count == 0) throw new InvalidInputException(at + ".labels", $"{at} has no labels: an alert needs at least one (e.g. alertname).");
            var annotations = StringMap(a, "annotations", at, required: false);
            var startsAt = Time(a, "startsAt", at) ?? now;
            var endsAt = Time(a, "endsAt", at);
            AlertStatus status;
            if (a.TryGetProperty("status", out var s))
            {
                status = s.ValueKind == JsonValueKind.String ? s.GetString() switch
                {
                    "firing" => AlertStatus.Firing,
                    "resolved" => AlertStatus.Resolved,
                    _ => throw new InvalidInputException(at + ".status", $"{at}.status must be \"firing\" or \"resolved\"."),
                } : throw new InvalidInputException(at + ".status", $"{at}.status must be \"firing\" or \"resolved\".");
            }
            else if (requireStatus) throw new InvalidInputException(at + ".status", $"{at} has no status.");
            else status = endsAt is { } e && e <= now ? AlertStatus.Resolved : AlertStatus.Firing;
            if (status == AlertStatus.Resolved) endsAt ??= now;
            string? generator = a.TryGetProperty("generatorURL", out var g) && g.ValueKind == JsonValueKind.String ? g.GetString() : null;
            if (generator is { Length: > 2048 }) throw new InvalidInputException(at + ".generatorURL", $"{at}.generatorURL is longer than 2048 characters.");
            var fingerprint = a.TryGetProperty("fingerprint", out var f) && f.ValueKind == JsonValueKind.String && IsFingerprint(f.GetString())
                ? f.GetString()!
                : AlertFingerprint.Compute(labels);
            result.Add(new IncomingAlert(fingerprint, labels, annotations, status, startsAt, endsAt, generator, a.GetRawText()));
        }
        return result;
    }

    private static bool IsFingerprint(string? s) => s is { Length: > 0 and <= 64 } && s.All(char.IsAsciiHexDigitLower);

    private static Dictionary<string, string> StringMap(JsonElement a, string name, string at, bool required)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!a.TryGetProperty(name, out var obj) || obj.ValueKind == JsonValueKind.Null)
        {
            if (required) throw new InvalidInputException($"{at}.{name}", $"{at} has no {name}.");
            return map;
        }
        if (obj.ValueKind != JsonValueKind.Object) throw new InvalidInputException($"{at}.{name}", $"{at}.{name} must be an object of strings.");
        foreach (var p in obj.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String) throw new InvalidInputException($"{at}.{name}", $"{at}.{name}.{p.Name} must be a string.");
            if (p.Name.Length is 0 or > MaxNameLength) throw new InvalidInputException($"{at}.{name}", $"{at}.{name} has a name that is empty or longer than {MaxNameLength} characters.");
            var v = p.Value.GetString()!;
            if (v.Length > MaxValueLength) throw new InvalidInputException($"{at}.{name}", $"{at}.{name}.{p.Name} is longer than {MaxValueLength} characters.");
            map[p.Name] = v;
        }
        if (map.Count > MaxLabels) throw new InvalidInputException($"{at}.{name}", $"{at}.{name} has {map.Count} entries; at most {MaxLabels}.");
        return map;
    }

    private static DateTime? Time(JsonElement a, string name, string at)
    {
        if (!a.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            return t.Year <= 1 ? null : t.UtcDateTime; // Alertmanager's zero time means "not set"
        throw new InvalidInputException($"{at}.{name}", $"{at}.{name} is not an RFC 3339 time.");
    }

    // One writer at a time in this process (SQLite writes one at a time anyway): two posts of the same
    // new alert or group then never race. Another process's insert of the same key is a conflict: retried.
    private static readonly SemaphoreSlim WriteGate = new(1, 1);

    private async Task<IngestResult> StoreAsync(Actor actor, List<IncomingAlert> incoming, string source, string? envelope, CancellationToken ct)
    {
        await WriteGate.WaitAsync(ct);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await StoreOnceAsync(actor, incoming, source, envelope, ct);
                }
                catch (DbUpdateException) when (attempt < 3)
                {
                    db.ChangeTracker.Clear();
                }
            }
        }
        finally
        {
            WriteGate.Release();
        }
    }

    private async Task<IngestResult> StoreOnceAsync(Actor actor, List<IncomingAlert> incoming, string source, string? envelope, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // The same alert twice in one payload: the last one counts.
        var byFp = new Dictionary<string, IncomingAlert>(StringComparer.Ordinal);
        foreach (var a in incoming) byFp[a.Fingerprint] = a;
        var fps = byFp.Keys.ToList();
        // Read untracked: most posts repeat alerts that did not change, and those are only touched by one
        // set-based update of LastSeenAt below; only changed alerts are attached and saved as entities.
        var existing = await db.Alerts.AsNoTracking().Where(a => fps.Contains(a.Fingerprint)).ToDictionaryAsync(a => a.Fingerprint, StringComparer.Ordinal, ct);
        var (_, config, _) = await routing.GetAsync(db, ct);

        var toGroup = new List<(string Fp, IReadOnlyDictionary<string, string> Labels)>();
        var seenAgain = new List<string>();
        int created = 0, changed = 0, unchanged = 0;
        foreach (var a in byFp.Values)
        {
            var annotationsJson = JsonSerializer.Serialize(a.Annotations);
            if (!existing.TryGetValue(a.Fingerprint, out var stored))
            {
                var labelsJson = JsonSerializer.Serialize(a.Labels);
                var snap = new AlertSnapshot(a.Fingerprint, a.Labels, a.Annotations, a.Status, a.StartsAt, a.EndsAt, a.GeneratorUrl);
                stored = new StoredAlert
                {
                    Fingerprint = a.Fingerprint,
                    Name = snap.Name,
                    Service = snap.Service,
                    Environment = snap.Environment,
                    LabelsJson = labelsJson,
                    AnnotationsJson = annotationsJson,
                    Status = a.Status,
                    StartsAt = a.StartsAt,
                    EndsAt = a.EndsAt,
                    GeneratorUrl = a.GeneratorUrl,
                    FirstSeenAt = now,
                    LastSeenAt = now,
                    UpdatedAt = now,
                    TimesFired = a.Status == AlertStatus.Firing ? 1 : 0,
                    Source = source,
                    RawJson = a.RawJson,
                    EnvelopeJson = envelope,
                    SearchText = (labelsJson + " " + annotationsJson).ToLowerInvariant(),
                };
                db.Alerts.Add(stored);
                Transition(actor, stored, a.Labels, source, now);
                if (a.Status == AlertStatus.Firing) toGroup.Add((a.Fingerprint, a.Labels));
                created++;
                continue;
            }

            if (stored.Status != a.Status)
            {
                db.Alerts.Attach(stored);
                stored.LastSeenAt = now;
                if (a.Status == AlertStatus.Firing)
                {
                    stored.TimesFired++;
                    stored.StartsAt = a.StartsAt;
                    toGroup.Add((a.Fingerprint, a.Labels));
                }
                stored.Status = a.Status;
                stored.EndsAt = a.EndsAt;
                Touch(stored, a, annotationsJson, envelope, now);
                Transition(actor, stored, stored.Labels, source, now);
                changed++;
            }
            else if (stored.AnnotationsJson != annotationsJson || stored.GeneratorUrl != a.GeneratorUrl || (a.Status == AlertStatus.Resolved && stored.EndsAt != a.EndsAt))
            {
                db.Alerts.Attach(stored);
                stored.LastSeenAt = now;
                stored.EndsAt = a.EndsAt;
                Touch(stored, a, annotationsJson, envelope, now);
                changed++;
            }
            else
            {
                seenAgain.Add(a.Fingerprint);
                unchanged++;
            }
        }

        if (toGroup.Count > 0)
        {
            var groups = new Dictionary<string, AlertGroup>(StringComparer.Ordinal);
            foreach (var (fp, labels) in toGroup) AlertGrouping.Join(groups, config, fp, labels, now);
            // Only the keys and the memberships of these alerts are read: a group may hold thousands of alerts.
            var keys = groups.Keys.ToList();
            var known = (await db.AlertGroups.Where(g => keys.Contains(g.Key)).Select(g => g.Key).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            var groupedFps = toGroup.Select(t => t.Fp).ToList();
            var memberships = (await db.AlertGroupMembers.Where(m => groupedFps.Contains(m.Fingerprint)).Select(m => new { m.GroupKey, m.Fingerprint }).ToListAsync(ct))
                .Select(m => (m.GroupKey, m.Fingerprint)).ToHashSet();
            foreach (var (key, fresh) in groups)
            {
                if (!known.Contains(key)) { db.AlertGroups.Add(fresh); continue; }
                foreach (var m in fresh.Members)
                    if (!memberships.Contains((key, m.Fingerprint))) db.AlertGroupMembers.Add(m);
            }
        }
        // One transaction for the payload: the set-based "last seen" update and the tracked rows.
        var tracked = db.ChangeTracker.HasChanges();
        await using var transaction = tracked && seenAgain.Count > 0 ? await db.Database.BeginTransactionAsync(ct) : null;
        if (seenAgain.Count > 0)
            await db.Alerts.Where(x => seenAgain.Contains(x.Fingerprint)).ExecuteUpdateAsync(u => u.SetProperty(x => x.LastSeenAt, now), ct);
        if (tracked) await db.SaveChangesAsync(ct);
        if (transaction is not null) await transaction.CommitAsync(ct);
        return new IngestResult(incoming.Count, created, changed, unchanged);
    }

    private static void Touch(StoredAlert stored, IncomingAlert a, string annotationsJson, string? envelope, DateTime now)
    {
        stored.AnnotationsJson = annotationsJson;
        stored.GeneratorUrl = a.GeneratorUrl;
        stored.RawJson = a.RawJson;
        stored.EnvelopeJson = envelope ?? stored.EnvelopeJson;
        stored.SearchText = (stored.LabelsJson + " " + annotationsJson).ToLowerInvariant();
        stored.UpdatedAt = now;
    }

    private void Transition(Actor actor, StoredAlert stored, IReadOnlyDictionary<string, string> labels, string source, DateTime now)
    {
        db.AlertHistory.Add(new AlertHistoryEntry { Fingerprint = stored.Fingerprint, At = now, Status = stored.Status, StartsAt = stored.StartsAt, EndsAt = stored.EndsAt, Source = source });
        var subject = stored.Service is { } svc ? (stored.Environment is { } env ? $"{svc}/{env}" : svc) : "alerts";
        outbox.Add(db, actor, stored.Status == AlertStatus.Firing ? EventTypes.AlertFiring : EventTypes.AlertResolved, subject, new
        {
            fingerprint = stored.Fingerprint,
            name = stored.Name,
            status = stored.Status == AlertStatus.Firing ? "firing" : "resolved",
            labels,
            startsAt = stored.StartsAt,
            endsAt = stored.EndsAt,
        });
    }
}
